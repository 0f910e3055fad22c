"""The dashboard's warnings about the years ahead: a holiday calendar missing for the coming year (from
November), a contract ending within 30 days with no successor, and days of this year no contract covers (they
count as months not served)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
from slatrack.operations.reference.holidays import next_year_uncovered


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
