"""The bureau's review of late entries (补记): the queue, confirm or reject with a reason (audited), the counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from slatrack import audit
from slatrack.clock import utcnow
from slatrack.extensions import db
from slatrack.measure import late_entries as rule
from slatrack.models import LateEntry, Outage, Ticket, TicketEvent, User
from slatrack.models.enums import TICKET_EVENTS
from slatrack.operations import Conflict, OperationError
from slatrack.operations.tickets.late_entries import KIND_LABELS
from slatrack.operations.tickets.state import refresh_counted

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
    ticket = db.session.get(Ticket, entry.ticket_id) if entry.ticket_id is not None else None
    event = db.session.get(TicketEvent, entry.event_id) if entry.event_id is not None else None
    entered = db.session.get(User, entry.entered_by_id) if entry.entered_by_id is not None else None
    decided = db.session.get(User, entry.decided_by_id) if entry.decided_by_id is not None else None
    return {
        "id": entry.id,
        "kind": entry.kind,
        "kind_label": KIND_LABELS[entry.kind],
        "ticket_id": entry.ticket_id,
        "outage_id": entry.outage_id,
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
    ticket = db.session.get(Ticket, entry.ticket_id) if entry.ticket_id is not None else None
    if ticket is not None:
        refresh_counted(ticket)
    verb = "确认" if decision == "confirm" else "驳回"
    audit.record(
        f"late_entry.{decision}",
        object_type="late_entries",
        object_id=str(entry.id),
        detail=f"{verb}{_subject(entry, ticket)}的补记{KIND_LABELS[entry.kind]}：{reason}",
    )
    db.session.commit()
    return entry


def _subject(entry: LateEntry, ticket: Ticket | None) -> str:
    return f"工单 {ticket.number} " if ticket is not None else f"停机记录 #{entry.outage_id} "


def counts(start: datetime, end: datetime) -> dict[str, int]:
    """How the period's late entries were counted: those of tickets reported and outages begun in [start, end)."""
    found: dict[str, int] = dict.fromkeys(rule.STATUSES, 0)
    ticket_rows = db.session.execute(
        select(LateEntry.status, func.count())
        .join(Ticket, Ticket.id == LateEntry.ticket_id)
        .where(Ticket.reported_at >= start, Ticket.reported_at < end)
        .group_by(LateEntry.status)
    )
    outage_rows = db.session.execute(
        select(LateEntry.status, func.count())
        .join(Outage, Outage.id == LateEntry.outage_id)
        .where(Outage.start >= start, Outage.start < end)
        .group_by(LateEntry.status)
    )
    for status, number in [*ticket_rows, *outage_rows]:
        found[status] += int(number)
    return found
