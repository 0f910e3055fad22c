"""The annual performance self-evaluation (项目支出绩效自评表) of every project of a fiscal year.

Both projects of the year go into one file: one section (Word) or sheet (workbook) per project, each
in the standard layout — project, funding rows (年初预算数, 全年预算数, 全年执行数, 分值, 执行率, 得分),
the annual goal with what was achieved, every indicator (年度指标值, 实际完成值, 分值, 得分,
偏差原因及改进措施), the total score and grade. Every figure is taken from ``evaluate_indicators``
(the same call behind ``GET /api/v1/indicators``) at ``as_of`` (default: now).
"""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from slatrack.measure.indicators import IndicatorEvaluation, ProjectSummary
from slatrack.measure.scoring import BUDGET_POINTS
from slatrack.operations import OperationError
from slatrack.reports.data import ProjectInfo, ProjectTexts, SelfEvaluationData
from slatrack.reports.document import Column, Document, Section, Table, Value
from slatrack.reports.quarterly_format import BUREAU, chinese_date

FUNDING_COLUMNS = [
    Column("项目资金（元）", width=18),
    Column("年初预算数", "money", width=16),
    Column("全年预算数", "money", width=16),
    Column("全年执行数", "money", width=16),
    Column("分值", "figure", width=8),
    Column("执行率", "percent", width=10),
    Column("得分", "figure", width=8),
]
INDICATOR_COLUMNS = [
    Column("一级指标", width=12),
    Column("二级指标", width=14),
    Column("三级指标", width=34),
    Column("年度指标值", width=12),
    Column("实际完成值", "figure", width=12),
    Column("单位", width=6),
    Column("分值", "figure", width=8),
    Column("得分", "figure", width=8),
    Column("偏差原因及改进措施", width=36),
    Column("指标编码", width=14, in_docx=False),
]


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


def build(data: SelfEvaluationData) -> Document:
    """Both projects' forms, from the year's data (operations.figures.document_data.self_evaluation_data)."""
    evaluation = data.evaluation
    sections = [
        _project_section(
            evaluation,
            data.projects[summary.code],
            summary,
            data.texts.get(summary.code, ProjectTexts("", "")),
            index > 0,
        )
        for index, summary in enumerate(evaluation.projects)
    ]
    zone = ZoneInfo(data.tz)
    return Document(
        title="项目支出绩效自评表",
        subtitle=f"（{data.year}年度）",
        cover=[
            ("主管部门", BUREAU),
            ("项目", "\n".join(f"{p.code} {p.name}" for p in evaluation.projects)),
            ("数据截至", data.as_of.astimezone(zone).strftime("%Y年%m月%d日 %H:%M")),
            ("编制日期", chinese_date(data.prepared_at.astimezone(zone).date())),
        ],
        sections=sections,
        tz=data.tz,
    )


def _funding(project: ProjectInfo, summary: ProjectSummary, evaluation: IndicatorEvaluation) -> Table:
    budget = evaluation.budgets.get(summary.code)
    lines = project.line_sources
    fiscal_budget = fiscal_paid = Decimal(0)
    if budget is not None:
        for line in budget.lines:
            if lines.get(line.key, "").startswith("财政拨款"):
                fiscal_budget += line.budget
                fiscal_paid += line.paid
    other_initial = project.total_amount - project.fiscal_allocation
    rows: list[list[Value]] = [
        ["年度资金总额", project.total_amount, summary.budget, summary.paid, BUDGET_POINTS, summary.execution_rate,
         round(summary.budget_points, 2)],
        ["其中：财政拨款", project.fiscal_allocation, fiscal_budget, fiscal_paid, None, None, None],
        ["其他资金", other_initial, summary.budget - fiscal_budget, summary.paid - fiscal_paid, None, None, None],
    ]  # fmt: skip
    return Table("项目资金", FUNDING_COLUMNS, rows, note="分值 10 分，得分 = 10 × min(1, 执行率 ÷ 100%)。")


def _deviation(row: dict[str, object]) -> str:
    if row["met"] is not False:
        return ""
    parts = []
    if row["deviation_reason"]:
        parts.append(f"偏差原因：{row['deviation_reason']}")
    if row["improvement"]:
        parts.append(f"改进措施：{row['improvement']}")
    if not parts:
        return "（偏差原因及改进措施待填写）" if row["actual"] is not None or row["grade"] else "（尚无实际值）"
    return "；".join(parts)


def _project_section(
    evaluation: IndicatorEvaluation,
    project: ProjectInfo,
    summary: ProjectSummary,
    texts: ProjectTexts,
    page_break: bool,
) -> Section:
    section = Section(summary.name, page_break=page_break)
    section.blocks.append(
        Table(
            "项目基本情况",
            [Column("项目", width=18), Column("内容", width=70)],
            [
                ["项目名称", project.name],
                ["主管部门及代码", project.department],
                ["实施单位", project.implementer],
                ["项目编码", project.code],
            ],
        )
    )
    section.blocks.append(_funding(project, summary, evaluation))
    section.blocks.append(
        Table(
            "年度总体目标",
            [Column("预期目标", width=50), Column("实际完成情况", width=50)],
            [[project.annual_goal, texts.achieved or "（未填写）"]],
        )
    )
    rows: list[list[Value]] = []
    for row in evaluation.rows:
        if row["project_code"] != summary.code:
            continue
        actual = row["actual"] if row["actual"] is not None else row["grade"]
        rows.append(
            [row["level1"], row["level2"], row["name"], row["target_text"], actual, row["unit"], row["weight"],
             row["score"], _deviation(row), row["code"]]
        )  # fmt: skip
    section.blocks.append(Table("绩效指标", INDICATOR_COLUMNS, rows, empty_text="本项目没有绩效指标"))
    indicator_points = round(
        sum(float(r["score"] or 0) for r in evaluation.rows if r["project_code"] == summary.code), 2
    )
    total_rows: list[list[Value]] = [
        ["预算执行率得分", round(summary.budget_points, 2)],
        ["绩效指标得分", indicator_points],
        ["总分", summary.total],
        ["自评等级", summary.grade],
    ]
    section.blocks.append(
        Table(
            "自评结果",
            [Column("项目", width=18), Column("得分", "figure", width=12)],
            total_rows,
            note="等级：优 ≥ 90 分，良 80–89 分，中 60–79 分，差 < 60 分。"
            + (f"尚无实际值或评级的指标：{'、'.join(summary.missing)}。" if summary.missing else ""),
        )
    )
    section.text(f"其他需要说明的问题：{texts.notes or '无'}", "body")
    return section
