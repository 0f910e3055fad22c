"""The unit closes the loop (docs/tickets.md): a unit's resolved request waits for its 确认解决 or 退回.

The vendor resolves; the unit that submitted the request confirms (the ticket closes, and the unit is asked
for its rating) or returns it with a reason (the ticket reopens). A request the unit leaves unanswered is
confirmed by the ``ticket-auto-confirm`` job after ``TICKET_AUTO_CONFIRM_WORKDAYS`` working days.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from slatrack.clock import utcnow, zone_name
from slatrack.extensions import db
from slatrack.measure.closure import auto_confirm_at
from slatrack.models import Ticket, TicketEvent, User
from slatrack.operations import Conflict, OperationError
from slatrack.operations.reference.holidays import holiday_table
from slatrack.operations.tickets.lifecycle import record_event


def workdays() -> int:
    return int(current_app.config.get("TICKET_AUTO_CONFIRM_WORKDAYS", 3))


def _resolved(ticket: Ticket) -> None:
    if ticket.status != "resolved":
        raise Conflict("只有已解决、待确认的工单才能确认解决或退回", fields={"status": "工单不是已解决状态"})


def confirm_resolution(ticket: Ticket, user: User | None) -> TicketEvent:
    _resolved(ticket)
    return record_event(ticket, "close", None, "使用单位确认解决", user)


def return_resolution(ticket: Ticket, reason: str, user: User | None) -> TicketEvent:
    reason = (reason or "").strip()
    if not reason:
        raise OperationError("退回工单必须填写原因", fields={"reason": "请填写退回原因"})
    _resolved(ticket)
    return record_event(ticket, "reopen", None, f"使用单位退回：{reason}", user)


def auto_confirm(now: datetime | None = None) -> int:
    """Confirm the units' resolved requests left unanswered for the configured working days."""
    present = now or utcnow()
    count, days, tz = 0, workdays(), zone_name()
    rows = db.session.scalars(
        select(Ticket)
        .join(User, User.id == Ticket.created_by_id)
        .where(Ticket.status == "resolved", User.role == "unit", Ticket.resolved_at.is_not(None))
    ).all()
    for ticket in rows:
        assert ticket.resolved_at is not None
        due = auto_confirm_at(ticket.resolved_at, days, tz, holiday_table())
        if due <= present:
            record_event(ticket, "close", due, f"使用单位 {days} 个工作日内未确认，系统自动确认", None, now=present)
            count += 1
    return count
