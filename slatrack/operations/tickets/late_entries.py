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
from sqlalchemy import func, select

from slatrack import audit
from slatrack.clock import utcnow
from slatrack.extensions import db
from slatrack.measure import late_entries as rule
from slatrack.measure import lifecycle
from slatrack.models import LateEntry, Ticket, TicketEvent, User
from slatrack.models.enums import TICKET_EVENTS
from slatrack.operations import Conflict, OperationError

MEASURED_ROLES = ("vendor", "unit")
KIND_LABELS = {"event": "事件时间", "report": "报告时间"}


def grace() -> timedelta:
    return timedelta(minutes=int(current_app.config.get("LATE_ENTRY_GRACE_MINUTES", 10)))


def _status_for(user: User | None) -> str | None:
    if user is None:
        return None
    return rule.BUREAU if user.role == "admin" else rule.PENDING if user.role in MEASURED_ROLES else None


def note(
    ticket: Ticket, stated: datetime, recorded: datetime, user: User | None, event: TicketEvent | None = None
) -> LateEntry | None:
    """Store a late entry when ``stated`` is more than the grace before ``recorded``; else nothing."""
    status = _status_for(user)
    if status is None or not rule.is_late(stated, recorded, grace()):
        return None
    entry = LateEntry(
        kind="event" if event is not None else "report",
        ticket_id=ticket.id,
        event_id=event.id if event is not None else None,
        stated_at=stated,
        recorded_at=recorded,
        status=status,
        entered_by_id=user.id if user is not None else None,
    )
    db.session.add(entry)
    db.session.flush()
    if status == rule.BUREAU:
        audit.record(
            "late_entry.bureau",
            object_type="late_entries",
            object_id=str(entry.id),
            detail=f"局方补记工单 {ticket.number} 的{KIND_LABELS[entry.kind]}，按所述时间计",
        )
    return entry


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


# ---------------------------------------------------------------- the bureau's review


def list_entries(status: str | None = None) -> list[LateEntry]:
    query = select(LateEntry).order_by(LateEntry.recorded_at, LateEntry.id)
    if status is not None:
        if status not in rule.STATUSES:
            allowed = "、".join(rule.STATUSES)
            raise OperationError(f"未知的补记状态：{status!r}", fields={"status": f"应为 {allowed} 之一"})
        query = query.where(LateEntry.status == status)
    return list(db.session.scalars(query))


def entry_view(entry: LateEntry) -> dict[str, Any]:
    ticket = db.session.get(Ticket, entry.ticket_id)
    event = db.session.get(TicketEvent, entry.event_id) if entry.event_id is not None else None
    entered = db.session.get(User, entry.entered_by_id) if entry.entered_by_id is not None else None
    decided = db.session.get(User, entry.decided_by_id) if entry.decided_by_id is not None else None
    return {
        "id": entry.id,
        "kind": entry.kind,
        "kind_label": KIND_LABELS[entry.kind],
        "ticket_id": entry.ticket_id,
        "ticket_number": ticket.number if ticket is not None else "",
        "ticket_title": ticket.title if ticket is not None else "",
        "event_type": event.type if event is not None else None,
        "event_label": TICKET_EVENTS[event.type] if event is not None else None,
        "stated_at": entry.stated_at,
        "recorded_at": entry.recorded_at,
        "late_minutes": round((entry.recorded_at - entry.stated_at).total_seconds() / 60, 1),
        "status": entry.status,
        "status_label": rule.STATUS_LABELS[entry.status],
        "entered_by": entered.username if entered is not None else None,
        "decided_by": decided.username if decided is not None else None,
        "decided_at": entry.decided_at,
        "reason": entry.reason,
    }


def decide(entry_id: int, decision: str, reason: str, user: User | None) -> LateEntry:
    """Confirm (count at the stated time) or reject (keep the entry time) a pending late entry, audited."""
    reason = (reason or "").strip()
    if not reason:
        raise OperationError("请填写确认或驳回的理由", fields={"reason": "必填"})
    entry = db.session.get(LateEntry, entry_id, with_for_update=True)
    if entry is None:
        raise OperationError(f"补记不存在：{entry_id}", status=404)
    if entry.status != rule.PENDING:
        raise Conflict(f"该补记已处理（{rule.STATUS_LABELS[entry.status]}）", fields={"status": "不是待确认状态"})
    entry.status = rule.CONFIRMED if decision == "confirm" else rule.REJECTED
    entry.reason = reason
    entry.decided_by_id = user.id if user is not None else None
    entry.decided_at = utcnow()
    db.session.flush()
    ticket = db.session.get(Ticket, entry.ticket_id)
    if ticket is not None:
        from slatrack.operations.tickets.lifecycle import refresh_counted

        refresh_counted(ticket)
    verb = "确认" if decision == "confirm" else "驳回"
    audit.record(
        f"late_entry.{decision}",
        object_type="late_entries",
        object_id=str(entry.id),
        detail=f"{verb}工单 {ticket.number if ticket else entry.ticket_id} 的补记{KIND_LABELS[entry.kind]}：{reason}",
    )
    db.session.commit()
    return entry


def counts(
    ticket_ids: Iterable[int] | None = None, start: datetime | None = None, end: datetime | None = None
) -> dict[str, int]:
    """How many late entries of the tickets reported in [start, end) were counted each way."""
    query = (
        select(LateEntry.status, func.count()).join(Ticket, Ticket.id == LateEntry.ticket_id).group_by(LateEntry.status)
    )
    if start is not None:
        query = query.where(Ticket.reported_at >= start)
    if end is not None:
        query = query.where(Ticket.reported_at < end)
    if ticket_ids is not None:
        query = query.where(Ticket.id.in_(list(ticket_ids)))
    found = dict(db.session.execute(query).all())
    return {status: int(found.get(status, 0)) for status in rule.STATUSES}
