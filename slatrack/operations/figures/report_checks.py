"""What a quarterly report must hold before it can be marked submitted (issue 13).

A submitted report is what the bureau files, so it never carries a gap: the texts people write — 存在的问题
and 下季度工作计划 —, the vendor (乙方) of every contract the quarter falls in, and a cause and handling for
every outage the report lists (every outage recorded in the quarter, counted toward downtime or not). ``missing`` names
what is missing (in Chinese, for the page and the API's error); ``require_complete`` refuses the submission
with that list and changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_, select

from slatrack.clock import zone_name
from slatrack.extensions import db
from slatrack.measure.periods import quarter_period
from slatrack.models import Contract, Outage, Report, Target
from slatrack.operations import OperationError
from slatrack.reports.document import chinese_datetime

REQUIRED_TEXTS = (("problems", "存在的问题"), ("next_plan", "下季度工作计划"))
# The vendor an earlier reference file carried before the contract's was known: never printed as a name.
PLACEHOLDER_VENDORS = frozenset({"系统运维服务单位(乙方)", "系统运维服务单位（乙方）"})


def known_vendor(vendor: str) -> str:
    """The contract's vendor, or "" while it is empty or the old placeholder."""
    vendor = (vendor or "").strip()
    return "" if vendor in PLACEHOLDER_VENDORS else vendor


def missing_texts(report: Report) -> dict[str, str]:
    """Field name → label of every required text still empty."""
    return {name: label for name, label in REQUIRED_TEXTS if not (getattr(report, name) or "").strip()}


def contracts_without_vendor(first: date, last: date) -> list[str]:
    """Codes of the contracts the quarter falls in whose vendor (乙方) is not entered."""
    rows = db.session.scalars(
        select(Contract).where(Contract.start_date <= last, Contract.end_date >= first).order_by(Contract.start_date)
    )
    return [c.code for c in rows if not known_vendor(c.vendor)]


def outages_without_cause(start: datetime, end: datetime) -> list[str]:
    """The outages the quarter's report lists that still lack a cause or handling, as "门户网站 2025年4月10日 10:00"."""
    query = (
        select(Outage, Target.name)
        .join(Target, Target.id == Outage.target_id)
        .where(Outage.start < end, or_(Outage.end.is_(None), Outage.end > start))
        .order_by(Outage.start, Outage.id)
    )
    tz = zone_name()
    return [
        f"{name} {chinese_datetime(outage.start, tz)}（#{outage.id}）"
        for outage, name in db.session.execute(query)
        if not outage.cause.strip() or not outage.handling.strip()
    ]


def missing(report: Report) -> dict[str, str]:
    """Field name → what is missing, for everything that keeps the quarter's report from being submitted."""
    return missing_for(report.period, report)


def missing_for(label: str, report: Report | None) -> dict[str, str]:
    """``missing`` for a quarter whose report may not have been drafted yet (then both texts are missing)."""
    found = dict(missing_texts(report)) if report is not None else dict(REQUIRED_TEXTS)
    period = quarter_period(label, zone_name())
    vendors = contracts_without_vendor(period.first_day, period.last_day)
    if vendors:
        found["vendor"] = f"合同 {'、'.join(vendors)} 的运维单位（乙方）名称"
    outages = outages_without_cause(period.start, period.end)
    if outages:
        found["outages"] = f"停机原因和处理情况：{'；'.join(outages)}"
    return found


def require_complete(report: Report) -> None:
    gaps = missing(report)
    if gaps:
        raise OperationError(
            f"{report.period} 季度报告尚缺：{'、'.join(gaps.values())}，填写后才能提交",
            fields=dict.fromkeys(gaps, "提交前必须填写"),
        )
