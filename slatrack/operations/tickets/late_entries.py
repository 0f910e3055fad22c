"""Late entries (补记) of ticket times: noting them, the counted timeline, and the bureau's review queue.

The rule itself is pure (``slatrack.measure.late_entries``); this module stores a late entry when a stated
time is entered more than the grace (``LATE_ENTRY_GRACE_MINUTES``) after it, feeds the counted times to the
lifecycle and the SLA loader, and records the bureau's confirm or reject (audited, with a reason).
Only the measured parties' entries (vendor, unit) wait for confirmation; the bureau's own (admin) count at
their stated time at once and are kept as ``bureau`` entries; entries without a user (the system, the
command line run by an operator) are not late entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from slatrack import audit
from slatrack.extensions import db
from slatrack.measure import late_entries as rule
from slatrack.measure import lifecycle
from slatrack.models import LateEntry, Ticket, TicketEvent, User

MEASURED_ROLES = ("vendor", "unit")
KIND_LABELS = {"event": "事件时间", "report": "报告时间", "outage_end": "停机结束时间"}


def grace() -> timedelta:
    return timedelta(minutes=int(current_app.config.get("LATE_ENTRY_GRACE_MINUTES", 10)))


def _status_for(role: str | None) -> str | None:
    if role is None:
        return None
    return rule.BUREAU if role == "admin" else rule.PENDING if role in MEASURED_ROLES else None


def _store(
    stated: datetime, recorded: datetime, role: str | None, user_id: int | None, subject: str, **links: Any
) -> LateEntry | None:
    status = _status_for(role)
    if status is None or not rule.is_late(stated, recorded, grace()):
        return None
    entry = LateEntry(stated_at=stated, recorded_at=recorded, status=status, entered_by_id=user_id, **links)
    db.session.add(entry)
    db.session.flush()
    if status == rule.BUREAU:
        audit.record(
            "late_entry.bureau",
            object_type="late_entries",
            object_id=str(entry.id),
            detail=f"局方补记{subject}的{KIND_LABELS[entry.kind]}，按所填时间计",
        )
    return entry


def note(
    ticket: Ticket, stated: datetime, recorded: datetime, user: User | None, event: TicketEvent | None = None
) -> LateEntry | None:
    """Store a late entry when ``stated`` is more than the grace before ``recorded``; else nothing."""
    return _store(
        stated,
        recorded,
        user.role if user is not None else None,
        user.id if user is not None else None,
        f"工单 {ticket.number} ",
        kind="event" if event is not None else "report",
        ticket_id=ticket.id,
        event_id=event.id if event is not None else None,
    )


def note_outage_end(
    outage_id: int, end: datetime, recorded: datetime, role: str | None, user_id: int | None
) -> LateEntry | None:
    """The end of an outage typed by hand: a late entry when stated more than the grace before its entry.

    While pending or rejected the outage counts as lasting until its entry (``recorded_at``).
    """
    return _store(end, recorded, role, user_id, f"停机记录 #{outage_id} ", kind="outage_end", outage_id=outage_id)


def counted_outage_ends(outage_ids: Iterable[int]) -> dict[int, datetime]:
    """The entry times of hand-typed outage ends that do not (yet) count at their stated time."""
    wanted = list(outage_ids)
    if not wanted:
        return {}
    rows = db.session.execute(
        select(LateEntry.outage_id, LateEntry.recorded_at).where(
            LateEntry.outage_id.in_(wanted), LateEntry.status.in_((rule.PENDING, rule.REJECTED))
        )
    )
    return {outage_id: recorded for outage_id, recorded in rows if outage_id is not None}


def statuses_of(ticket_id: int) -> tuple[tuple[str, datetime] | None, dict[int, str]]:
    """The late entry of a ticket's report time (status, entered at) and the status of each late event."""
    report: tuple[str, datetime] | None = None
    events: dict[int, str] = {}
    for kind, event_id, status, recorded in db.session.execute(
        select(LateEntry.kind, LateEntry.event_id, LateEntry.status, LateEntry.recorded_at).where(
            LateEntry.ticket_id == ticket_id
        )
    ):
        if kind == "report":
            report = (status, recorded)
        elif event_id is not None:
            events[event_id] = status
    return report, events


def late_view(status: str) -> dict[str, Any]:
    """How a late entry shows on its ticket: its status and whether the stated time counts."""
    counted = status in (rule.CONFIRMED, rule.BUREAU)
    return {"status": status, "status_label": rule.STATUS_LABELS[status], "counted_as_stated": counted}


def counted_timeline(ticket: Ticket, as_of: datetime | None = None) -> lifecycle.TicketTimeline:
    """The ticket's timeline at the times that count (late entries awaiting confirmation at entry time)."""
    report, event_status = statuses_of(ticket.id) if ticket.id is not None else (None, {})
    report_status, report_recorded = report if report is not None else (None, ticket.reported_at)
    start, times = rule.counted_history(
        (ticket.reported_at, report_recorded, report_status),
        [(e.at, e.recorded_at or e.at, event_status.get(e.id)) for e in ticket.events],
    )
    events = [lifecycle.Event(e.type, moment, e.note) for e, moment in zip(ticket.events, times, strict=True)]  # type: ignore[arg-type]
    return lifecycle.replay(start, events, as_of=as_of)
