"""Load the records of a period and measure them with the pure SLA engine (measure/sla.py).

This module only reads: it turns database rows into the engine's plain records. Everything the API,
the CLI, the pages, the jobs and the reports show of the SLA comes from ``measure_period``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select

from slatrack.extensions import db
from slatrack.measure import inspections as inspection_measure
from slatrack.measure.intervals import Interval
from slatrack.measure.lifecycle import Event, EventType
from slatrack.measure.periods import Period, contract_span, period_from_dates
from slatrack.measure.satisfaction import SurveyResponse as SurveyRecord
from slatrack.measure.segments import Segment
from slatrack.measure.sla import ContractTerms, OutageRecord, SlaFigures, SlaInputs, TargetRecord, compute_sla
from slatrack.measure.tickets import OutcomeMemo, TicketRecord
from slatrack.models import (
    AuditRecord,
    Contract,
    EvidenceSegment,
    Exclusion,
    Inspection,
    MaintenanceWindow,
    Outage,
    Report,
    SurveyResponse,
    Target,
    Ticket,
    TicketEvent,
    Unit,
    outage_tickets,
    utcnow,
)
from slatrack.operations import NotFound, OperationError
from slatrack.operations.tickets import contract_terms


def timezone_name() -> str:
    return str(current_app.config["TIMEZONE"])


def parse_period(first: str, last: str) -> Period:
    try:
        return period_from_dates(first, last, timezone_name())
    except ValueError as exc:
        raise OperationError(str(exc), fields={"from": str(exc)}) from None


def decode_segment(state: str, start: datetime, end: datetime, count: int, lead: str) -> Segment:
    """A stored segment; ``lead`` holds a fail run's first failure times as microseconds after ``start``."""
    times = tuple(start + timedelta(microseconds=int(part)) for part in lead.split(",")) if lead else ()
    return Segment(state, start, end, count, times)  # type: ignore[arg-type]


def _contracts() -> list[ContractTerms]:
    tz = timezone_name()
    return [
        ContractTerms(
            code=contract.code,
            span=contract_span(contract.start_date, contract.end_date, contract.timezone or tz),
            terms=contract_terms(contract),
            major_fault_minutes=float(contract.major_fault_minutes),
        )
        for contract in db.session.scalars(select(Contract).order_by(Contract.start_date))
    ]


def _targets(start: datetime, end: datetime) -> list[TargetRecord]:
    targets = db.session.scalars(
        select(Target).where(Target.monitored_since < end, or_(Target.retired_at.is_(None), Target.retired_at > start))
    ).all()
    by_target: dict[int, list[Segment]] = defaultdict(list)
    # Plain rows, not ORM objects: a year holds tens of thousands of segments.
    rows = db.session.execute(
        select(
            EvidenceSegment.target_id,
            EvidenceSegment.state,
            EvidenceSegment.start,
            EvidenceSegment.end,
            EvidenceSegment.count,
            EvidenceSegment.lead,
        )
        .where(EvidenceSegment.end > start, EvidenceSegment.start < end)
        .order_by(EvidenceSegment.target_id, EvidenceSegment.start)
    )
    for target_id, state, seg_start, seg_end, count, lead in rows:
        by_target[target_id].append(decode_segment(state, seg_start, seg_end, count, lead))
    return [
        TargetRecord(
            key=str(target.id),
            name=target.name,
            critical=target.critical,
            confirm_failures=target.confirm_failures,
            segments=by_target.get(target.id, []),
            monitored_since=target.monitored_since,
            retired_at=target.retired_at,
        )
        for target in targets
    ]


def _outages(start: datetime, end: datetime) -> list[OutageRecord]:
    outages = db.session.scalars(
        select(Outage).where(Outage.start < end, or_(Outage.end.is_(None), Outage.end > start))
    ).all()
    ids = [outage.id for outage in outages]
    exclusions: dict[int, list[Interval]] = defaultdict(list)
    responses: dict[int, list[datetime | None]] = defaultdict(list)
    if ids:
        for exclusion in db.session.scalars(select(Exclusion).where(Exclusion.outage_id.in_(ids))):
            exclusions[exclusion.outage_id].append(Interval(exclusion.start, exclusion.end))
        linked = db.session.execute(
            select(outage_tickets.c.outage_id, Ticket.first_response_at)
            .join(Ticket, Ticket.id == outage_tickets.c.ticket_id)
            .where(outage_tickets.c.outage_id.in_(ids))
        )
        for outage_id, first_response in linked:
            responses[outage_id].append(first_response)
    return [
        OutageRecord(
            key=str(outage.id),
            target=str(outage.target_id),
            source=outage.source,
            start=outage.start,
            end=outage.end,
            exclusions=tuple(exclusions[outage.id]),
            first_responses=tuple(responses[outage.id]),
            cause=outage.cause,
        )
        for outage in outages
    ]


def _maintenance(start: datetime, end: datetime) -> list[Interval]:
    windows = db.session.scalars(
        select(MaintenanceWindow).where(
            MaintenanceWindow.approved_at.is_not(None), MaintenanceWindow.start < end, MaintenanceWindow.end > start
        )
    )
    return [Interval(w.start, w.end) for w in windows]


