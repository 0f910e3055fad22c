"""The dashboard's warnings about the years ahead: a holiday calendar missing for the coming year (from
November), a contract ending within 30 days with no successor, and days of this year no contract covers (they
count as months not served)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from slatrack.clock import local_today
from slatrack.extensions import db
from slatrack.measure.contract_cover import (
    SUCCESSOR_LEAD_DAYS,
    ContractSpan,
    ending_without_successor,
    uncovered_to_date,
)
from slatrack.models import Contract
from slatrack.operations.reference.holidays import holiday_table, next_year_uncovered
from slatrack.operations.reference.years import has_projects


@dataclass(frozen=True)
class YearWarning:
    text: str
    link: str = ""
    link_text: str = ""


def contract_spans() -> list[ContractSpan]:
    return [ContractSpan(c.code, c.start_date, c.end_date) for c in db.session.scalars(select(Contract))]


def year_warnings(now: datetime) -> list[YearWarning]:
    today = local_today(now)
    warnings: list[YearWarning] = []
    year = next_year_uncovered(today)
    if year is not None:
        when = "已无法计算" if year == today.year else f"自 {year} 年 1 月 1 日起将无法计算"
        warnings.append(
            YearWarning(
                f"节假日数据不包含 {year} 年，也尚未录入 {year} 年的放假和调休安排：按工作日计算的工单时限{when}。",
                f"/admin/holidays/{year}",
                f"录入 {year} 年节假日安排",
            )
        )
    spans = contract_spans()
    for span in ending_without_successor(spans, today, SUCCESSOR_LEAD_DAYS):
        days = (span.end - today).days
        warnings.append(
            YearWarning(
                f"合同 {span.code} 将于 {span.end.isoformat()} 到期（{days} 天后），尚无后续合同："
                "到期后的服务月份将按未服务统计。"
            )
        )
    if spans:
        for first, last in uncovered_to_date(spans, today.year, today):
            span_text = first.isoformat() if first == last else f"{first.isoformat()} 至 {last.isoformat()}"
            warnings.append(YearWarning(f"{span_text} 没有有效合同：其所在月份按未服务统计（服务月数指标）。"))
    return warnings


def missing_for_year(year: int) -> list[str]:
    """What a year lacks before its figures mean anything (shown where a year has no projects)."""
    missing = []
    if not has_projects(year):
        missing.append("预算项目和绩效指标（项目支出绩效目标批复表）")
    first, last = date(year, 1, 1), date(year, 12, 31)
    if not any(span.start <= last and span.end >= first for span in contract_spans()):
        missing.append("覆盖本年度的运维合同及其 SLA 条款")
    if not holiday_table().covers(year):
        missing.append("本年度的节假日安排（放假与调休）")
    return missing
