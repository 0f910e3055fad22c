"""Measure a period with the pure SLA engine (measure/sla.py) from the records in the database.

Everything the API, the CLI, the pages, the jobs and the reports show of the SLA comes from
``measure_period``. Reading the records is ``sla_loading``; keeping them between calls is ``sla_cache``.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from slatrack.clock import zone_name
from slatrack.extensions import db
from slatrack.measure.periods import Period, period_from_dates, year_period
from slatrack.measure.sla import SlaFigures, compute_sla
from slatrack.models import Contract, utcnow
from slatrack.operations import NotFound, OperationError
from slatrack.operations.figures.cache import CACHE
from slatrack.operations.figures.snapshot import paused_gc


def parse_period(first: str, last: str) -> Period:
    try:
        return period_from_dates(first, last, zone_name())
    except ValueError as exc:
        raise OperationError(str(exc), fields={"from": str(exc)}) from None


def measure_period(period: Period, as_of: datetime | None = None) -> SlaFigures:
    """Every SLA figure of the period as known at ``as_of`` (default now).

    A part of one calendar year (a quarter, a month, any dates inside the year) is measured on the year's
    records as the input cache holds them, like the reports do (``document_data``): the engine cuts its
    inputs to the period, so the figures are the same, and the year's records are read (or taken from the
    snapshot after a restart, or read again after a change) once for the year, its quarters and its months.
    """
    as_of = as_of or utcnow()
    if as_of.tzinfo is None:
        raise OperationError("as_of 必须带时区", fields={"as_of": "应为带时区的 ISO 8601 时间"})
    moment = as_of.astimezone(UTC)
    year = year_period(period.first_day.year, period.tz)
    whole = year if year.start <= period.start and period.end <= year.end else period
    entry = CACHE.get(whole)
    key: Hashable = moment if whole == period else (period.start, period.end, moment)

    def measure() -> SlaFigures:
        with paused_gc():
            return compute_sla(entry.inputs, period, moment, entry.memo, entry.sums)

    figures = entry.measured(key, measure)
    CACHE.keep(whole, entry)
    return figures


@dataclass(frozen=True)
class SlaQuery:
    first: str
    last: str
    contract: str | None = None
    as_of: datetime | None = None


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
            raise OperationError(f"合同 {query.contract} 与所选期间没有重叠", fields={"contract": "与期间不重叠"})
        body = {**{k: body[k] for k in ("from", "to", "as_of")}, **scope, "contracts": {query.contract: scope}}
    return body
