"""The annual performance self-evaluation (项目支出绩效自评表) of every project of a fiscal year.

One document per year holding each project's table, in the published layout (财政部 财预〔2020〕10号,
附件 项目支出绩效自评表): one bordered table per project with merged cells — 项目名称; 主管部门 | 实施单位;
项目资金（万元）with 年初预算数 / 全年预算数 / 全年执行数 / 分值 / 执行率 / 得分 over the rows 年度资金总额,
其中：本年财政拨款, 上年结转资金, 其他资金; 年度总体目标 with 预期目标 | 实际完成情况; the indicators
(一级指标 merged and labelled with its points, 二级指标, 三级指标, 年度指标值, 实际完成值, 分值, 得分,
偏差原因分析及改进措施); 总分; and the 填报人 / 联系电话 / 填报日期 line. Every figure is taken from
``evaluate_indicators`` (the call behind ``GET /api/v1/indicators``) at ``as_of``; the weights and scores
are the two-decimal figures of ``measure.scoring``, so every sum on the page can be redone by hand.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from slatrack.measure.indicators import IndicatorEvaluation, ProjectSummary
from slatrack.measure.scoring import BUDGET_POINTS, GROUP_POINTS, group_of
from slatrack.operations import OperationError
from slatrack.reports.data import ProjectInfo, ProjectTexts, SelfEvaluationData
from slatrack.reports.document import chinese_date
from slatrack.reports.form import Form, FormDocument

# 一级指标 column: the scoring group's name and points (可持续影响指标 is scored with 效益指标, SPEC §5).
GROUP_LABELS = {"output": "产出指标", "benefit": "效益指标", "satisfaction": "满意度指标"}
# Budget line funding sources (reference data ``source``) → the table's rows.
CURRENT, CARRIED, OTHER = "其中：本年财政拨款", "上年结转资金", "其他资金"
WIDTHS = [10.0, 12.0, 26.0, 11.0, 11.0, 9.0, 9.0, 21.0]
TEN_THOUSAND = Decimal(10000)


def file_name(year: int, fmt: str) -> str:
    return f"{year}年度项目支出绩效自评表.{fmt}"


def parse_year(text: str | int) -> int:
    try:
        year = int(str(text).strip())
    except ValueError:
        year = 0
    if not 2000 <= year <= 2999:
        raise OperationError(f"年度格式错误：{text}，应为 2025 这样的四位年份", fields={"year": "应为四位年份"})
    return year


def funding_row(source: str) -> str:
    """The 项目资金 row of a budget line's funding source: 上年结转… → 上年结转资金, 财政拨款… → 本年财政拨款."""
    text = source.strip()
    if "结转" in text or "结余" in text:
        return CARRIED
    if text.startswith("财政拨款") or text.startswith("本年财政拨款"):
        return CURRENT
    return OTHER


def build(data: SelfEvaluationData) -> FormDocument:
    """Each project's table, from the year's data (operations.figures.document_data.self_evaluation_data)."""
    evaluation = data.evaluation
    filled_on = chinese_date(data.prepared_at.astimezone(ZoneInfo(data.tz)).date())
    forms = [
        project_form(
            data.year,
            evaluation,
            data.projects[summary.code],
            summary,
            data.texts.get(summary.code, ProjectTexts("", "")),
            filled_on,
        )
        for summary in evaluation.projects
    ]
    return FormDocument(f"项目支出绩效自评表（{data.year}年度）", forms)


def _wan(amount: Decimal) -> Decimal:
    return (amount / TEN_THOUSAND).quantize(Decimal("0.01"))


def _funding(
    form: Form, top: int, project: ProjectInfo, summary: ProjectSummary, evaluation: IndicatorEvaluation
) -> int:
    budget = evaluation.budgets.get(summary.code)
    planned = {CURRENT: Decimal(0), CARRIED: Decimal(0), OTHER: Decimal(0)}
    paid = dict(planned)
    if budget is not None:
        for line in budget.lines:
            row = funding_row(project.line_sources.get(line.key, ""))
            planned[row] += line.budget
            paid[row] += line.paid
    initial = {CURRENT: project.fiscal_allocation, CARRIED: Decimal(0),
               OTHER: project.total_amount - project.fiscal_allocation}  # fmt: skip
    form.add(top, 0, "项目资金（万元）", rowspan=5, bold=True)
    for col, label in enumerate(["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"], start=2):
        form.add(top, col, label, bold=True)
    form.add(top, 1, "", bold=True)
    form.add(top + 1, 1, "年度资金总额")
    form.add(top + 1, 2, _wan(project.total_amount), "money", align="right")
    form.add(top + 1, 3, _wan(summary.budget), "money", align="right")
    form.add(top + 1, 4, _wan(summary.paid), "money", align="right")
    form.add(top + 1, 5, BUDGET_POINTS, "score", align="right")
    form.add(top + 1, 6, summary.execution_rate, "percent", align="right")
    form.add(top + 1, 7, summary.budget_points, "score", align="right")
    for offset, row in enumerate((CURRENT, CARRIED, OTHER), start=2):
        form.add(top + offset, 1, row)
        form.add(top + offset, 2, _wan(initial[row]), "money", align="right")
        form.add(top + offset, 3, _wan(planned[row]), "money", align="right")
        form.add(top + offset, 4, _wan(paid[row]), "money", align="right")
        for col in (5, 6, 7):
            form.add(top + offset, col, "—")
    return top + 5


