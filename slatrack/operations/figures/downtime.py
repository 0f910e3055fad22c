"""The SLA downtime inputs of a window: critical targets' evidence, manual outages, maintenance windows,
exclusions and the tickets' first responses, loaded as plain rows for measure.downtime.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from slatrack.extensions import db
from slatrack.measure.downtime import OutageLink, OutageSpan
from slatrack.measure.evidence import TargetEvidence, evaluate
from slatrack.measure.intervals import Interval, normalize
from slatrack.models import (
    Exclusion,
    MaintenanceWindow,
    Outage,
    Target,
    Ticket,
    outage_tickets,
)
from slatrack.operations.monitoring.segment_store import load_segments_of
from slatrack.operations.tickets.late_entries import counted_outage_ends

_IN_CHUNK = 500


@dataclass(frozen=True)
class DowntimeInputs:
    """Everything measure.downtime needs for one window, loaded from the database."""

    window: Interval
    critical_outages: tuple[OutageSpan, ...]
    manual_outages: tuple[OutageSpan, ...]
    maintenance_windows: tuple[Interval, ...]
    critical_unknown: tuple[tuple[Interval, ...], ...]
    outage_links: tuple[OutageLink, ...]
    # Full spans (ongoing ones up to as_of) of the critical targets' confirmed outages, for major faults;
    # outages wholly excluded are left out.
    critical_outage_spans: tuple[Interval, ...]
    transient_failures: int
    evidence: dict[int, TargetEvidence]


@dataclass
class _OutageRow:
    """The columns of an outage record the measurement needs, with its exclusions and first responses."""

    id: int
    target_id: int
    source: str
    start: datetime
    end: datetime | None
    exclusions: list[Interval]
    responses: list[datetime | None]


def _light_outages(start: datetime, end: datetime) -> list[_OutageRow]:
    """Outage records overlapping [start, end) as plain rows (three queries, no ORM objects)."""
    rows = [
        _OutageRow(outage_id, target_id, source, first, last, [], [])
        for outage_id, target_id, source, first, last in db.session.execute(
            select(Outage.id, Outage.target_id, Outage.source, Outage.start, Outage.end)
            .where(Outage.start < end, (Outage.end.is_(None)) | (Outage.end > start))
            .order_by(Outage.start)
        )
    ]
    by_id = {row.id: row for row in rows}
    ids = list(by_id)
    for chunk in range(0, len(ids), _IN_CHUNK):
        part = ids[chunk : chunk + _IN_CHUNK]
        for outage_id, first, last in db.session.execute(
            select(Exclusion.outage_id, Exclusion.start, Exclusion.end).where(Exclusion.outage_id.in_(part))
        ):
            last = last or by_id[outage_id].end or end  # up to "still going": the outage's end
            if last > first:
                by_id[outage_id].exclusions.append(Interval(first, last))
        for outage_id, response in db.session.execute(
            select(outage_tickets.c.outage_id, Ticket.first_response_at)
            .join(Ticket, Ticket.id == outage_tickets.c.ticket_id)
            .where(outage_tickets.c.outage_id.in_(part))
        ):
            by_id[outage_id].responses.append(response)
        for outage_id, counted_end in counted_outage_ends(part).items():  # late hand-typed ends (补记)
            row = by_id[outage_id]
            row.end = None if row.end is None else max(row.end, counted_end)
    return rows


def _exclusion_intervals(outage: _OutageRow) -> list[Interval]:
    return list(outage.exclusions)


def _outage_span(outage: _OutageRow, as_of: datetime) -> Interval | None:
    end = as_of if outage.end is None else min(outage.end, as_of)
    if end <= outage.start:
        return None
    return Interval(outage.start, end)


def _first_responses(outage: _OutageRow, as_of: datetime) -> tuple[datetime | None, ...]:
    return tuple(first if first is not None and first <= as_of else None for first in outage.responses)


def system_downtime_inputs(window: Interval, as_of: datetime) -> DowntimeInputs:
    """Load critical targets' evidence, manual outages, maintenance windows, exclusions and ticket links."""
    end = min(window.end, as_of)
    measured = Interval(window.start, max(end, window.start))
    critical = list(db.session.scalars(select(Target).where(Target.critical.is_(True)).order_by(Target.id)))
    outage_rows = _light_outages(window.start, end)
    probe_rows: dict[int, list[_OutageRow]] = defaultdict(list)
    manual: list[OutageSpan] = []
    links: list[OutageLink] = []
    for row in outage_rows:
        span = _outage_span(row, as_of)
        if span is None:
            continue
        if row.source == "manual":
            manual.append(OutageSpan(span, tuple(_exclusion_intervals(row))))
            links.append(OutageLink(span, _first_responses(row, as_of)))
        else:
            probe_rows[row.target_id].append(row)
    critical_spans: list[OutageSpan] = []
    unknown: list[tuple[Interval, ...]] = []
    full_spans: list[Interval] = []
    transient = 0
    evidence: dict[int, TargetEvidence] = {}
    segments = load_segments_of([target.id for target in critical], window.start, end) if end > window.start else {}
    for target in critical:
        result = evaluate(
            segments.get(target.id, []),
            target.confirm_failures,
            window.start,
            window.end,
            as_of,
            monitored_since=target.monitored_since,
            retired_at=target.retired_at,
        )
        evidence[target.id] = result
        transient += result.transient_failures
        unknown.append(result.unknown)
        records = probe_rows.get(target.id, [])
        for outage in result.outages:
            full = Interval(outage.start, outage.end if outage.end is not None else max(as_of, outage.start))
            matching = [row for row in records if row.start < full.end and (row.end is None or row.end > full.start)]
            exclusions = [piece for row in matching for piece in _exclusion_intervals(row)]
            critical_spans.append(OutageSpan(outage.measured, tuple(exclusions)))
            if not _covers(exclusions, full):
                full_spans.append(full)
            responses = tuple(response for row in matching for response in _first_responses(row, as_of))
            links.append(OutageLink(full, responses))
    maintenance = [
        Interval(row.start, row.end)
        for row in db.session.scalars(
            select(MaintenanceWindow).where(
                MaintenanceWindow.approved_at.is_not(None),
                MaintenanceWindow.start < end,
                MaintenanceWindow.end > window.start,
            )
        )
    ]
    return DowntimeInputs(
        window=measured,
        critical_outages=tuple(critical_spans),
        manual_outages=tuple(manual),
        maintenance_windows=tuple(maintenance),
        critical_unknown=tuple(unknown),
        outage_links=tuple(links),
        critical_outage_spans=tuple(full_spans),
        transient_failures=transient,
        evidence=evidence,
    )


def _covers(pieces: Sequence[Interval], span: Interval) -> bool:
    merged = normalize(pieces)
    return any(piece.start <= span.start and piece.end >= span.end for piece in merged)
