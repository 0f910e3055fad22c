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
from slatrack.models import LateEntry, Outage, Ticket, TicketEvent, User
from slatrack.models.enums import TICKET_EVENTS
from slatrack.operations import Conflict, OperationError

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
        from slatrack.operations.tickets.lifecycle import refresh_counted

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
