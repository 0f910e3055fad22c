"""Service tickets: creation and edits, the event history kept in step with deadlines, links, ratings.

The state machine and the deadline arithmetic are the pure ``slatrack.measure`` modules
(``lifecycle``, ``deadlines``, ``calendars``); this module keeps the stored ticket in step with them.
Unit users only ever see and change their own unit's tickets: another unit's ticket is "not found".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from slatrack.clock import aware, local_zone, utcnow
from slatrack.extensions import db
from slatrack.measure import lifecycle
from slatrack.measure.deadlines import (
    TicketSla,
    evaluate,
)
from slatrack.models import (
    Outage,
    Ticket,
    TicketEvent,
    TicketRating,
    User,
)
from slatrack.models.enums import TICKET_EVENTS
from slatrack.operations import Conflict, OperationError
from slatrack.operations.notifications import hooks as alerts
from slatrack.operations.tickets import late_entries
from slatrack.operations.tickets import priority as priority_rules
from slatrack.operations.tickets.state import apply_timeline, refresh_counted, timeline_columns
from slatrack.operations.tickets.terms import contract_on, contract_terms, next_number, reserve_number
from slatrack.operations.tickets.validation import check_unit_scope, validate_fields

# Lifecycle states as stored: the pure module calls a ticket awaiting its first response "new".
__all__ = ["apply_timeline", "refresh_counted", "timeline_columns"]  # kept here for existing callers

OPEN_STATUSES = ("open", "in_progress", "paused")
DONE_STATUSES = ("resolved", "closed", "cancelled")
DEADLINE_STATES = {
    "response_overdue": "响应已超时",
    "resolution_overdue": "解决已超时",
    "overdue": "任一时限已超时",
    "due_soon": "2 小时内到期",
    "on_track": "未超时",
}


# ---------------------------------------------------------------- state kept in step


def events_of(ticket: Ticket) -> list[lifecycle.Event]:
    return [lifecycle.Event(e.type, e.at, e.note) for e in ticket.events]  # type: ignore[arg-type]


def timeline_of(ticket: Ticket, as_of: datetime | None = None) -> lifecycle.TicketTimeline:
    return lifecycle.replay(ticket.reported_at, events_of(ticket), as_of=as_of)


def sla_of(ticket: Ticket, as_of: datetime | None = None) -> TicketSla:
    """The ticket's deadlines, statuses and time left at ``as_of`` (default now)."""
    moment = as_of or utcnow()
    terms = contract_terms(ticket.contract)
    return evaluate(late_entries.counted_timeline(ticket, moment), ticket.priority, terms, moment)


def _refresh(ticket: Ticket, timeline: lifecycle.TicketTimeline) -> None:
    apply_timeline(ticket, timeline, contract_terms(ticket.contract))


# ---------------------------------------------------------------- create and edit


