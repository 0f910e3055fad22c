"""The quarterly report's later sections (inspections, changes, satisfaction, budget, texts, revisions)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slatrack.labels import field_label
from slatrack.measure.indicators import (
    SLA_METRICS,
    derived_outcome,
    meets,
    quarter_target,
    sla_metric,
    year_to_date_target,
)
from slatrack.measure.sla import ScopeFigures
from slatrack.measure.tickets import CATEGORIES
from slatrack.reports.data import ContractInfo, QuarterData, ReportState
from slatrack.reports.document import Column, Section, Table, Value, chinese_date, chinese_datetime
from slatrack.reports.quarterly_format import (
    BUREAU,
    KEY_FIGURES,
    RESULT_LABELS,
    figure_text,
    latest_inspections,
    local_time,
    operator_text,
    pct,
    plain,
)


class LaterSections:
    """Sections seven to thirteen (the sign-off) and the year-to-date progress, mixed into the
    QuarterlyBuilder."""

    data: QuarterData
    total: ScopeFigures
    tz: str
    units: dict[str, str]
    contracts: dict[str, ContractInfo]

    def sign_off(self) -> Section:
        """The 甲方/乙方 block the two parties sign and stamp."""
        section = Section("报告确认")
        vendors = "、".join(sorted({c.vendor for c in self.contracts.values() if c.vendor}))
        section.text("本报告所列数据经双方核对无误，予以确认。")
        rows: list[list[Value]] = [
            ["单位", BUREAU, vendors],
            ["负责人（签字）", "", ""],
            ["日期（盖章）", "年　　月　　日", "年　　月　　日"],
        ]
        columns = [Column("", width=16), Column("甲方（服务对象）", width=40), Column("乙方（运维单位）", width=40)]
        section.blocks.append(Table("报告确认", columns, rows))
        return section

    def maintenance_rows(self) -> list[dict[str, Any]]:
        """The quarter's year's indicator rows of the projects paying for the maintenance contracts."""
        evaluation = self.data.evaluation
        if evaluation is None:
            return []
        projects = self.data.maintenance_projects
        return [r for r in evaluation.rows if not projects or r["project_code"] in projects]

    def target_of(self, metric: str) -> str | None:
        """The year's target of the ``metric:<metric>`` indicator as the indicator table prints it (≥99%),
        or None when the year has no such indicator with a target."""
        for row in self.maintenance_rows():
            if row["source"] == f"metric:{metric}" and row["target"] is not None and operator_text(row["operator"]):
                return f"{operator_text(row['operator'])}{figure_text(float(row['target']))}{row['unit'] or ''}"
        return None

    def target_clause(self, metric: str, label: str = "目标") -> str:
        """「（目标 ≥98%）」 from the year's indicators; empty when the year has no such target."""
        target = self.target_of(metric)
        return "" if target is None else f"（{label} {target}）"

    def year_to_date(self, row: dict[str, Any], quarters: int) -> tuple[str, bool | None]:
        """The target pro-rated to the quarter's end (measure.indicators: only counts that accumulate over the
        year) and whether the year so far meets it."""
        if row["operator"] == "qualitative" or row["target"] is None:
            return str(row["target_text"]), row["met"]
        unit = row["unit"] or ""
        target = year_to_date_target(row["operator"], float(row["target"]), unit, quarters)
        shown = f"{operator_text(row['operator'])}{figure_text(target or 0.0)}{unit}"
        return shown, meets(row["operator"], row["actual"], target)

    def quarter_indicator(self, row: dict[str, Any]) -> tuple[str, Value, bool | None]:
        """The quarter's target, actual and met for one indicator row, from the quarter's figures.

        The rules are measure.indicators' (a count's quarterly target is a quarter of the yearly one), as on
        the dashboard.
        """
        kind, _, name = str(row["source"]).partition(":")
        if kind == "derived":
            ok, _ = derived_outcome(name, self.total)
            return "及时有效", "优" if ok else "待评定", ok if ok else None
        if kind != "metric" or name not in SLA_METRICS:
            return ("年度指标", None, None) if kind == "metric" else ("—", None, None)
        unit = row["unit"] or ""
        target = quarter_target(row["target"], unit)
        actual = sla_metric(name, self.total)
        shown = "—" if target is None else f"{operator_text(row['operator'])}{figure_text(target)}{unit}"
        return shown, actual, meets(row["operator"], actual, target)

    def inspections(self) -> Section:
        section = Section("例行安全检查与数据备份")
        monitoring = self.total.monitoring
        section.text(
            f"本季度完成安全检查且备份核验通过的月份 {monitoring.count} 个"
            f"（应为 {len(self.data.period.months())} 个）。"
        )
        latest = latest_inspections(self.data.inspections, self.data.as_of)
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
            distinct = list(dict.fromkeys(f.strip() for f in findings if f.strip()))  # "未发现异常" once, not twice
            row += ["是" if month in monitoring.monitored else "否", "；".join(distinct) or "—"]
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
        section = Section("补丁、升级与功能优化")
        outcomes = [
            o for o in self.total.ticket_outcomes if not o.cancelled and o.record.category in ("patch", "optimization")
        ]
        titles = self.data.ticket_titles
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
        section = Section("用户满意度")
        survey = self.total.satisfaction
        if survey.responses == 0:
            section.text("本季度无满意度调查答卷。")
        else:
            target = self.target_clause("satisfaction_rate")
            section.text(
                f"本季度收到满意度答卷 {survey.responses} 份，满意（基本满意及以上）{survey.satisfied} 份，"
                f"满意度 {pct(survey.rate)}{target}，{survey.units_answered} 个单位参与，"
                f"覆盖率 {pct(survey.coverage)}。"
            )
        year = self.data.evaluation.sla.satisfaction if self.data.evaluation else None
        if year is not None and year.responses:
            section.text(f"年度累计（含年度调查）答卷 {year.responses} 份，满意度 {pct(year.rate)}。")
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
        section = Section("预算执行情况")
        evaluation = self.data.evaluation
        if evaluation is None:
            section.text("本年度无预算。")
            return section
        projects = self.data.maintenance_projects or set(evaluation.budgets)
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
                f"截至{chinese_date(local_time(evaluation.as_of - timedelta(microseconds=1), self.tz).date())}，"
                f"预算 {budget.budget_total:,.2f} 元，已支付 {budget.paid_total:,.2f} 元，"
                f"预算执行率 {pct(budget.execution_rate)}，成本控制率 {pct(budget.cost_control_rate)}。"
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


def revisions_section(report: ReportState, tz: str) -> Section:
    """附：提交后修订的数字 — a submitted report's figures that changed since, submitted and current value."""
    changes = report.revisions
    section = Section("附：提交后修订的数字")
    submitted = chinese_datetime(report.submitted_at, tz) if report.submitted_at else ""
    if not changes:
        section.text(f"本报告已于 {submitted} 提交，提交后数字未发生变化。")
        return section
    section.text(
        f"本报告已于 {submitted} 提交，正文为提交时的数字；以下数字在提交后因记录补录或更正而变化，"
        "“当前”一栏为按现有记录重新计算的结果。"
    )
    labels = {key: label for key, label, _ in KEY_FIGURES}
    rows: list[list[Value]] = []
    for path, change in changes.items():
        parts = path.split(".")
        scope = parts[1] if parts[0] == "contracts" and len(parts) > 2 else "合计"
        label = labels.get(parts[-1]) or field_label(parts[-1])
        rows.append([scope, label, plain(change["submitted"]), plain(change["current"])])
    columns = [
        Column("范围", width=12),
        Column("项目", width=24),
        Column("提交时", width=14),
        Column("当前", width=14),
    ]
    section.blocks.append(Table("提交后修订", columns, rows))
    return section
