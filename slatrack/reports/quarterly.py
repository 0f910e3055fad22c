"""The quarterly maintenance report (季度运维报告) as a plain document, gathered from the measurement core.

Every figure comes from the SLA engine (``compute_sla``, the quarter and each of its months, on the loaded
records that ``measure_period`` uses) and ``evaluate_indicators`` (the year to date: the fiscal year as known
at the quarter's end, or at ``as_of`` if that is earlier) — the same core behind ``GET /api/v1/sla`` and
``GET /api/v1/indicators``. This module only picks figures
out of their results and lays them out; the records listed (tickets, outages, inspections, payments) are
read from the database for the workbook's record sheets and the lists in the report.

The document is generated from the current figures at ``as_of`` (default: now). A submitted report keeps
its frozen figures in ``Report.frozen_figures``; when the current figures differ from them, the report
carries a section listing each revised figure with its submitted and current value.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import or_, select

from slatrack.extensions import db
from slatrack.measure.deadlines import Status
from slatrack.measure.periods import Period, month_period, parse_quarter, quarter_period, year_period
from slatrack.measure.sla import ScopeFigures, SlaFigures, compute_sla
from slatrack.measure.tickets import CATEGORIES, CONSULTATION_CATEGORIES, TicketCounts, all_resolved_in_time
from slatrack.models import (
    BudgetLine,
    Contract,
    Inspection,
    Outage,
    Payment,
    Project,
    Report,
    Target,
    Ticket,
    Unit,
    utcnow,
)
from slatrack.models.enums import EXCLUSION_CATEGORIES, INSPECTION_KINDS, TICKET_STATUSES
from slatrack.operations import OperationError
from slatrack.operations.figures.cache import CACHE
from slatrack.operations.figures.indicators import IndicatorEvaluation, evaluate_indicators
from slatrack.operations.figures.report_status import STATUS_LABELS, quarter_dates, revisions
from slatrack.reports.document import Chart, Column, Document, Kind, Section, Table, Value

QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
BUREAU = "中共黔南州委督查考评局"
SYSTEM = "黔南州督考绩效管理综合运用系统"

# The SLA JSON keys of SPEC section 6 (and a few more), as the report names them.
KEY_FIGURES: tuple[tuple[str, str, Kind], ...] = (
    ("service_minutes", "合同服务总时间（分钟）", "number"),
    ("downtime_minutes", "停机时间（分钟）", "number"),
    ("wait_minutes", "停机等待时间（分钟）", "number"),
    ("repair_minutes", "维修时间（分钟）", "number"),
    ("maintenance_minutes", "计划维护扣除（分钟）", "number"),
    ("excluded_minutes", "不计责扣除（分钟）", "number"),
    ("unknown_minutes", "监测未知时间（分钟）", "number"),
    ("transient_failures", "瞬时失败次数", "int"),
    ("failure_rate", "系统故障率", "percent"),
    ("tickets", "服务请求数", "int"),
    ("responded_in_time", "按时响应数", "int"),
    ("breached", "响应超时数", "int"),
    ("pending", "待响应数", "int"),
    ("response_rate", "服务响应率", "percent"),
    ("answered_rate", "已响应比例", "percent"),
    ("resolution_rate", "按时解决率", "percent"),
    ("median_resolution_minutes", "解决时间中位数（分钟）", "number"),
    ("cancelled", "已取消工单数", "int"),
    ("consultations", "系统咨询服务次数", "int"),
    ("monitoring_months", "系统运行监控（月数）", "int"),
    ("reports_submitted", "已提交运维报告数", "int"),
    ("major_faults", "重大系统故障次数", "int"),
    ("satisfaction_rate", "满意度", "percent"),
    ("satisfaction_coverage", "满意度调查覆盖率", "percent"),
)
# Indicator sources whose annual target is a count: the quarter's share is a quarter of it.
COUNT_METRICS = frozenset({"consultations", "monitoring_months", "reports_submitted"})
RESULT_LABELS = {Status.MET: "按时", Status.BREACHED: "超时", Status.PENDING: "未到期"}
SOURCE_LABELS = {"probe": "自动监测", "manual": "人工登记"}


def _tz() -> str:
    return str(current_app.config["TIMEZONE"])


def _local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def quarter_title(label: str) -> str:
    year, number = parse_quarter(label)
    return f"{year}年{QUARTER_NAMES[number]}"


def file_name(label: str, fmt: str) -> str:
    return f"{SYSTEM}{quarter_title(label)}运维报告.{fmt}"


@dataclass(frozen=True)
class QuarterData:
    """Everything measured for the report: the quarter, its months, the year to date."""

    label: str
    period: Period
    as_of: datetime
    figures: SlaFigures
    months: list[tuple[str, ScopeFigures]]
    evaluation: IndicatorEvaluation | None
    report: Report | None


def gather(label: str, as_of: datetime | None = None) -> QuarterData:
    """Measure the quarter, each of its months and the year to date.

    All three are computed by the SLA engine (``compute_sla``) on the fiscal year's records as the input
    cache holds them — the very entry ``evaluate_indicators`` measures the year from — so a report reads the
    records once instead of once per period. The engine cuts its inputs to the period it is asked for, so the
    figures equal ``measure_period`` of the quarter or month (what ``GET /api/v1/sla`` serves); the tests
    compare them.
    """
    quarter_dates(label)  # a clear 422 naming the field for a bad label
    tz = _tz()
    period = quarter_period(label, tz)
    as_of = as_of or utcnow()
    if as_of.tzinfo is None:
        raise OperationError("as_of 必须带时区", fields={"as_of": "应为带时区的 ISO 8601 时间"})
    entry = CACHE.get(year_period(period.first_day.year, tz))
    moment = as_of.astimezone(UTC)
    figures = compute_sla(entry.inputs, period, moment, entry.memo)
    months = [
        (month, compute_sla(entry.inputs, month_period(month, tz), moment, entry.memo).total)
        for month in period.months()
    ]
    year_as_of = min(as_of, period.end)
    try:
        evaluation: IndicatorEvaluation | None = evaluate_indicators(period.first_day.year, year_as_of)
    except OperationError as exc:
        if exc.status != 404:
            raise
        evaluation = None
    report = db.session.scalar(select(Report).where(Report.kind == "quarterly", Report.period == label))
    return QuarterData(label, period, as_of, figures, months, evaluation, report)


def build(label: str, as_of: datetime | None = None, *, charts: bool = True, records: bool = True) -> Document:
    """The quarterly report of ``label`` (``2025Q2``) at ``as_of`` (default now) as a plain document.

    ``charts=False`` leaves the charts out (the workbook does not show them), ``records=False`` the record
    sheets (the Word document does not show them): each format only pays for what it shows.
    """
    return QuarterlyBuilder(gather(label, as_of), charts=charts, records=records).document()


class QuarterlyBuilder:
    def __init__(self, data: QuarterData, *, charts: bool = True, records: bool = True) -> None:
        self.data = data
        self.with_charts = charts
        self.with_records = records
        self.tz = data.period.tz
        self.total = data.figures.total
        self.scopes = data.figures.contracts
        self.json = data.figures.as_json()
        self.units = {u.code: u.name for u in db.session.scalars(select(Unit))}
        # Outage rows name probe outages' targets by name and stored (manual) ones by target id.
        self.targets = {str(t.id): t.name for t in db.session.scalars(select(Target))}
        self.contracts = {
            c.code: c
            for c in db.session.scalars(select(Contract).order_by(Contract.start_date))
            if c.code in self.scopes
        }

    # ------------------------------------------------------------ document

    def document(self) -> Document:
        data = self.data
        sections = [
            self.overview(),
            self.indicators(),
            self.availability(),
            self.outages(),
            self.requests(),
            self.consultations(),
            self.inspections(),
            self.changes(),
            self.satisfaction(),
            self.budget(),
            self.text_section(
                "十一、存在的问题", data.report.problems if data.report else "", "本季度未填写存在的问题。"
            ),
            self.text_section(
                "十二、下季度工作计划", data.report.next_plan if data.report else "", "未填写下季度工作计划。"
            ),
        ]
        revised = self.revisions()
        if revised is not None:
            sections.append(revised)
        return Document(
            title=f"{SYSTEM}\n运维服务季度报告",
            subtitle=quarter_title(data.label),
            cover=self.cover(),
            sections=sections,
            sheets=(
                [self.ticket_sheet(), self.outage_sheet(), self.inspection_sheet(), self.payment_sheet()]
                if self.with_records
                else []
            ),
            tz=self.tz,
        )

    def cover(self) -> list[tuple[str, str]]:
        data = self.data
        contracts = [
            f"{c.code} {c.name}（{chinese_date(c.start_date)}至{chinese_date(c.end_date)}）"
            for c in self.contracts.values()
        ]
        vendors = sorted({c.vendor for c in self.contracts.values() if c.vendor})
        status = STATUS_LABELS[data.report.status] if data.report else "草稿"
        return [
            ("报告期间", f"{chinese_date(data.period.first_day)}至{chinese_date(data.period.last_day)}"),
            ("运维合同", "\n".join(contracts) or "本季度不在任何运维合同期内"),
            ("运维单位", "、".join(vendors) or "—"),
            ("服务对象", BUREAU),
            ("报告状态", status),
            ("数据截至", _local(data.as_of, self.tz).strftime("%Y年%m月%d日 %H:%M")),
            ("编制日期", chinese_date(_local(utcnow(), self.tz).date())),
        ]

    # ------------------------------------------------------------ sections

    def chart(
        self,
        section: Section,
        title: str,
        labels: list[str],
        values: list[float | None],
        ylabel: str,
        *,
        percent: bool = False,
        ylim: tuple[float, float] | None = None,
        horizontal: bool = False,
    ) -> None:
        if self.with_charts:
            from slatrack.reports import charts  # matplotlib, loaded only when a chart is drawn

            png = charts.bar_chart(title, labels, values, ylabel, percent=percent, ylim=ylim, horizontal=horizontal)
            section.blocks.append(Chart(title, png))

    def scope_columns(self) -> list[tuple[str, dict[str, Any]]]:
        columns = [("合计", self.json)]
        if len(self.scopes) > 1:
            columns += [(code, self.json["contracts"][code]) for code in self.scopes]
        elif len(self.scopes) == 1:
            code = next(iter(self.scopes))
            columns = [(f"合计（{code}）", self.json)]
        return columns

    def overview(self) -> Section:
        section = Section("一、总体情况")
        t = self.total
        counts = t.tickets.overall
        if not self.scopes:
            section.text("本季度不在任何运维合同期内，无合同服务时间。")
        else:
            crossing = "本季度跨两个运维合同，以下数字按合同分列并合计。" if len(self.scopes) > 1 else ""
            section.text(
                f"{crossing}本季度合同服务总时间 {t.service_minutes:,.2f} 分钟，"
                f"停机时间 {t.downtime_minutes:,.2f} 分钟，"
                f"系统故障率 {_pct(t.failure_rate)}（目标 ≤5%）。共受理服务请求 {counts.tickets} 件，"
                f"服务响应率 {_pct(counts.response_rate)}（目标 ≥98%），系统咨询服务 {t.tickets.consultations} 次，"
                f"完成例行安全检查与备份核验的月份 {t.monitoring.count} 个，重大系统故障 {len(t.major_faults)} 次。"
            )
        scopes = self.scope_columns()
        columns = [Column("项目", width=28), Column("字段", width=22, in_docx=False)]
        columns += [Column(name, "number", width=16) for name, _ in scopes]
        rows: list[list[Value]] = []
        for key, label, kind in KEY_FIGURES:
            rows.append([label, key, *(_typed(body.get(key), kind) for _, body in scopes)])
        kinds: list[Kind] = [kind for _, _, kind in KEY_FIGURES]
        section.blocks.append(
            Table("主要运维数据", columns, rows, note="分钟数保留两位小数；比率为百分数。", row_kinds=kinds)
        )
        return section

    def indicators(self) -> Section:
        section = Section("二、绩效指标完成情况")
        evaluation = self.data.evaluation
        if evaluation is None:
            section.text(f"{self.data.period.first_day.year} 年度没有预算项目和绩效指标。")
            return section
        projects = _maintenance_projects(evaluation.year)
        rows_in = [r for r in evaluation.rows if not projects or r["project_code"] in projects]
        section.text(
            f"“本季度”一栏为本季度的实际值（数量类年度目标按季度折算为四分之一）；“年度累计”一栏为截至"
            f"{chinese_date(_local(evaluation.as_of - timedelta(microseconds=1), self.tz).date())}的全年数据，"
            "与“绩效指标”页面及接口一致。"
        )
        columns = [
            Column("一级指标", width=10),
            Column("二级指标", width=10),
            Column("三级指标", width=24),
            Column("指标值", width=10),
            Column("季度目标", width=9),
            Column("本季度实际", "figure", width=9),
            Column("本季度达标", width=8),
            Column("年度累计实际", "figure", width=9),
            Column("单位", width=5),
            Column("年度达标", width=8),
            Column("分值", "figure", width=6),
            Column("得分", "figure", width=6),
            Column("指标编码", width=14, in_docx=False),
        ]
        rows: list[list[Value]] = []
        for row in rows_in:
            quarter_target, quarter_actual, quarter_met = self.quarter_indicator(row)
            rows.append(
                [
                    row["level1"],
                    row["level2"],
                    row["name"],
                    row["target_text"],
                    quarter_target,
                    quarter_actual,
                    _met(quarter_met),
                    row["actual"] if row["actual"] is not None else row["grade"],
                    row["unit"],
                    _met(row["met"]),
                    row["weight"],
                    row["score"],
                    row["code"],
                ]
            )
        section.blocks.append(Table("绩效指标完成情况", columns, rows, empty_text="无绩效指标"))
        for summary in evaluation.projects:
            if projects and summary.code not in projects:
                continue
            section.text(
                f"{summary.name}：截至目前自评得分 {summary.total:.2f} 分，等级“{summary.grade}”"
                + (f"（尚缺：{'、'.join(summary.missing)}）" if summary.missing else "")
                + "。"
            )
        return section

    def quarter_indicator(self, row: dict[str, Any]) -> tuple[str, Value, bool | None]:
        """The quarter's target, actual and met for one indicator row, from the quarter's figures."""
        kind, _, name = str(row["source"]).partition(":")
        t = self.total
        if kind == "derived":
            if name == "fault_handling":
                ok = not t.major_faults and all_resolved_in_time(t.ticket_outcomes, ["fault"])
            else:
                ok = all_resolved_in_time(t.ticket_outcomes, ["optimization", "patch"])
            return "及时有效", "优" if ok else "待评定", ok if ok else None
        if kind != "metric":
            return "—", None, None
        measured: dict[str, float | None] = {
            "failure_rate": t.failure_rate,
            "response_rate": t.tickets.overall.response_rate,
            "consultations": float(t.tickets.consultations),
            "monitoring_months": float(t.monitoring.count),
            "reports_submitted": float(len(t.reports_submitted)),
            "satisfaction_rate": t.satisfaction.rate,
        }
        if name not in measured:
            return "年度指标", None, None
        target = row["target"]
        if name in COUNT_METRICS and target is not None:
            target = target / 4
        actual = measured[name]
        unit = row["unit"] or ""
        shown = "—" if target is None else f"{_op(row['operator'])}{_figure(target)}{unit}"
        return shown, actual, _compare(row["operator"], actual, target)

    def availability(self) -> Section:
        section = Section("三、系统可用率与故障率", page_break=True)
        section.text(
            "系统故障率 =（停机等待时间 + 维修时间）÷ 合同服务总时间 × 100%；可用率 = 100% − 系统故障率。"
            "停机时间已扣除经批准的计划维护和经裁定不属乙方责任的时段；监测未知时间不计为停机。"
        )
        columns = [
            Column("范围", width=16),
            Column("合同服务总时间（分钟）", "number", width=18),
            Column("停机时间（分钟）", "number", width=14),
            Column("等待时间（分钟）", "number", width=14),
            Column("维修时间（分钟）", "number", width=14),
            Column("未知时间（分钟）", "number", width=14),
            Column("可用率", "percent", width=10),
            Column("系统故障率", "percent", width=10),
        ]
        rows: list[list[Value]] = []
        for name, body in self.scope_columns():
            rows.append(
                [
                    name,
                    body["service_minutes"],
                    body["downtime_minutes"],
                    body["wait_minutes"],
                    body["repair_minutes"],
                    body["unknown_minutes"],
                    _availability(body["failure_rate"]),
                    body["failure_rate"],
                ]
            )
        section.blocks.append(Table("可用率与故障率", columns, rows, empty_text="本季度无合同服务时间"))
        month_columns = [
            Column("月份", width=10),
            Column("合同服务总时间（分钟）", "number", width=18),
            Column("停机时间（分钟）", "number", width=14),
            Column("未知时间（分钟）", "number", width=14),
            Column("可用率", "percent", width=10),
            Column("系统故障率", "percent", width=10),
        ]
        month_rows: list[list[Value]] = []
        labels: list[str] = []
        values: list[float | None] = []
        for month, scope in self.data.months:
            body = scope.as_json()
            available = _availability(body["failure_rate"])
            month_rows.append(
                [month, body["service_minutes"], body["downtime_minutes"], body["unknown_minutes"], available,
                 body["failure_rate"]]
            )  # fmt: skip
            labels.append(f"{int(month[5:])}月")
            values.append(available)
        section.blocks.append(Table("月度可用率", month_columns, month_rows))
        known = [v for v in values if v is not None]
        low = max(0.0, float(int(min(known)) - 1)) if known else 0.0
        self.chart(section, "月度系统可用率", labels, values, "可用率（%）", percent=True, ylim=(low, 100.8))
        return section

    def outages(self) -> Section:
        section = Section("四、停机记录")
        rows: list[list[Value]] = []
        for index, row in enumerate(self.total.downtime_rows, start=1):
            involved = [o for o in self.total.outages if o.start < row.end and (o.end is None or o.end > row.start)]
            rows.append(
                [
                    index,
                    row.start,
                    row.end,
                    row.wait_minutes,
                    row.repair_minutes,
                    row.wait_minutes + row.repair_minutes,
                    "、".join(sorted({self.targets.get(o.target, o.target) for o in involved})) or "—",
                    "；".join(sorted({o.cause for o in involved if o.cause})) or "未填写",
                ]
            )
        columns = [
            Column("序号", "int", width=6),
            Column("开始时间", "datetime", width=17),
            Column("结束时间", "datetime", width=17),
            Column("停机等待（分钟）", "number", width=14),
            Column("维修时间（分钟）", "number", width=14),
            Column("停机合计（分钟）", "number", width=14),
            Column("监测对象", width=18),
            Column("原因", width=30),
        ]
        section.blocks.append(
            Table(
                "停机记录",
                columns,
                rows,
                empty_text="本季度无停机记录。",
                note="同一时段多个对象同时停机时合并为一条；等待时间自停机开始至首次响应，其余为维修时间。",
            )
        )
        detail_rows: list[list[Value]] = [
            [
                self.targets.get(o.target, o.target),
                SOURCE_LABELS.get(o.source, o.source),
                o.start,
                o.end,
                o.measured_minutes,
                o.cause or "未填写",
                "已全部扣除" if o.excluded else "计入停机",
            ]
            for o in self.total.outages
        ]
        detail_columns = [
            Column("监测对象", width=18),
            Column("来源", width=10),
            Column("开始时间", "datetime", width=17),
            Column("结束时间", "datetime", width=17),
            Column("时长（分钟）", "number", width=12),
            Column("原因", width=30),
            Column("处理", width=12),
        ]
        section.blocks.append(Table("故障告警明细", detail_columns, detail_rows, empty_text="本季度无故障告警。"))
        return section

    def requests(self) -> Section:
        section = Section("五、服务请求")
        figures = self.total.tickets
        counts = figures.overall
        if counts.tickets == 0:
            section.text("本季度无服务请求。")
        else:
            section.text(
                f"本季度受理服务请求 {counts.tickets} 件（另有取消 {figures.cancelled} 件），"
                f"按时响应 {counts.responded_in_time} 件，"
                f"响应超时 {counts.breached} 件，待响应 {counts.pending} 件，服务响应率 {_pct(counts.response_rate)}；"
                f"按时解决 {counts.resolved_in_time} 件，解决超时 {counts.resolution_breached} 件，"
                f"按时解决率 {_pct(counts.resolution_rate)}。"
            )
        order = [k for k in CATEGORIES if k in figures.by_category] + sorted(set(figures.by_category) - set(CATEGORIES))
        by_category = {CATEGORIES.get(k, k): figures.by_category[k] for k in order}
        section.blocks.append(_counts_table("按类别统计", "类别", by_category))
        self.chart(
            section,
            "服务请求按类别分布",
            list(by_category),
            [float(v.tickets) for v in by_category.values()],
            "工单数（件）",
            horizontal=True,
        )
        by_unit = {self.units.get(k, k): v for k, v in figures.by_unit.items()}
        section.blocks.append(_counts_table("按单位统计", "单位", by_unit))
        self.chart(
            section,
            "服务请求按单位分布",
            list(by_unit),
            [float(v.tickets) for v in by_unit.values()],
            "工单数（件）",
            horizontal=True,
        )
        section.blocks.append(_counts_table("按渠道统计", "渠道", dict(figures.by_channel)))
        section.blocks.append(_counts_table("按服务方式统计", "服务方式", dict(figures.by_mode)))
        section.blocks.append(_counts_table("按优先级统计", "优先级", dict(figures.by_priority)))
        breach_rows: list[list[Value]] = []
        for kind, notices in (("响应超时", figures.response_breaches), ("解决超时", figures.resolution_breaches)):
            for n in notices:
                breach_rows.append(
                    [kind, n.number, self.units.get(n.unit, n.unit), CATEGORIES.get(n.category, n.category),
                     n.priority, n.reported_at, n.deadline, n.done_at, n.minutes]
                )  # fmt: skip
        breach_columns = [
            Column("类型", width=10),
            Column("工单号", width=16),
            Column("单位", width=14),
            Column("类别", width=12),
            Column("优先级", width=7),
            Column("报告时间", "datetime", width=17),
            Column("时限", "datetime", width=17),
            Column("完成时间", "datetime", width=17),
            Column("超时（分钟）", "number", width=12),
        ]
        section.blocks.append(Table("超时工单", breach_columns, breach_rows, empty_text="本季度无超时工单。"))
        return section

    def consultations(self) -> Section:
        section = Section("六、咨询服务")
        figures = self.total.tickets
        year_total = self.data.evaluation.sla.tickets.consultations if self.data.evaluation else None
        text = (
            "本季度提供答疑、数据处理、操作指导、业务咨询、业务培训、等保测评配合、信息通知等咨询服务"
            f" {figures.consultations} 次"
        )
        if year_total is not None:
            text += f"，年度累计 {year_total} 次（年度目标 ≥100 次）"
        section.text(text + "。" if figures.consultations else "本季度无咨询服务记录。")
        rows: list[list[Value]] = [
            [CATEGORIES[k], figures.by_category[k].tickets]
            for k in CATEGORIES
            if k in CONSULTATION_CATEGORIES and k in figures.by_category
        ]
        section.blocks.append(
            Table(
                "咨询服务", [Column("类别", width=16), Column("次数", "int", width=10)], rows, "本季度无咨询服务记录。"
            )
        )
        return section

    def inspections(self) -> Section:
        section = Section("七、例行安全检查与数据备份")
        monitoring = self.total.monitoring
        section.text(
            f"本季度完成安全检查且备份核验通过的月份 {monitoring.count} 个"
            f"（应为 {len(self.data.period.months())} 个）。"
        )
        latest = _latest_inspections(self.data.period.months(), self.data.as_of)
        rows: list[list[Value]] = []
        for month in self.data.period.months():
            row: list[Value] = [month]
            for kind in ("security", "backup"):
                item = latest.get((month, kind))
                row += [
                    "未检查" if item is None else ("通过" if item.passed else "未通过"),
                    None if item is None else item.performed_at,
                    "" if item is None else item.performed_by,
                ]
            findings = [latest[(month, k)].findings for k in ("security", "backup") if (month, k) in latest]
            row += ["是" if month in monitoring.monitored else "否", "；".join(f for f in findings if f) or "—"]
            rows.append(row)
        columns = [
            Column("月份", width=9),
            Column("安全检查", width=9),
            Column("检查时间", "datetime", width=17),
            Column("检查人", width=10),
            Column("备份核验", width=9),
            Column("核验时间", "datetime", width=17),
            Column("核验人", width=10),
            Column("计入监控", width=9),
            Column("检查发现", width=30),
        ]
        section.blocks.append(Table("安全检查与备份", columns, rows))
        return section

    def changes(self) -> Section:
        section = Section("八、补丁、升级与功能优化")
        outcomes = [
            o for o in self.total.ticket_outcomes if not o.cancelled and o.record.category in ("patch", "optimization")
        ]
        titles = _ticket_titles([int(o.record.key) for o in outcomes if o.record.key.isdigit()])
        rows: list[list[Value]] = [
            [
                o.record.number,
                titles.get(o.record.key, ""),
                CATEGORIES[o.record.category],
                self.units.get(o.record.unit, o.record.unit),
                o.record.reported_at,
                o.timeline.resolved_at,
                RESULT_LABELS[o.sla.resolution_status],
            ]
            for o in outcomes
        ]
        columns = [
            Column("工单号", width=16),
            Column("内容", width=30),
            Column("类别", width=14),
            Column("提出单位", width=14),
            Column("提出时间", "datetime", width=17),
            Column("完成时间", "datetime", width=17),
            Column("是否按时", width=9),
        ]
        section.blocks.append(
            Table("补丁升级与优化", columns, rows, empty_text="本季度无补丁、版本升级或功能优化工单。")
        )
        return section

    def satisfaction(self) -> Section:
        section = Section("九、用户满意度")
        survey = self.total.satisfaction
        if survey.responses == 0:
            section.text("本季度无满意度调查答卷。")
        else:
            section.text(
                f"本季度收到满意度答卷 {survey.responses} 份，满意（基本满意及以上）{survey.satisfied} 份，"
                f"满意度 {_pct(survey.rate)}（目标 ≥90%），{survey.units_answered} 个单位参与，"
                f"覆盖率 {_pct(survey.coverage)}。"
            )
        year = self.data.evaluation.sla.satisfaction if self.data.evaluation else None
        if year is not None and year.responses:
            section.text(f"年度累计（含年度调查）答卷 {year.responses} 份，满意度 {_pct(year.rate)}。")
        rows: list[list[Value]] = [
            [self.units.get(code, code), item.responses, item.satisfied, item.rate]
            for code, item in survey.per_unit.items()
        ]
        columns = [
            Column("单位", width=16),
            Column("答卷数", "int", width=8),
            Column("满意数", "int", width=8),
            Column("满意度", "percent", width=10),
        ]
        section.blocks.append(Table("满意度（按单位）", columns, rows, empty_text="本季度无满意度调查答卷。"))
        return section

    def budget(self) -> Section:
        section = Section("十、预算执行情况")
        evaluation = self.data.evaluation
        if evaluation is None:
            section.text("本年度无预算。")
            return section
        projects = _maintenance_projects(evaluation.year) or set(evaluation.budgets)
        rows: list[list[Value]] = []
        for code in sorted(projects):
            budget = evaluation.budgets.get(code)
            if budget is None:
                continue
            for line in budget.lines:
                rows.append([line.name, line.budget, line.paid, line.budget - line.paid, line.execution_rate])
            rows.append(["合计", budget.budget_total, budget.paid_total, budget.budget_total - budget.paid_total,
                         budget.execution_rate])  # fmt: skip
            section.text(
                f"截至{chinese_date(_local(evaluation.as_of - timedelta(microseconds=1), self.tz).date())}，"
                f"预算 {budget.budget_total:,.2f} 元，已支付 {budget.paid_total:,.2f} 元，"
                f"预算执行率 {_pct(budget.execution_rate)}，成本控制率 {_pct(budget.cost_control_rate)}。"
            )
        columns = [
            Column("预算科目", width=30),
            Column("预算金额（元）", "money", width=16),
            Column("已支付（元）", "money", width=16),
            Column("余额（元）", "money", width=16),
            Column("执行率", "percent", width=10),
        ]
        section.blocks.append(Table("预算执行", columns, rows, empty_text="本年度无预算科目。"))
        return section

    def text_section(self, heading: str, text: str, empty: str) -> Section:
        section = Section(heading)
        body = text.strip()
        if not body:
            section.text(empty, "note")
        for paragraph in body.splitlines():
            if paragraph.strip():
                section.text(paragraph.strip())
        return section

    def revisions(self) -> Section | None:
        report = self.data.report
        if report is None or not report.frozen_figures:
            return None
        changes = revisions(report)
        section = Section("附：提交后修订的数字")
        submitted = _local(report.submitted_at, self.tz).strftime("%Y年%m月%d日 %H:%M") if report.submitted_at else ""
        if not changes:
            section.text(f"本报告已于 {submitted} 提交，提交后数字未发生变化。")
            return section
        section.text(f"本报告已于 {submitted} 提交；以下数字在提交后因记录补录或更正而变化，正文为当前数字。")
        labels = {key: label for key, label, _ in KEY_FIGURES}
        rows: list[list[Value]] = []
        for path, change in changes.items():
            parts = path.split(".")
            scope = parts[1] if parts[0] == "contracts" and len(parts) > 2 else "合计"
            label = labels.get(parts[-1], parts[-1])
            rows.append([scope, label, _plain(change["submitted"]), _plain(change["current"]), path])
        columns = [
            Column("范围", width=12),
            Column("项目", width=24),
            Column("提交时", width=14),
            Column("当前", width=14),
            Column("字段", width=28, in_docx=False),
        ]
        section.blocks.append(Table("提交后修订", columns, rows))
        return section

    # ------------------------------------------------------------ record sheets

    def ticket_sheet(self) -> Table:
        period = self.data.period
        outcomes = {o.record.key: o for o in self.total.ticket_outcomes}
        rows: list[list[Value]] = []
        query = (
            # Plain columns, not ORM objects: a busy quarter holds thousands of tickets.
            select(
                Ticket.id, Ticket.number, Unit.name, Ticket.requester, Ticket.channel, Ticket.mode, Ticket.category,
                Ticket.priority, Ticket.title, Ticket.reported_at, Ticket.status, Contract.code,
            )
            .join(Unit, Unit.id == Ticket.unit_id)
            .outerjoin(Contract, Contract.id == Ticket.contract_id)
            .where(Ticket.reported_at >= period.start, Ticket.reported_at < period.end)
            .order_by(Ticket.reported_at, Ticket.id)
        )  # fmt: skip
        for (
            tid,
            number,
            unit,
            requester,
            channel,
            mode,
            category,
            priority,
            title,
            reported,
            status,
            contract,
        ) in db.session.execute(query):
            outcome = outcomes.get(str(tid))
            if outcome is None:  # reported after as_of: listed, not measured
                response = resolution = "未计入"
            elif outcome.cancelled:
                response = resolution = "取消"
            else:
                response = RESULT_LABELS[outcome.sla.response_status]
                resolution = RESULT_LABELS[outcome.sla.resolution_status]
            rows.append(
                [
                    number,
                    unit,
                    requester,
                    channel,
                    mode,
                    CATEGORIES.get(category, category),
                    priority,
                    title,
                    reported,
                    None if outcome is None else outcome.timeline.first_response_at,
                    None if outcome is None else outcome.timeline.resolved_at,
                    TICKET_STATUSES.get(status, status),
                    None if outcome is None else outcome.sla.response_deadline,
                    response,
                    None if outcome is None else outcome.sla.resolution_deadline,
                    resolution,
                    contract or "",
                ]
            )
        columns = [
            Column("工单号", width=16),
            Column("单位", width=14),
            Column("报告人", width=10),
            Column("渠道", width=7),
            Column("方式", width=7),
            Column("类别", width=12),
            Column("优先级", width=7),
            Column("标题", width=32),
            Column("报告时间", "datetime", width=17),
            Column("首次响应", "datetime", width=17),
            Column("解决时间", "datetime", width=17),
            Column("状态", width=8),
            Column("响应时限", "datetime", width=17),
            Column("响应情况", width=9),
            Column("解决时限", "datetime", width=17),
            Column("解决情况", width=9),
            Column("合同", width=10),
        ]
        return Table("工单明细", columns, rows, empty_text="本季度无服务请求。")

    def outage_sheet(self) -> Table:
        period = self.data.period
        query = (
            select(Outage, Target.name)
            .join(Target, Target.id == Outage.target_id)
            .where(Outage.start < period.end, or_(Outage.end.is_(None), Outage.end > period.start))
            .order_by(Outage.start, Outage.id)
        )
        rows: list[list[Value]] = []
        for outage, target in db.session.execute(query):
            rows.append(
                [
                    outage.id,
                    target,
                    SOURCE_LABELS.get(outage.source, outage.source),
                    outage.start,
                    outage.end,
                    None if outage.end is None else (outage.end - outage.start).total_seconds() / 60,
                    outage.cause,
                    "、".join(t.number for t in outage.tickets),
                    "；".join(
                        f"{EXCLUSION_CATEGORIES.get(e.category, e.category)}：{e.reason}" for e in outage.exclusions
                    ),
                ]
            )
        columns = [
            Column("编号", "int", width=7),
            Column("监测对象", width=18),
            Column("来源", width=10),
            Column("开始时间", "datetime", width=17),
            Column("结束时间", "datetime", width=17),
            Column("时长（分钟）", "number", width=12),
            Column("原因", width=30),
            Column("关联工单", width=20),
            Column("扣除", width=30),
        ]
        return Table("停机记录明细", columns, rows, empty_text="本季度无停机记录。")

    def inspection_sheet(self) -> Table:
        months = self.data.period.months()
        rows: list[list[Value]] = [
            [i.month, INSPECTION_KINDS.get(i.kind, i.kind), i.performed_at, i.performed_by,
             "通过" if i.passed else "未通过", i.findings, "自动" if i.origin == "auto" else "人工"]
            for i in db.session.scalars(
                select(Inspection).where(Inspection.month.in_(months)).order_by(Inspection.month, Inspection.kind,
                                                                               Inspection.performed_at)
            )
        ]  # fmt: skip
        columns = [
            Column("月份", width=9),
            Column("检查类型", width=10),
            Column("检查时间", "datetime", width=17),
            Column("检查人", width=10),
            Column("结果", width=8),
            Column("检查发现", width=40),
            Column("登记方式", width=9),
        ]
        return Table("例行检查明细", columns, rows, empty_text="本季度无例行检查记录。")

    def payment_sheet(self) -> Table:
        year = self.data.period.first_day.year
        last = self.data.period.last_day
        query = (
            select(Payment, BudgetLine.name, Project.name)
            .join(BudgetLine, BudgetLine.id == Payment.budget_line_id)
            .join(Project, Project.id == BudgetLine.project_id)
            .where(BudgetLine.fiscal_year == year, Payment.paid_on <= last)
            .order_by(Payment.paid_on, Payment.id)
        )
        rows: list[list[Value]] = [
            [p.paid_on, project, line, p.amount, p.voucher, p.note] for p, line, project in db.session.execute(query)
        ]
        columns = [
            Column("支付日期", "date", width=12),
            Column("项目", width=30),
            Column("预算科目", width=28),
            Column("金额（元）", "money", width=16),
            Column("凭证号", width=14),
            Column("备注", width=36),
        ]
        return Table("支付记录", columns, rows, empty_text="截至本季度末无支付记录。")


# ---------------------------------------------------------------- helpers


def _pct(value: float | None) -> str:
    return "—（无数据）" if value is None else f"{value:.2f}%"


def _figure(value: float) -> str:
    return f"{value:g}" if float(value).is_integer() else f"{value:.2f}"


def _op(operator: str) -> str:
    return {">=": "≥", "<=": "≤", "=": "="}.get(operator, "")


def _met(value: bool | None) -> str:
    return "—" if value is None else ("达标" if value else "未达标")


def _compare(operator: str, actual: float | None, target: float | None) -> bool | None:
    if actual is None or target is None:
        return None
    if operator == ">=":
        return actual >= target
    if operator == "<=":
        return actual <= target
    if operator == "=":
        return abs(actual - target) < 1e-9
    return None


def _availability(failure_rate: float | None) -> float | None:
    return None if failure_rate is None else round(100 - failure_rate, 2)


def _typed(value: Any, kind: Kind) -> Value:
    if value is None:
        return None
    if kind == "int":
        return int(value)
    return float(value)


def _plain(value: Any) -> Value:
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)


def _counts_table(title: str, first: str, groups: dict[str, TicketCounts]) -> Table:
    columns = [
        Column(first, width=16),
        Column("工单数", "int", width=8),
        Column("按时响应", "int", width=9),
        Column("响应超时", "int", width=9),
        Column("待响应", "int", width=8),
        Column("服务响应率", "percent", width=11),
        Column("按时解决", "int", width=9),
        Column("解决超时", "int", width=9),
        Column("按时解决率", "percent", width=11),
        Column("解决时间中位数（分钟）", "number", width=14),
    ]
    rows: list[list[Value]] = [
        [name, c.tickets, c.responded_in_time, c.breached, c.pending, c.response_rate, c.resolved_in_time,
         c.resolution_breached, c.resolution_rate,
         None if c.median_resolution_minutes is None else round(c.median_resolution_minutes, 2)]
        for name, c in groups.items()
    ]  # fmt: skip
    return Table(f"服务请求{title}", columns, rows, empty_text="本季度无服务请求。")


def _maintenance_projects(year: int) -> set[str]:
    """The projects paying for the maintenance contracts (their budget lines name a contract)."""
    rows = db.session.scalars(
        select(Project.code)
        .join(BudgetLine, BudgetLine.project_id == Project.id)
        .where(Project.fiscal_year == year, BudgetLine.contract_id.is_not(None))
    )
    return set(rows)


def _latest_inspections(months: list[str], as_of: datetime) -> dict[tuple[str, str], Inspection]:
    """The record that stands for each month and kind: the latest performed by ``as_of``."""
    latest: dict[tuple[str, str], Inspection] = {}
    for item in db.session.scalars(
        select(Inspection).where(Inspection.month.in_(months)).order_by(Inspection.performed_at, Inspection.id)
    ):
        if item.performed_at <= as_of:
            latest[(item.month, item.kind)] = item
    return latest


def _ticket_titles(ids: list[int]) -> dict[str, str]:
    titles: dict[str, str] = defaultdict(str)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for ticket_id, title in db.session.execute(select(Ticket.id, Ticket.title).where(Ticket.id.in_(chunk))):
            titles[str(ticket_id)] = title
    return titles
