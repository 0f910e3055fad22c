"""Import approval forms (项目支出绩效目标批复表) from .xlsx: a preview first, and nothing written on any error.

A form is laid out as the bureau receives it (the seed's 2025 forms): the title with （2025年度）; 项目名称;
主管部门及代码 … 实施单位 …; 资金来源 with 资金总额(元), 财政拨款, 其中:上级补助, 本级安排, 其他资金; 年度总体目标;
then the header 绩效指标 | 一级指标 | 二级指标 | 三级指标 | 指标值 | 说明 and one row per 三级指标, merged
一级/二级 cells read as the value above. A workbook holds one form per sheet, or several one below another.

Each form becomes a project of its year with its budget lines (本年财政拨款 and 其他资金) and its indicators.
An indicator's data source is the one of the same-named indicator of an earlier year's same-named project,
else what its name says (系统故障率 → failure_rate …, 定性 → a person's grade, else manual entries).
Every bad cell is reported with its sheet, row and column, and the file is then refused as a whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import Indicator, Project
from slatrack.operations import OperationError
from slatrack.operations.reference import fields as check
from slatrack.operations.reference.copying import renamed
from slatrack.operations.reference.indicator_edits import LEVEL2_OF, add_indicator, parse_target, target_text_of
from slatrack.operations.reference.projects import new_project
from slatrack.operations.spreadsheets import RowError, cell_text, read_grid

MAX_ROWS = 2000
HEADER = ("一级指标", "二级指标", "三级指标", "指标值")
LEVEL1_OF_LEVEL2 = {level2: level1 for level1, names in LEVEL2_OF.items() for level2 in names}
# The automatic measure a 三级指标's name points at, first match wins.
NAME_SOURCES = (
    ("故障率", "metric:failure_rate"),
    ("响应率", "metric:response_rate"),
    ("咨询", "metric:consultations"),
    ("运行监控", "metric:monitoring_months"),
    ("运维报告", "metric:reports_submitted"),
    ("运维服务的满意度", "metric:satisfaction_rate"),
    ("服务期限", "metric:service_months"),
    ("成本控制率", "metric:cost_control"),
    ("故障处理", "derived:fault_handling"),
    ("功能优化", "derived:optimization"),
)


@dataclass
class ParsedForm:
    sheet: str
    row: int
    year: int | None = None
    name: str = ""
    department: str = ""
    implementer: str = ""
    goal: str = ""
    funding: dict[str, Decimal] = field(default_factory=dict)
    indicators: list[dict[str, Any]] = field(default_factory=list)
    code: str = ""

    def project_values(self) -> dict[str, Any]:
        lines = []
        fiscal = self.funding.get(
            "财政拨款", self.funding.get("本级安排", Decimal(0)) + self.funding.get("上级补助", Decimal(0))
        )
        if fiscal:
            lines.append(
                {"code": f"{self.code}-01", "name": "本年财政拨款", "amount": fiscal, "source": "本年财政拨款"}
            )
        other = self.funding.get("其他资金", Decimal(0))
        if other:
            lines.append(
                {"code": f"{self.code}-{len(lines) + 1:02d}", "name": "其他资金", "amount": other, "source": "其他资金"}
            )
        return {
            "code": self.code,
            "fiscal_year": self.year,
            "name": self.name,
            "department": self.department,
            "implementer": self.implementer,
            "overall_goal": self.goal,
            "budget_lines": [{**line, "condition": "", "contract": None} for line in lines],
        }


@dataclass
class FormsImport:
    """What a file holds (or would create): the forms, and every bad cell; ``created`` once written."""

    forms: list[ParsedForm] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    created: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.forms)

    @property
    def indicator_count(self) -> int:
        return sum(len(form.indicators) for form in self.forms)


def _column(sheet: str, index: int, label: str) -> str:
    from openpyxl.utils import get_column_letter

    return f"{label}（{get_column_letter(index + 1)} 列，工作表「{sheet}」）"


def _after(cells: list[str], index: int, stop: str | None = None) -> tuple[int, str]:
    """The first non-empty cell right of ``index`` (before a cell equal to ``stop``), with its index."""
    for position in range(index + 1, len(cells)):
        if stop is not None and cells[position] == stop:
            break
        if cells[position]:
            return position, cells[position]
    return index + 1, ""


def _label(text: str) -> str:
    return re.sub(r"[\s:：()（）]", "", text)


FUNDING = {"资金总额元": "资金总额", "财政拨款": "财政拨款", "其中上级补助": "上级补助", "上级补助": "上级补助",
           "本级安排": "本级安排", "其他资金": "其他资金"}  # fmt: skip


def parse(stream: IO[bytes], filename: str, year: int | None = None) -> FormsImport:
    result = FormsImport()
    form: ParsedForm | None = None
    header: dict[str, int] | None = None
    carried = ("", "")
    stated_year: int | None = None
    current_sheet = ""
    for sheet, number, values in read_grid(stream, filename, max_rows=MAX_ROWS):
        if sheet != current_sheet:  # a form never runs on into the next sheet
            current_sheet, form, header, stated_year = sheet, None, None, None
        cells = [cell_text(v) for v in values]
        labels = [_label(c) for c in cells]

        def error(index: int, label: str, reason: str, *, _sheet: str = sheet, _number: int = number) -> None:
            result.errors.append(RowError(_number, _column(_sheet, index, label), reason))

        found_year = next((int(m.group(1)) for c in cells if (m := re.search(r"(20\d{2})\s*年度", c))), None)
        if found_year is not None and "项目名称" not in labels:
            stated_year = found_year
        if "项目名称" in labels:
            index = labels.index("项目名称")
            form = ParsedForm(sheet=sheet, row=number, year=year or stated_year)
            result.forms.append(form)
            header, carried = None, ("", "")
            _, form.name = _after(cells, index)
            if not form.name:
                error(index + 1, "项目名称", "不能为空")
            continue
        if form is None:
            continue
        if header is None:
            if "主管部门及代码" in labels:
                index = labels.index("主管部门及代码")
                _, form.department = _after(cells, index, stop="实施单位")
                if not form.department:
                    error(index + 1, "主管部门及代码", "不能为空")
                if "实施单位" in labels:
                    _, form.implementer = _after(cells, labels.index("实施单位"))
                if not form.implementer:
                    error(labels.index("实施单位") + 1 if "实施单位" in labels else index, "实施单位", "不能为空")
                continue
            if "年度总体目标" in labels:
                _, form.goal = _after(cells, labels.index("年度总体目标"))
                continue
            if all(name in labels for name in HEADER):
                header = {name: labels.index(name) for name in (*HEADER, "说明") if name in labels}
                continue
            for position, text in enumerate(labels):
                if text in FUNDING:
                    where, raw = _after(cells, position)
                    try:
                        amount = Decimal(raw.replace(",", "") or "0")
                    except InvalidOperation:
                        error(where, cells[position], "应为金额（元）")
                        continue
                    if amount < 0 or not amount.is_finite():
                        error(where, cells[position], "应为不小于 0 的金额（元）")
                        continue
                    form.funding[FUNDING[text]] = amount
            continue
        _indicator(form, header, cells, carried, error)
        if form.indicators:
            last = form.indicators[-1]
            carried = (last["level1"], last["level2"])
    _finish(result, year)
    return result


def _indicator(
    form: ParsedForm, header: dict[str, int], cells: list[str], carried: tuple[str, str], error: Any
) -> None:
    def at(name: str) -> str:
        index = header.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    level1, level2 = at("一级指标") or carried[0], at("二级指标") or carried[1]
    if at("一级指标") in LEVEL1_OF_LEVEL2 and at("一级指标") not in LEVEL2_OF:
        level1, level2 = LEVEL1_OF_LEVEL2[at("一级指标")], at("一级指标")  # a form's shifted cell
    elif at("一级指标") and not at("二级指标"):
        level2 = ""
    name, value = at("三级指标"), at("指标值")
    bad = False
    if level1 not in LEVEL2_OF:
        error(header["一级指标"], "一级指标", f"应为 {'、'.join(LEVEL2_OF)} 之一")
        bad = True
    elif level2 not in LEVEL2_OF[level1]:
        error(header["二级指标"], "二级指标", f"{level1}的二级指标应为 {'、'.join(LEVEL2_OF[level1])} 之一")
        bad = True
    if not name:
        error(header["三级指标"], "三级指标", "不能为空")
        bad = True
    if not value:
        error(header["指标值"], "指标值", "不能为空")
        bad = True
    if len(name) > 256 or len(value) > 64:
        error(header["三级指标"], "三级指标", "名称不能超过 256 个字，指标值不能超过 64 个字")
        bad = True
    operator, target, unit = parse_target(value)
    if bad:
        form.indicators.append({"level1": level1, "level2": level2, "name": name, "bad": True})
        return
    form.indicators.append(
        {
            "level1": level1,
            "level2": level2,
            "name": name,
            "operator": operator,
            "target": target,
            "target_text": value if operator == "qualitative" else (value or target_text_of(operator, target, unit)),
            "unit": unit[:16],
            "weight": None,
            "source": "",
            "explanation": at("说明")[:2000],
        }
    )


def _source(name: str, operator: str, unit: str, known: dict[str, str]) -> str:
    if name in known:
        return known[name]
    for word, source in NAME_SOURCES:
        if word in name:
            return source
    if operator == "qualitative":
        return "grade"
    if unit == "万元":
        return "metric:spending"
    return "manual"


def _finish(result: FormsImport, year: int | None) -> None:
    if not result.forms and not result.errors:
        result.errors.append(RowError(0, "项目名称", "文件中没有找到批复表（缺少“项目名称”一行）"))
    taken: set[str] = set()
    for form in result.forms:
        where = f"项目名称（工作表「{form.sheet}」）"
        if form.year is None:
            result.errors.append(
                RowError(form.row, where, "无法确定年度：标题中应有“（2026年度）”，或在导入时指定年度")
            )
            continue
        if not 2000 <= form.year <= 2099:
            result.errors.append(RowError(form.row, where, "年度应在 2000 到 2099 之间"))
            continue
        if not form.indicators:
            result.errors.append(
                RowError(form.row, where, "没有找到绩效指标（缺少“一级指标 二级指标 三级指标 指标值”表头或指标行）")
            )
        same_year = db.session.scalar(
            select(Project).where(Project.fiscal_year == form.year, Project.name == form.name)
        )
        if same_year is not None:
            result.errors.append(RowError(form.row, where, f"{form.year} 年度已有该项目（{same_year.code}）"))
        earlier = db.session.scalar(
            select(Project)
            .where(Project.name == form.name, Project.fiscal_year < form.year)
            .order_by(Project.fiscal_year.desc())
            .limit(1)
        )
        form.code = (
            renamed(earlier.code, earlier.fiscal_year, form.year) if earlier else f"XM-{form.year}-{len(taken) + 1:02d}"
        )
        if form.code in taken or db.session.scalar(select(Project.id).where(Project.code == form.code)):
            result.errors.append(RowError(form.row, where, f"项目编号 {form.code} 已存在"))
        taken.add(form.code)
        known = {}
        if earlier is not None:
            known = {
                i.name: i.source
                for i in db.session.scalars(select(Indicator).where(Indicator.project_id == earlier.id))
            }
        for item in form.indicators:
            if not item.get("bad"):
                item["source"] = _source(item["name"], item["operator"], item["unit"], known)
        try:
            check.text({"name": form.name}, "name", "项目名称", 128)
            check.text({"department": form.department}, "department", "主管部门", 128)
            check.text({"implementer": form.implementer}, "implementer", "实施单位", 128)
            check.text({"overall_goal": form.goal}, "overall_goal", "年度总体目标", 5000, required=False)
        except OperationError as exc:
            result.errors.append(RowError(form.row, where, exc.message))


def import_forms(stream: IO[bytes], filename: str, year: int | None = None, *, commit: bool = False) -> FormsImport:
    """Read the forms; with ``commit`` and no error, create their projects, budget lines and indicators."""
    result = parse(stream, filename, year)
    if not commit or not result.ok:
        return result
    for form in result.forms:
        project = new_project(form.project_values())
        for item in form.indicators:
            add_indicator(project, {k: v for k, v in item.items() if k != "bad"})
        result.created.append(project.code)
    db.session.commit()
    return result
