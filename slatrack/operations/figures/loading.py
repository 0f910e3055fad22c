"""Read the records a period's SLA figures need and turn them into the engine's plain records."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import null, or_, select

from slatrack.clock import zone_name
from slatrack.extensions import db
from slatrack.measure import inspections as inspection_measure
from slatrack.measure.intervals import Interval
from slatrack.measure.late_entries import counted_history
from slatrack.measure.lifecycle import Event, EventType
from slatrack.measure.periods import Period, contract_span
from slatrack.measure.satisfaction import SurveyResponse as SurveyRecord
from slatrack.measure.segments import Segment
from slatrack.measure.sla_inputs import ContractTerms, OutageRecord, SlaInputs, TargetRecord
from slatrack.measure.tickets import TicketRecord
from slatrack.models import (
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
)
from slatrack.operations.figures.late_counting import uncounted_late_entries
from slatrack.operations.monitoring.segment_store import decode_segment
from slatrack.operations.tickets.late_entries import counted_outage_ends
from slatrack.operations.tickets.terms import contract_terms


def load_contracts() -> list[ContractTerms]:
    tz = zone_name()
    return [
        ContractTerms(
            code=contract.code,
            span=contract_span(contract.start_date, contract.end_date, contract.timezone or tz),
            terms=contract_terms(contract),
            major_fault_minutes=float(contract.major_fault_minutes),
        )
        for contract in db.session.scalars(select(Contract).order_by(Contract.start_date))
    ]


def load_targets(start: datetime, end: datetime) -> list[TargetRecord]:
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


def load_outages(start: datetime, end: datetime) -> list[OutageRecord]:
    outages = db.session.scalars(
        select(Outage).where(Outage.start < end, or_(Outage.end.is_(None), Outage.end > start))
    ).all()
    ids = [outage.id for outage in outages]
    exclusions: dict[int, list[Exclusion]] = defaultdict(list)
    responses: dict[int, list[datetime | None]] = defaultdict(list)
    if ids:
        for exclusion in db.session.scalars(select(Exclusion).where(Exclusion.outage_id.in_(ids))):
            exclusions[exclusion.outage_id].append(exclusion)
        linked = db.session.execute(
            select(outage_tickets.c.outage_id, Ticket.first_response_at)
            .join(Ticket, Ticket.id == outage_tickets.c.ticket_id)
            .where(outage_tickets.c.outage_id.in_(ids))
        )
        for outage_id, first_response in linked:
            responses[outage_id].append(first_response)
    late_ends = counted_outage_ends(ids)  # hand-typed ends entered late count at their entry until confirmed
    return [
        OutageRecord(
            key=str(outage.id),
            target=str(outage.target_id),
            source=outage.source,
            start=outage.start,
            end=outage.end if outage.end is None else max(outage.end, late_ends.get(outage.id, outage.end)),
            # An exclusion up to "still going" follows its outage's end (or the period's end while it goes on).
            exclusions=tuple(Interval(x.start, x.end or outage.end or end) for x in exclusions[outage.id]),
            first_responses=tuple(responses[outage.id]),
            cause=outage.cause,
        )
        for outage in outages
    ]


def load_maintenance(start: datetime, end: datetime) -> list[Interval]:
    windows = db.session.scalars(
        select(MaintenanceWindow).where(
            MaintenanceWindow.approved_at.is_not(None), MaintenanceWindow.start < end, MaintenanceWindow.end > start
        )
    )
    return [Interval(w.start, w.end) for w in windows]


def load_tickets(start: datetime, end: datetime, ids: Iterable[int] | None = None) -> list[TicketRecord]:
    """The tickets reported in [start, end), with their events; only those ids when given."""
    query = (
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
    )
    wanted = None if ids is None else list(ids)
    if wanted is not None:
        query = query.where(Ticket.id.in_(wanted))
    rows = db.session.execute(query).all()
    events: dict[int, list[Event]] = defaultdict(list)
    reports: dict[int, datetime] = {}
    if rows:
        late = uncounted_late_entries(start, end)
        # When an event was recorded matters for late entries only: not read (a third of the timestamps) without.
        recorded_at = TicketEvent.recorded_at if late.tickets else null().label("recorded_at")
        event_query = (
            select(
                TicketEvent.ticket_id, TicketEvent.type, TicketEvent.at, TicketEvent.note, TicketEvent.id, recorded_at
            )
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(Ticket.reported_at >= start, Ticket.reported_at < end)
            .order_by(TicketEvent.ticket_id, TicketEvent.id)
        )
        if wanted is not None:
            event_query = event_query.where(Ticket.id.in_(wanted))
        # One query for all events, in recording order (the order the lifecycle was checked in).
        history: dict[int, list[tuple[str, str, tuple[datetime, datetime | None, str | None]]]] = defaultdict(list)
        for ticket_id, kind, at, note, event_id, recorded in db.session.execute(event_query):
            history[ticket_id].append((kind, note, (at, recorded, late.events.get(event_id))))
        for tid, *_, reported_at in rows:
            if tid in late.tickets:
                # A late entry awaits or lost confirmation: the ticket's times count as SPEC §3 says.
                report = late.reports.get(tid, (reported_at, reported_at, None))
                stated = [(at, recorded, status) for _, _, (at, recorded, status) in history[tid] if recorded]
                assert len(stated) == len(history[tid])  # recorded_at is read whenever there are late entries
                reports[tid], times = counted_history(report, stated)
                events[tid] = [Event(EventType(k), t, n) for (k, n, _), t in zip(history[tid], times, strict=True)]
            else:
                events[tid] = [Event(EventType(k), stated[0], n) for k, n, stated in history[tid]]
    return [
        TicketRecord(
            str(tid), number, unit, category, priority, channel, mode, reports.get(tid, reported_at), tuple(events[tid])
        )
        for tid, number, unit, category, priority, channel, mode, reported_at in rows
    ]


def load_inspections(period: Period) -> list[inspection_measure.Inspection]:
    months = period.months()
    if not months:
        return []
    rows = db.session.scalars(select(Inspection).where(Inspection.month.in_(months)))
    return [inspection_measure.Inspection(r.month, r.kind, r.passed, r.performed_at) for r in rows]


def load_reports() -> list[tuple[str, datetime]]:
    rows = db.session.scalars(
        select(Report).where(
            Report.kind == "quarterly", Report.status.in_(("submitted", "accepted")), Report.submitted_at.is_not(None)
        )
    )
    return [(r.period, r.submitted_at) for r in rows if r.submitted_at is not None]


def load_survey(period: Period) -> list[tuple[str, SurveyRecord]]:
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


def load_inputs(
    period: Period, tickets: list[TicketRecord] | None = None, targets: list[TargetRecord] | None = None
) -> SlaInputs:
    """Every record the period's figures need (the engine itself cuts them at ``as_of``).

    ``tickets`` and ``targets``, when given, are reused as they are (the cache knows they did not change).
    """
    start, end = period.start, period.end
    return SlaInputs(
        contracts=load_contracts(),
        targets=load_targets(start, end) if targets is None else targets,
        outage_records=load_outages(start, end),
        maintenance_windows=load_maintenance(start, end),
        tickets=load_tickets(start, end) if tickets is None else tickets,
        inspections=load_inspections(period),
        submitted_reports=load_reports(),
        survey=load_survey(period),
        unit_count=unit_count(),
    )
