"""The quarterly maintenance report (季度运维报告) as a plain document, built from ``QuarterData`` alone.

Every figure comes from the SLA engine (the quarter and each of its months) and the year's indicator
evaluation, read by operations/figures/document_data.py together with the records the report lists —
the same core behind ``GET /api/v1/sla`` and ``GET /api/v1/indicators``. This module picks figures out
of them and lays them out; it never reads the database. A submitted report whose current figures differ
from the frozen ones carries a section listing each revised figure with its submitted and current value.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slatrack.measure.tickets import CATEGORIES, CONSULTATION_CATEGORIES
from slatrack.reports.data import QuarterData
from slatrack.reports.document import (
    Chart,
    Column,
    Document,
    Kind,
    Label,
    Section,
    Table,
    Value,
    chinese_date,
    chinese_datetime,
)
from slatrack.reports.quarterly_format import (
    BUREAU,
    KEY_FIGURES,
    SYSTEM,
    availability_of,
    counts_table,
    late_entry_text,
    local_time,
    met_text,
    pct,
    quarter_title,
    typed,
)
from slatrack.reports.quarterly_outages import OutageSections
from slatrack.reports.quarterly_resources import ResourceSections, numbered
from slatrack.reports.quarterly_sections import LaterSections, revisions_section
from slatrack.reports.quarterly_sheets import RecordSheets


def build(data: QuarterData, *, charts: bool = True, records: bool = True) -> Document:
    """The quarterly report as a plain document, from the quarter's data (operations.figures.document_data).

    ``charts=False`` leaves the charts out (the workbook does not show them), ``records=False`` the record
    sheets (the Word document does not show them).
    """
    return QuarterlyBuilder(data, charts=charts, records=records).document()


class QuarterlyBuilder(OutageSections, ResourceSections, LaterSections, RecordSheets):
    def __init__(self, data: QuarterData, *, charts: bool = True, records: bool = True) -> None:
        self.data = data
        self.with_charts = charts
        self.with_records = records
        self.tz = data.period.tz
        self.total = data.figures.total
        self.scopes = data.figures.contracts
        self.json = data.figures.as_json()
        self.units = data.units
        self.targets = data.targets
        self.contracts = {c.code: c for c in data.contracts}

    # ------------------------------------------------------------ document

    def document(self) -> Document:
        data = self.data
        sections = [
            self.overview(),
            self.indicators(),
            self.availability(),
            self.outages(),
            self.resources(),
            self.requests(),
            self.consultations(),
            self.inspections(),
            self.changes(),
            self.satisfaction(),
            self.budget(),
            self.text_section("存在的问题", data.report.problems if data.report else "", "待补充。"),
            self.text_section("下季度工作计划", data.report.next_plan if data.report else "", "待补充。"),
        ]
        sections.append(self.sign_off())
        numbered(sections)
        if data.report is not None and data.report.submitted:
            sections.append(revisions_section(data.report, self.tz))
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
            contents=True,
        )

    def cover(self) -> list[tuple[str, str]]:
        data = self.data
        contracts = [
            f"{c.code} {c.name}（{chinese_date(c.start_date)}至{chinese_date(c.end_date)}）"
            for c in self.contracts.values()
        ]
        vendors = sorted({c.vendor for c in self.contracts.values() if c.vendor})
        status = data.report.status_label if data.report else "草稿"
        return [
            ("报告期间", f"{chinese_date(data.period.first_day)}至{chinese_date(data.period.last_day)}"),
            ("运维合同", "\n".join(contracts) or "本季度不在任何运维合同期内"),
            ("运维单位", "、".join(vendors) or ("待补充" if self.contracts else "—")),
            ("服务对象", BUREAU),
            ("报告状态", status),
            ("数据截至", chinese_datetime(data.as_of, self.tz)),
            ("编制日期", chinese_date(local_time(data.prepared_at, self.tz).date())),
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
        section = Section("概述")
        t = self.total
        counts = t.tickets.overall
        if not self.scopes:
            section.text("本季度不在任何运维合同期内，无合同服务时间。")
        else:
            crossing = "本季度跨两个运维合同，以下数字按合同分列并合计。" if len(self.scopes) > 1 else ""
            failure_target = self.target_clause("failure_rate")
            response_target = self.target_clause("response_rate")
            section.text(
                f"{crossing}本季度合同服务总时间 {t.service_minutes:,.2f} 分钟，"
                f"停机时间 {t.downtime_minutes:,.2f} 分钟，"
                f"系统故障率 {pct(t.failure_rate)}{failure_target}。共受理服务请求 {counts.tickets} 件，"
                f"服务响应率 {pct(counts.response_rate)}{response_target}，系统咨询服务 {t.tickets.consultations} 次，"
                f"完成例行安全检查与备份核验的月份 {t.monitoring.count} 个，重大系统故障 {len(t.major_faults)} 次。"
            )
        scopes = self.scope_columns()
        columns = [Column("项目", width=28)]
        columns += [Column(name, "number", width=16) for name, _ in scopes]
        rows: list[list[Value]] = []
        for key, label, kind in KEY_FIGURES:
            rows.append([label, *(typed(body.get(key), kind) for _, body in scopes)])
        kinds: list[Kind] = [kind for _, _, kind in KEY_FIGURES]
        section.blocks.append(
            Table("主要运维数据", columns, rows, note="分钟数保留两位小数；比率为百分数。", row_kinds=kinds)
        )
        return section

    def indicators(self) -> Section:
        section = Section("绩效指标完成情况")
        evaluation = self.data.evaluation
        if evaluation is None:
            section.text(f"{self.data.period.first_day.year} 年度没有预算项目和绩效指标。")
            return section
        projects = self.data.maintenance_projects
        rows_in = self.maintenance_rows()
        quarters = int(self.data.label[-1])
        section.text(
            f"“本季度”一栏为本季度的实际值（数量类年度目标按季度折算为四分之一）；“累计”一栏为截至"
            f"{chinese_date(local_time(evaluation.as_of - timedelta(microseconds=1), self.tz).date())}的全年数据，"
            f"与按进度折算的目标（逐次累计的数量类为年度目标的 {quarters}/4，期限、套数、比率和上限不折算）比较。"
            "年度自评得分和等级在年度结束后由绩效自评表给出，季度报告只反映进度。"
        )
        columns = [
            Column("一级指标", width=10),
            Column("二级指标", width=10),
            Column("三级指标", width=24),
            Column("年度指标值", width=10),
            Column("季度目标", width=9),
            Column("本季度实际", "figure", width=9),
            Column("本季度达标", width=8),
            Column("累计目标", width=9),
            Column("累计实际", "figure", width=9),
            Column("单位", width=5),
            Column("累计进度", width=8),
        ]
        rows: list[list[Value]] = []
        for row in rows_in:
            quarter_target, quarter_actual, quarter_met = self.quarter_indicator(row)
            ytd_target, ytd_met = self.year_to_date(row, quarters)
            rows.append(
                [
                    row["level1"],
                    row["level2"],
                    row["name"],
                    Label(row["target_text"]),
                    Label(quarter_target),
                    quarter_actual,
                    met_text(quarter_met),
                    Label(ytd_target),
                    row["actual"] if row["actual"] is not None else row["grade"],
                    row["unit"],
                    met_text(ytd_met),
                ]
            )
        section.blocks.append(Table("绩效指标完成情况", columns, rows, empty_text="无绩效指标"))
        for summary in evaluation.projects:
            if projects and summary.code not in projects:
                continue
            if summary.missing:
                section.text(f"{summary.name}：尚无实际值或评级的指标：{'、'.join(summary.missing)}。")
        return section

    def availability(self) -> Section:
        section = Section("系统可用率与故障率", page_break=True)
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
                    availability_of(body["failure_rate"]),
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
            available = availability_of(body["failure_rate"])
            month_rows.append(
                [month, body["service_minutes"], body["downtime_minutes"], body["unknown_minutes"], available,
                 body["failure_rate"]]
            )  # fmt: skip
            labels.append(f"{int(month[5:])}月")
            values.append(available)
        section.blocks.append(Table("月度可用率", month_columns, month_rows))
        known = [v for v in values if v is not None]
        low = max(0.0, float(int(min(known)) - 1)) if known else 0.0
        self.chart(section, "月度系统可用率", labels, values, "可用率（%）", percent=True, ylim=(low, 100.0))
        return section

    def requests(self) -> Section:
        section = Section("服务请求")
        figures = self.total.tickets
        counts = figures.overall
        if counts.tickets == 0:
            section.text("本季度无服务请求。")
        else:
            section.text(
                f"本季度受理服务请求 {counts.tickets} 件（另有取消 {figures.cancelled} 件），"
                f"按时响应 {counts.responded_in_time} 件，"
                f"响应超时 {counts.breached} 件，待响应 {counts.pending} 件，服务响应率 {pct(counts.response_rate)}；"
                f"按时解决 {counts.resolved_in_time} 件，解决超时 {counts.resolution_breached} 件，"
                f"按时解决率 {pct(counts.resolution_rate)}。{late_entry_text(self.data.late_entries)}"
            )
        order = [k for k in CATEGORIES if k in figures.by_category] + sorted(set(figures.by_category) - set(CATEGORIES))
        by_category = {CATEGORIES.get(k, k): figures.by_category[k] for k in order}
        section.blocks.append(counts_table("按类别统计", "类别", by_category))
        self.chart(
            section,
            "服务请求按类别分布",
            list(by_category),
            [float(v.tickets) for v in by_category.values()],
            "工单数（件）",
            horizontal=True,
        )
        by_unit = {self.units.get(k, k): v for k, v in figures.by_unit.items()}
        section.blocks.append(counts_table("按单位统计", "单位", by_unit))
        self.chart(
            section,
            "服务请求按单位分布",
            list(by_unit),
            [float(v.tickets) for v in by_unit.values()],
            "工单数（件）",
            horizontal=True,
        )
        section.blocks.append(counts_table("按渠道统计", "渠道", dict(figures.by_channel)))
        section.blocks.append(counts_table("按服务方式统计", "服务方式", dict(figures.by_mode)))
        section.blocks.append(counts_table("按优先级统计", "优先级", dict(figures.by_priority)))
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
        section = Section("咨询服务")
        figures = self.total.tickets
        year_total = self.data.evaluation.sla.tickets.consultations if self.data.evaluation else None
        text = (
            "本季度提供答疑、数据处理、操作指导、业务咨询、业务培训、等保测评配合、信息通知等咨询服务"
            f" {figures.consultations} 次"
        )
        if year_total is not None:
            text += f"，年度累计 {year_total} 次{self.target_clause('consultations', '年度目标')}"
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