def create_ticket(
    *,
    unit_code: str,
    category: str,
    priority: str | None,
    channel: str,
    mode: str,
    title: str,
    description: str = "",
    requester: str = "",
    reported_at: datetime | None = None,
    suggested_priority: str | None = None,
    user: User | None = None,
    commit: bool = True,
    number: str | None = None,
    import_key: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Validate, number, attach the contract covering the report date, and set the deadlines.

    With ``commit=False`` the ticket is only flushed, inside the caller's transaction. Without
    ``reported_at`` the ticket is reported now; a report time stated late is a late entry (SPEC §3).
    ``number`` (an imported ticket's own number) is kept as given and reserved in the sequence.
    """
    present = (now or utcnow()).astimezone(UTC)
    choice = priority_rules.check_request(user, reported_at, priority, suggested_priority)
    values = validate_fields(
        unit_code=unit_code,
        category=category,
        priority=choice.priority,
        channel=channel,
        mode=mode,
        title=title,
        description=description,
        requester=requester,
        reported_at=present if reported_at is None else reported_at,
        now=now,
    )
    check_unit_scope(user, values.unit)
    local_day = values.reported_at.astimezone(local_zone()).date()
    contract = contract_on(local_day)
    if number is None:
        number = next_number(local_day.year)
    else:
        if db.session.scalar(select(Ticket.id).where(Ticket.number == number)) is not None:
            raise Conflict(f"工单编号已存在：{number}", fields={"number": "编号已存在"})
        reserve_number(number)
    ticket = Ticket(
        number=number,
        unit_id=values.unit.id,
        contract_id=contract.id if contract is not None else None,
        requester=values.requester,
        channel=values.channel,
        mode=values.mode,
        category=values.category,
        priority=values.priority,
        title=values.title,
        description=values.description,
        reported_at=values.reported_at,
        import_key=import_key,
        created_by_id=user.id if user is not None else None,
        suggested_priority=choice.suggested,
        priority_confirmed_at=present if choice.confirmed else None,
        priority_confirmed_by_id=user.id if choice.confirmed and user is not None else None,
    )
    ticket.unit = values.unit
    ticket.contract = contract
    _refresh(ticket, lifecycle.start(values.reported_at))
    db.session.add(ticket)
    db.session.flush()
    if late_entries.note(ticket, values.reported_at, present, user) is not None:
        refresh_counted(ticket)
    alerts.ticket_created(ticket)
    if commit:
        db.session.commit()
    return ticket


def update_ticket(
    ticket: Ticket,
    *,
    category: str,
    priority: str,
    channel: str,
    mode: str,
    title: str,
    description: str,
    requester: str,
    reported_at: datetime,
    user: User | None = None,
    commit: bool = True,
) -> Ticket:
    """Edit a ticket's fields (its unit and number stay); deadlines follow a new priority or report time."""
    values = validate_fields(
        unit_code=ticket.unit.code,
        category=category,
        priority=priority,
        channel=channel,
        mode=mode,
        title=title,
        description=description,
        requester=requester,
        reported_at=reported_at,
    )
    priority_rules.check_edit(ticket, user, values.reported_at, values.priority)
    first_event = ticket.events[0].at if ticket.events else None
    if first_event is not None and values.reported_at > first_event:
        raise OperationError("报告时间不能晚于工单的第一个事件", fields={"reported_at": "不能晚于已登记事件的时间"})
    local_day = values.reported_at.astimezone(local_zone()).date()
    if local_day.year != ticket.reported_at.astimezone(local_zone()).year:
        raise OperationError("报告时间不能改到其他年份（工单编号按年份分配）", fields={"reported_at": "不能跨年修改"})
    contract = contract_on(local_day)
    ticket.category = values.category
    ticket.priority = values.priority
    ticket.channel = values.channel
    ticket.mode = values.mode
    ticket.title = values.title
    ticket.description = values.description
    ticket.requester = values.requester
    ticket.reported_at = values.reported_at
    ticket.contract = contract
    _refresh(ticket, lifecycle.replay(values.reported_at, events_of(ticket)))
    db.session.flush()
    refresh_counted(ticket)
    if commit:
        db.session.commit()
    return ticket


# ---------------------------------------------------------------- events


def record_event(
    ticket: Ticket,
    type: str,
    at: datetime | None,
    note: str = "",
    user: User | None = None,
    now: datetime | None = None,
    commit: bool = True,
) -> TicketEvent:
    """Append an event after the lifecycle's rules: 422 for a bad time or input, 409 for a refused transition.

    Without ``at`` the event happened now; a time stated more than the grace ago is a late entry (SPEC §3).
    """
    if type not in TICKET_EVENTS:
        allowed = "、".join(TICKET_EVENTS)
        raise OperationError(f"未知的事件类型：{type!r}", fields={"type": f"应为 {allowed} 之一"})
    present = (now or utcnow()).astimezone(UTC)
    moment = present if at is None else aware(at, "at", "事件时间")
    note = (note or "").strip()
    if moment > present:
        raise OperationError("事件时间不能晚于当前时间", fields={"at": "不能晚于当前时间"})
    if moment < ticket.reported_at:
        shown = _show(ticket.reported_at)
        raise OperationError(f"事件时间不能早于工单报告时间（{shown}）", fields={"at": "早于报告时间"})
    _lock(ticket)
    db.session.refresh(ticket, attribute_names=["events", "status"])
    timeline = timeline_of(ticket)
    if timeline.last_event_at is not None and moment < timeline.last_event_at:
        shown = _show(timeline.last_event_at)
        raise OperationError(f"事件时间不能早于上一个事件（{shown}）", fields={"at": "早于上一个事件"})
    priority_rules.check_close(ticket, type, user)
    if type == "cancel" and not note:
        raise OperationError("取消工单必须填写原因", fields={"note": "请填写取消原因"})
    try:
        lifecycle.apply(timeline, lifecycle.Event(type, moment, note), now=present)  # type: ignore[arg-type]
    except lifecycle.TransitionError as exc:
        raise Conflict(exc.reason, fields={"type": exc.reason}) from exc
    event = TicketEvent(
        type=type, at=moment, note=note, user_id=user.id if user is not None else None, recorded_at=present
    )
    ticket.events.append(event)
    db.session.flush()
    late_entries.note(ticket, moment, present, user, event)
    refresh_counted(ticket)
    alerts.ticket_event(ticket, event)
    if commit:
        db.session.commit()
    return event


def _lock(ticket: Ticket) -> None:
    """Two people recording on the same ticket at once: the second waits for the first and sees its event.

    PostgreSQL locks the row; SQLite has no row locks and does not even open a transaction for a read,
    so a no-op write takes its database write lock before the history is read.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(Ticket).where(Ticket.id == ticket.id).values(status=Ticket.status),
            execution_options={"synchronize_session": False},
        )
    else:
        db.session.execute(select(Ticket.id).where(Ticket.id == ticket.id).with_for_update())


def _show(moment: datetime) -> str:
    return moment.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------- links and ratings


def link_outage(ticket: Ticket, outage_id: int, *, commit: bool = True) -> Outage:
    outage = db.session.get(Outage, outage_id)
    if outage is None:
        raise OperationError(f"停机记录不存在：{outage_id}", status=404, fields={"outage_id": "不存在"})
    if outage not in ticket.outages:
        ticket.outages.append(outage)
    db.session.flush()
    if commit:
        db.session.commit()
    return outage


def rating_of(ticket: Ticket) -> TicketRating | None:
    return db.session.scalar(select(TicketRating).where(TicketRating.ticket_id == ticket.id))


def rate_ticket(ticket: Ticket, score: Any, comment: str = "", user: User | None = None) -> TicketRating:
    """A unit's 1-5 rating of its closed ticket; rating again replaces the earlier one."""
    if ticket.status != "closed":
        raise Conflict("只有已关闭的工单才能评价", fields={"score": "工单尚未关闭"})
    if user is not None and user.role not in ("unit", "admin"):
        raise OperationError("只有工单所属单位可以评价", status=403)
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise OperationError("评分应为 1 到 5 的整数", fields={"score": "应为 1 到 5 的整数"})
    rating = rating_of(ticket)
    if rating is None:
        rating = TicketRating(ticket_id=ticket.id, score=score)
        db.session.add(rating)
    rating.score = score
    rating.comment = (comment or "").strip()
    rating.user_id = user.id if user is not None else None
    rating.rated_at = utcnow()
    try:
        db.session.commit()
    except IntegrityError as exc:  # rated by someone else at the same moment
        db.session.rollback()
        raise Conflict("该工单刚刚已被评价，请刷新后再试") from exc
    return rating