def _actual(row: dict[str, Any]) -> str:
    if row["grade"] is not None:
        return str(row["grade"])
    if row["actual"] is None:
        return ""
    value = float(row["actual"])
    shown = f"{int(value):,}" if value.is_integer() else f"{value:,.2f}"
    return f"{shown}{row['unit']}"


def _deviation(row: dict[str, Any]) -> str:
    revision = f"指标修订：{row['revision']}" if row.get("revision") else ""
    if row["met"] is not False:
        return revision
    parts = [revision] if revision else []
    if row["deviation_reason"]:
        parts.append(f"偏差原因：{row['deviation_reason']}")
    if row["improvement"]:
        parts.append(f"改进措施：{row['improvement']}")
    return "；".join(parts)


def _spans(values: list[str]) -> list[tuple[int, int]]:
    """(start, length) of each run of equal consecutive values."""
    runs: list[tuple[int, int]] = []
    for index, value in enumerate(values):
        if runs and values[runs[-1][0]] == value:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((index, 1))
    return runs


def _indicators(form: Form, top: int, rows: list[dict[str, Any]]) -> int:
    for col, label in enumerate(
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    ):
        form.add(top, col, label, bold=True)
    top += 1
    groups = [group_of(str(row["level1"])) for row in rows]
    for start, length in _spans(groups):
        group = groups[start]
        form.add(top + start, 0, f"{GROUP_LABELS[group]}（{GROUP_POINTS[group]:g}分）", rowspan=length)
    level2 = [f"{groups[i]}/{row['level2']}" for i, row in enumerate(rows)]
    for start, length in _spans(level2):
        form.add(top + start, 1, str(rows[start]["level2"]), rowspan=length)
    for index, row in enumerate(rows):
        line = top + index
        form.add(line, 2, str(row["name"]), align="left")
        form.add(line, 3, str(row["target_text"]))
        form.add(line, 4, _actual(row))
        form.add(line, 5, row["weight"], "score", align="right")
        form.add(line, 6, row["score"], "score", align="right")
        form.add(line, 7, _deviation(row), align="left", typed=True)
    return top + len(rows)


def project_form(
    year: int,
    evaluation: IndicatorEvaluation,
    project: ProjectInfo,
    summary: ProjectSummary,
    texts: ProjectTexts,
    filled_on: str,
) -> Form:
    """One project's 项目支出绩效自评表 as a grid of eight columns."""
    form = Form(f"项目支出绩效自评表（{year}年度）", list(WIDTHS), heading=project.name)
    form.add(0, 0, "项目名称", bold=True)
    form.add(0, 1, project.name, colspan=7, align="left")
    form.add(1, 0, "主管部门", bold=True)
    form.add(1, 1, project.department, colspan=3, align="left")
    form.add(1, 4, "实施单位", bold=True)
    form.add(1, 5, project.implementer, colspan=3, align="left")
    top = _funding(form, 2, project, summary, evaluation)
    form.add(top, 0, "年度总体目标", rowspan=2, bold=True)
    form.add(top, 1, "预期目标", colspan=3, bold=True)
    form.add(top, 4, "实际完成情况", colspan=4, bold=True)
    form.add(top + 1, 1, project.annual_goal, colspan=3, align="left")
    form.add(top + 1, 4, texts.achieved, colspan=4, align="left", typed=True)
    rows = [row for row in evaluation.rows if row["project_code"] == summary.code]
    top = _indicators(form, top + 2, rows)
    weights = sum(round(float(row["weight"]) * 100) for row in rows) + round(BUDGET_POINTS * 100)
    form.add(top, 0, "总分", colspan=5, bold=True)
    form.add(top, 5, weights / 100, "score", align="right", bold=True)
    form.add(top, 6, summary.total, "score", align="right", bold=True)
    form.add(top, 7, f"自评等级：{summary.grade}", bold=True)
    form.footer = [f"填报人：{' ' * 12}联系电话：{' ' * 16}填报日期：{filled_on}"]
    return form


def missing_texts(data: SelfEvaluationData) -> list[str]:
    """What a person still has to enter before the forms can be filed (shown on the page, not printed)."""
    missing: list[str] = []
    for summary in data.evaluation.projects:
        texts = data.texts.get(summary.code, ProjectTexts("", ""))
        if not texts.achieved.strip():
            missing.append(f"{summary.name}：年度总体目标实际完成情况")
        for name in summary.missing:
            missing.append(f"{summary.name}：{name} 的实际完成值")
        for row in data.evaluation.rows:
            if (
                row["project_code"] == summary.code
                and row["met"] is False
                and not (row["deviation_reason"] or row["improvement"])
            ):
                missing.append(f"{summary.name}：{row['name']} 的偏差原因分析及改进措施")
    return missing