def _tickets(start: datetime, end: datetime) -> list[TicketRecord]:
    rows = db.session.execute(
        select(
            Ticket.id,
            Ticket.number,
            Unit.code,
            Ticket.category,
            Ticket.priority,
            Ticket.channel,
            Ticket.mode,
            Ticket.reported_at,
        )
        .join(Unit, Unit.id == Ticket.unit_id)
        .where(Ticket.reported_at >= start, Ticket.reported_at < end)
        .order_by(Ticket.reported_at, Ticket.id)
    ).all()
    events: dict[int, list[Event]] = defaultdict(list)
    if rows:
        # One query for all events, in recording order (the order the lifecycle was checked in).
        for ticket_id, kind, at, note in db.session.execute(
            select(TicketEvent.ticket_id, TicketEvent.type, TicketEvent.at, TicketEvent.note)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(Ticket.reported_at >= start, Ticket.reported_at < end)
            .order_by(TicketEvent.ticket_id, TicketEvent.id)
        ):
            events[ticket_id].append(Event(EventType(kind), at, note))
    return [
        TicketRecord(str(tid), number, unit, category, priority, channel, mode, reported_at, tuple(events[tid]))
        for tid, number, unit, category, priority, channel, mode, reported_at in rows
    ]


def _inspections(period: Period) -> list[inspection_measure.Inspection]:
    months = period.months()
    if not months:
        return []
    rows = db.session.scalars(select(Inspection).where(Inspection.month.in_(months)))
    return [inspection_measure.Inspection(r.month, r.kind, r.passed, r.performed_at) for r in rows]


def _reports() -> list[tuple[str, datetime]]:
    rows = db.session.scalars(
        select(Report).where(
            Report.kind == "quarterly", Report.status.in_(("submitted", "accepted")), Report.submitted_at.is_not(None)
        )
    )
    return [(r.period, r.submitted_at) for r in rows if r.submitted_at is not None]


def _survey(period: Period) -> list[tuple[str, SurveyRecord]]:
    years = {str(year) for year in range(period.first_day.year, period.last_day.year + 1)}
    labels = or_(*(SurveyResponse.period.like(f"{year}%") for year in years))
    rows = db.session.execute(
        select(SurveyResponse.period, Unit.code, SurveyResponse.score, SurveyResponse.responded_at)
        .join(Unit, Unit.id == SurveyResponse.unit_id)
        .where(labels)
    )
    return [(label, SurveyRecord(unit, score, responded_at)) for label, unit, score, responded_at in rows]


def unit_count() -> int:
    """The units answering the survey: the 13 top-level units (departments under 州直部门 count with it)."""
    return len(db.session.scalars(select(Unit.id).where(Unit.parent_id.is_(None), Unit.active.is_(True))).all())


def load_inputs(period: Period) -> SlaInputs:
    """Every record the period's figures need (the engine itself cuts them at ``as_of``)."""
    start, end = period.start, period.end
    return SlaInputs(
        contracts=_contracts(),
        targets=_targets(start, end),
        outage_records=_outages(start, end),
        maintenance_windows=_maintenance(start, end),
        tickets=_tickets(start, end),
        inspections=_inspections(period),
        submitted_reports=_reports(),
        survey=_survey(period),
        unit_count=unit_count(),
    )


def data_version() -> tuple[Any, ...]:
    """Changes whenever a record the figures read changes.

    Every change of business data writes an audit record; evidence segments are not audited but every
    ingested result grows a segment's count or end, or replaces segments.
    """
    audit = db.session.scalar(select(func.max(AuditRecord.id)))
    segments = db.session.execute(
        select(
            func.count(EvidenceSegment.id),
            func.max(EvidenceSegment.id),
            func.sum(EvidenceSegment.count),
            func.max(EvidenceSegment.end),
        )
    ).one()
    return (audit, *segments)


@dataclass
class _Loaded:
    inputs: SlaInputs
    memo: OutcomeMemo


# Loaded inputs per (database, data version, period): pages ask for the same year and quarter over and
# over while little changes. Bounded; an entry is useless as soon as the data version moves on.
_CACHE: OrderedDict[tuple[Any, ...], _Loaded] = OrderedDict()
_CACHE_SIZE = 8
_CACHE_LOCK = threading.Lock()


def _loaded(period: Period) -> _Loaded:
    key = (str(db.engine.url), data_version(), period.start, period.end, period.tz)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    loaded = _Loaded(load_inputs(period), {})
    with _CACHE_LOCK:
        _CACHE[key] = loaded
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return loaded


def measure_period(period: Period, as_of: datetime | None = None) -> SlaFigures:
    """Every SLA figure of the period as known at ``as_of`` (default now)."""
    as_of = as_of or utcnow()
    if as_of.tzinfo is None:
        raise OperationError("as_of 必须带时区", fields={"as_of": "应为带时区的 ISO 8601 时间"})
    loaded = _loaded(period)
    return compute_sla(loaded.inputs, period, as_of.astimezone(UTC), loaded.memo)


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

