"""Measure a period with the pure SLA engine (measure/sla.py) from the records in the database.

Everything the API, the CLI, the pages, the jobs and the reports show of the SLA comes from
``measure_period``. Reading the records is ``sla_loading``; keeping them between calls is ``sla_cache``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from slatrack.extensions import db
from slatrack.measure.periods import Period, period_from_dates
from slatrack.measure.sla import SlaFigures, compute_sla
from slatrack.models import Contract, Report, utcnow
from slatrack.operations import NotFound, OperationError
from slatrack.operations.sla_cache import CACHE
from slatrack.operations.sla_loading import timezone_name


def parse_period(first: str, last: str) -> Period:
    try:
        return period_from_dates(first, last, timezone_name())
    except ValueError as exc:
        raise OperationError(str(exc), fields={"from": str(exc)}) from None


def measure_period(period: Period, as_of: datetime | None = None) -> SlaFigures:
    """Every SLA figure of the period as known at ``as_of`` (default now)."""
    as_of = as_of or utcnow()
    if as_of.tzinfo is None:
        raise OperationError("as_of 必须带时区", fields={"as_of": "应为带时区的 ISO 8601 时间"})
    entry = CACHE.get(period)
    return compute_sla(entry.inputs, period, as_of.astimezone(UTC), entry.memo)


@dataclass(frozen=True)
class SlaQuery:
    first: str
    last: str
    contract: str | None = None
    as_of: datetime | None = None


def sla_json(query: SlaQuery) -> dict[str, Any]:
    """The SLA JSON of SPEC section 6; with a contract code, that contract's figures at the top level.

    For a period that is exactly a quarter whose report was submitted, ``submission`` says so and lists
    the figures revised since.
    """
    body = period_figures(query)
    label = _quarter_label(parse_period(query.first, query.last))
    if label is not None:
        body["submission"] = _submission(label)
    return body


def period_figures(query: SlaQuery) -> dict[str, Any]:
    """The figures alone (what a submission freezes)."""
    period = parse_period(query.first, query.last)
    figures = measure_period(period, query.as_of)
    body = figures.as_json()
    if query.contract is not None:
        if db.session.scalar(select(Contract.id).where(Contract.code == query.contract)) is None:
            raise NotFound(f"合同不存在：{query.contract}")
        scope = body["contracts"].get(query.contract)
        if scope is None:
            raise OperationError(
                f"合同 {query.contract} 与所选期间没有重叠", fields={"contract": "与期间不重叠"}
            )
        body = {**{k: body[k] for k in ("from", "to", "as_of")}, **scope, "contracts": {query.contract: scope}}
    return body


def _quarter_label(period: Period) -> str | None:
    """The quarter (``2025Q2``) when the period is exactly one, else None."""
    first, last = period.first_day, period.last_day
    label = f"{first.year}Q{(first.month - 1) // 3 + 1}"
    quarters = period.quarters()
    if quarters == [label] and first.day == 1 and first.month % 3 == 1 and (last + timedelta(days=1)).month % 3 == 1:
        return label
    return None


def _submission(label: str) -> dict[str, Any] | None:
    """For a submitted quarter: its status and the figures revised since submission."""
    from slatrack.operations.report_status import STATUS_LABELS, revisions

    report = db.session.scalar(select(Report).where(Report.kind == "quarterly", Report.period == label))
    if report is None or report.frozen_figures is None:
        return None
    changes = revisions(report)
    return {
        "period": label,
        "status": report.status,
        "status_label": STATUS_LABELS[report.status],
        "submitted_at": report.submitted_at.isoformat() if report.submitted_at else None,
        "revised": bool(changes),
        "revisions": changes,
    }

