"""The late entries (补记) that move a period's ticket times: those awaiting or refused confirmation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from slatrack.extensions import db
from slatrack.measure import late_entries as rule
from slatrack.models import LateEntry, Ticket


@dataclass
class UncountedLateEntries:
    tickets: set[int] = field(default_factory=set)
    events: dict[int, str] = field(default_factory=dict)  # event id -> status
    reports: dict[int, tuple[datetime, datetime, str | None]] = field(default_factory=dict)  # ticket id -> times


def uncounted_late_entries(start: datetime, end: datetime) -> UncountedLateEntries:
    """Late entries of tickets reported in [start, end) that do not (yet) count at their stated time."""
    found = UncountedLateEntries()
    rows = db.session.execute(
        select(
            LateEntry.ticket_id,
            LateEntry.kind,
            LateEntry.event_id,
            LateEntry.status,
            LateEntry.stated_at,
            LateEntry.recorded_at,
        )
        .join(Ticket, Ticket.id == LateEntry.ticket_id)
        .where(
            Ticket.reported_at >= start,
            Ticket.reported_at < end,
            LateEntry.status.in_((rule.PENDING, rule.REJECTED)),
        )
    )
    for ticket_id, kind, event_id, status, stated, recorded in rows:
        if ticket_id is None:  # the join makes it impossible; the column is nullable for outage ends
            continue
        found.tickets.add(ticket_id)
        if kind == "report":
            found.reports[ticket_id] = (stated, recorded, status)
        elif event_id is not None:
            found.events[event_id] = status
    return found
