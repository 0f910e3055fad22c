"""Service tickets: creation with numbering and deadlines, the event history, links, ratings, queries.

The state machine and the deadline arithmetic are the pure ``slatrack.measure`` modules
(``lifecycle``, ``deadlines``, ``calendars``); this module keeps the stored ticket in step with them.
Unit users only ever see and change their own unit's tickets: another unit's ticket is "not found".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import Select, and_, case, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from slatrack.extensions import db
from slatrack.measure import lifecycle
from slatrack.measure.calendars import AlwaysOn, Calendar, CalendarUnavailableError, WorkingHours
from slatrack.measure.deadlines import (
    DEFAULT_RESOLUTION_MINUTES,
    DEFAULT_RESPONSE_MINUTES,
    SlaTerms,
    TicketSla,
    evaluate,
)
from slatrack.models import (
    Contract,
    Outage,
    Ticket,
    TicketEvent,
    TicketRating,
    TicketSequence,
    Unit,
    User,
    outage_tickets,
)
from slatrack.models.enums import CHANNELS, MODES, PRIORITIES, TICKET_CATEGORIES, TICKET_EVENTS, TICKET_STATUSES
from slatrack.operations import Conflict, NotFound, OperationError
from slatrack.operations.notifications import hooks as alerts

NUMBER_PREFIX = "YW"
# Lifecycle states as stored: the pure module calls a ticket awaiting its first response "new".
_STATUS_OF_STATE = {state: ("open" if state is lifecycle.State.NEW else state.value) for state in lifecycle.State}
OPEN_STATUSES = ("open", "in_progress", "paused")
DONE_STATUSES = ("resolved", "closed", "cancelled")
DEADLINE_STATES = {
    "response_overdue": "响应已超时",
    "resolution_overdue": "解决已超时",
    "overdue": "任一时限已超时",
    "due_soon": "2 小时内到期",
    "on_track": "未超时",
}
MAX_TITLE = 200
MAX_REQUESTER = 64


def _utcnow() -> datetime:
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    name = current_app.config.get("TIMEZONE", "Asia/Shanghai") if has_app_context() else "Asia/Shanghai"
    return ZoneInfo(str(name))


# ---------------------------------------------------------------- contract terms


@lru_cache(maxsize=16)
def _working_hours(tz: str) -> WorkingHours:
    # One instance per zone: it caches day windows and working-day counts across tickets.
    return WorkingHours(tz=tz)


def calendar_of(contract: Contract | None) -> Calendar:
    if contract is not None and contract.calendar == "workdays":
        return _working_hours(contract.timezone or "Asia/Shanghai")
    return AlwaysOn()


def contract_terms(contract: Contract | None) -> SlaTerms:
    """The contract's windows per priority on its calendar; the SPEC defaults where it sets none."""
    response = dict(DEFAULT_RESPONSE_MINUTES)
    resolution = dict(DEFAULT_RESOLUTION_MINUTES)
    if contract is not None:
        for term in contract.terms:
            response[term.priority] = term.response_minutes
            resolution[term.priority] = term.resolution_minutes
    return SlaTerms(response_minutes=response, resolution_minutes=resolution, calendar=calendar_of(contract))


def contract_on(day: date) -> Contract | None:
    """The contract whose inclusive dates cover a local date (the latest-starting one if several do)."""
    return db.session.scalar(
        select(Contract)
        .where(Contract.start_date <= day, Contract.end_date >= day)
        .order_by(Contract.start_date.desc())
        .limit(1)
    )


# ---------------------------------------------------------------- numbering


def next_number(year: int) -> str:
    """Take the next number of ``year`` atomically: concurrent transactions never get the same one.

    ``UPDATE ... RETURNING`` locks the year's row until the transaction ends (PostgreSQL) or runs
    under SQLite's single writer; the first ticket of a year inserts the row in a savepoint and
    retries the update if a concurrent transaction inserted it first.
    """
    statement = (
        update(TicketSequence)
        .where(TicketSequence.year == year)
        .values(last=TicketSequence.last + 1)
        .returning(TicketSequence.last)
    )
    for _ in range(3):
        issued = db.session.execute(statement, execution_options={"synchronize_session": False}).scalar()
        if issued is not None:
            return format_number(year, int(issued))
        try:
            with db.session.begin_nested():
                db.session.execute(insert(TicketSequence).values(year=year, last=1))
            return format_number(year, 1)
        except IntegrityError:
            continue
    raise Conflict("工单编号分配冲突，请重试")


def format_number(year: int, serial: int) -> str:
    return f"{NUMBER_PREFIX}-{year}-{serial:04d}"


def parse_number(number: str) -> tuple[int, int] | None:
    """(year, serial) of a number in our own format, else None."""
    parts = number.strip().split("-")
    if len(parts) != 3 or parts[0] != NUMBER_PREFIX or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    if len(parts[1]) != 4:
        return None
    return int(parts[1]), int(parts[2])


def reserve_number(number: str) -> None:
    """Keep the sequence ahead of a number given explicitly (an import), so it is never issued again."""
    parsed = parse_number(number)
    if parsed is None:
        return
    year, serial = parsed
    current = db.session.scalar(select(TicketSequence.last).where(TicketSequence.year == year))
    if current is None:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(TicketSequence).values(year=year, last=serial))
            return
        except IntegrityError:
            pass
    db.session.execute(
        update(TicketSequence).where(TicketSequence.year == year, TicketSequence.last < serial).values(last=serial),
        execution_options={"synchronize_session": False},
    )


# ---------------------------------------------------------------- validation


def _require_aware(value: Any, field: str, label: str) -> datetime:
    if not isinstance(value, datetime):
        raise OperationError(f"{label}应为时间", fields={field: "应为时间"})
    if value.tzinfo is None or value.utcoffset() is None:
        raise OperationError(f"{label}必须带时区", fields={field: "必须带时区"})
    return value.astimezone(UTC)


def _choice(value: str, allowed: Sequence[str], field: str, label: str) -> str:
    if value not in allowed:
        options = "、".join(allowed)
        raise OperationError(f"未知的{label}：{value!r}", fields={field: f"应为 {options} 之一"})
    return value


def find_unit(code: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.code == code.strip()))
    if unit is None:
        raise OperationError(f"单位不存在：{code}", fields={"unit": "未知的单位代码"})
    return unit


def _check_unit_scope(user: User | None, unit: Unit) -> None:
    if user is not None and user.role == "unit" and user.unit_id != unit.id:
        raise OperationError("使用单位只能为本单位提交工单", fields={"unit": "只能为本单位提交工单"})


@dataclass(frozen=True)
class TicketFields:
    """Validated values of a ticket's editable fields."""

    unit: Unit
    category: str
    priority: str
    channel: str
    mode: str
    title: str
    description: str
    requester: str
    reported_at: datetime


def validate_fields(
    *,
    unit_code: str,
    category: str,
    priority: str,
    channel: str,
    mode: str,
    title: str,
    description: str,
    requester: str,
    reported_at: datetime,
    now: datetime | None = None,
) -> TicketFields:
    """Check every field; the first fault raises an OperationError naming the field."""
    unit = find_unit(unit_code or "")
    _choice(category, list(TICKET_CATEGORIES), "category", "类别")
    _choice(priority, list(PRIORITIES), "priority", "优先级")
    _choice(channel, CHANNELS, "channel", "渠道")
    _choice(mode, MODES, "mode", "方式")
    title = (title or "").strip()
    if not title:
        raise OperationError("标题不能为空", fields={"title": "不能为空"})
    if len(title) > MAX_TITLE:
        raise OperationError(f"标题不能超过 {MAX_TITLE} 个字", fields={"title": f"不能超过 {MAX_TITLE} 个字"})
    requester = (requester or "").strip()
    if len(requester) > MAX_REQUESTER:
        raise OperationError(
            f"报告人不能超过 {MAX_REQUESTER} 个字", fields={"requester": f"不能超过 {MAX_REQUESTER} 个字"}
        )
    reported = _require_aware(reported_at, "reported_at", "报告时间")
    present = now or _utcnow()
    if reported > present:
        raise OperationError("报告时间不能晚于当前时间", fields={"reported_at": "不能晚于当前时间"})
    return TicketFields(
        unit=unit,
        category=category,
        priority=priority,
        channel=channel,
        mode=mode,
        title=title,
        description=(description or "").strip(),
        requester=requester,
        reported_at=reported,
    )


# ---------------------------------------------------------------- state kept in step


def events_of(ticket: Ticket) -> list[lifecycle.Event]:
    return [lifecycle.Event(e.type, e.at, e.note) for e in ticket.events]  # type: ignore[arg-type]


def timeline_of(ticket: Ticket, as_of: datetime | None = None) -> lifecycle.TicketTimeline:
    return lifecycle.replay(ticket.reported_at, events_of(ticket), as_of=as_of)


def sla_of(ticket: Ticket, as_of: datetime | None = None) -> TicketSla:
    """The ticket's deadlines, statuses and time left at ``as_of`` (default now)."""
    moment = as_of or _utcnow()
    terms = contract_terms(ticket.contract)
    return evaluate(timeline_of(ticket, moment), ticket.priority, terms, moment)


def _refresh(ticket: Ticket, timeline: lifecycle.TicketTimeline) -> None:
    apply_timeline(ticket, timeline, contract_terms(ticket.contract))


def timeline_columns(timeline: lifecycle.TicketTimeline, priority: str, terms: SlaTerms) -> dict[str, Any]:
    """The ticket columns kept in step with its history: state, key instants, deadlines as of its last event."""
    try:
        sla = evaluate(timeline, priority, terms, timeline.last_event_at or timeline.reported_at)
    except CalendarUnavailableError as exc:
        raise OperationError(str(exc), fields={"reported_at": "服务日历不含该年份"}) from exc
    return {
        "status": _STATUS_OF_STATE[timeline.state],
        "first_response_at": timeline.first_response_at,
        "resolved_at": timeline.resolved_at,
        "response_due_at": sla.response_deadline,
        "resolution_due_at": sla.resolution_deadline,
    }


def apply_timeline(ticket: Ticket, timeline: lifecycle.TicketTimeline, terms: SlaTerms) -> None:
    """Copy the timeline's state and deadlines onto the ticket's columns."""
    for name, value in timeline_columns(timeline, ticket.priority, terms).items():
        setattr(ticket, name, value)


# ---------------------------------------------------------------- create and edit


def create_ticket(
    *,
    unit_code: str,
    category: str,
    priority: str,
    channel: str,
    mode: str,
    title: str,
    description: str = "",
    requester: str = "",
    reported_at: datetime,
    user: User | None = None,
    commit: bool = True,
    number: str | None = None,
    import_key: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Validate, number, attach the contract covering the report date, and set the deadlines.

    With ``commit=False`` the ticket is only flushed, inside the caller's transaction.
    ``number`` (an imported ticket's own number) is kept as given and reserved in the sequence.
    """
    values = validate_fields(
        unit_code=unit_code,
        category=category,
        priority=priority,
        channel=channel,
        mode=mode,
        title=title,
        description=description,
        requester=requester,
        reported_at=reported_at,
        now=now,
    )
    _check_unit_scope(user, values.unit)
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
    )
    ticket.unit = values.unit
    ticket.contract = contract
    _refresh(ticket, lifecycle.start(values.reported_at))
    db.session.add(ticket)
    db.session.flush()
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
    if commit:
        db.session.commit()
    return ticket


# ---------------------------------------------------------------- events


def record_event(
    ticket: Ticket,
    type: str,
    at: datetime,
    note: str = "",
    user: User | None = None,
    now: datetime | None = None,
    commit: bool = True,
) -> TicketEvent:
    """Append an event after the lifecycle's rules: 422 for a bad time or input, 409 for a refused transition."""
    if type not in TICKET_EVENTS:
        allowed = "、".join(TICKET_EVENTS)
        raise OperationError(f"未知的事件类型：{type!r}", fields={"type": f"应为 {allowed} 之一"})
    moment = _require_aware(at, "at", "事件时间")
    present = (now or _utcnow()).astimezone(UTC)
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
    if type == "cancel" and not note:
        raise OperationError("取消工单必须填写原因", fields={"note": "请填写取消原因"})
    try:
        after = lifecycle.apply(timeline, lifecycle.Event(type, moment, note), now=present)  # type: ignore[arg-type]
    except lifecycle.TransitionError as exc:
        raise Conflict(exc.reason, fields={"type": exc.reason}) from exc
    event = TicketEvent(type=type, at=moment, note=note, user_id=user.id if user is not None else None)
    ticket.events.append(event)
    _refresh(ticket, after)
    db.session.flush()
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


def unlink_outage(ticket: Ticket, outage_id: int, *, commit: bool = True) -> None:
    ticket.outages[:] = [o for o in ticket.outages if o.id != outage_id]
    db.session.flush()
    if commit:
        db.session.commit()


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
    rating.rated_at = _utcnow()
    try:
        db.session.commit()
    except IntegrityError as exc:  # rated by someone else at the same moment
        db.session.rollback()
        raise Conflict("该工单刚刚已被评价，请刷新后再试") from exc
    return rating


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class Viewer:
    """Who reads: a unit user sees only its unit's tickets."""

    role: str
    unit_id: int | None = None
    user_id: int | None = None

    @property
    def unit_only(self) -> bool:
        return self.role == "unit"


def get_ticket(ticket_id: int, viewer: Viewer) -> Ticket:
    """A ticket the viewer may see; another unit's ticket is reported as not found so ids do not leak."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or (viewer.unit_only and ticket.unit_id != viewer.unit_id):
        raise NotFound(f"工单不存在：{ticket_id}")
    return ticket


@dataclass
class TicketFilter:
    status: str | None = None
    unit: str | None = None
    category: str | None = None
    priority: str | None = None
    deadline: str | None = None
    q: str | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None


def _due_first() -> Any:
    """The next deadline that matters: the response one until answered, then the resolution one."""
    return case(
        (Ticket.status.in_(DONE_STATUSES), None),
        (Ticket.first_response_at.is_(None), Ticket.response_due_at),
        else_=Ticket.resolution_due_at,
    )


def ticket_query(filters: TicketFilter, viewer: Viewer, now: datetime | None = None) -> Select[Any]:
    """Tickets matching the filters that the viewer may see, the most urgent first."""
    present = now or _utcnow()
    statement = select(Ticket)
    if viewer.unit_only:
        statement = statement.where(Ticket.unit_id == viewer.unit_id)
    if filters.status:
        if filters.status == "active":
            statement = statement.where(Ticket.status.in_(OPEN_STATUSES))
        else:
            statement = statement.where(Ticket.status == filters.status)
    if filters.unit:
        statement = statement.where(
            Ticket.unit_id == select(Unit.id).where(Unit.code == filters.unit).scalar_subquery()
        )
    if filters.category:
        statement = statement.where(Ticket.category == filters.category)
    if filters.priority:
        statement = statement.where(Ticket.priority == filters.priority)
    if filters.reported_from is not None:
        statement = statement.where(Ticket.reported_at >= filters.reported_from)
    if filters.reported_to is not None:
        statement = statement.where(Ticket.reported_at < filters.reported_to)
    if filters.q:
        pattern = f"%{filters.q.strip()}%"
        statement = statement.where(or_(Ticket.title.ilike(pattern), Ticket.number.ilike(pattern)))
    if filters.deadline:
        statement = statement.where(_deadline_condition(filters.deadline, present))
    nulls_last = case((_due_first().is_(None), 1), else_=0)
    return statement.order_by(nulls_last, _due_first(), Ticket.reported_at.desc(), Ticket.id.desc())


def _deadline_condition(state: str, now: datetime) -> Any:
    response_overdue = and_(
        Ticket.status.in_(("open",)), Ticket.first_response_at.is_(None), Ticket.response_due_at < now
    )
    # A paused ticket's clock stands still: it cannot fall overdue while it waits on the requester.
    resolution_overdue = and_(Ticket.status == "in_progress", Ticket.resolution_due_at < now)
    resolution_overdue = or_(resolution_overdue, and_(Ticket.status == "open", Ticket.resolution_due_at < now))
    if state == "response_overdue":
        return response_overdue
    if state == "resolution_overdue":
        return resolution_overdue
    if state == "overdue":
        return or_(response_overdue, resolution_overdue)
    soon = now + timedelta(hours=2)
    active = Ticket.status.in_(("open", "in_progress"))
    if state == "due_soon":
        return and_(active, _due_first() >= now, _due_first() < soon)
    if state == "on_track":
        return and_(Ticket.status.in_(OPEN_STATUSES), ~or_(response_overdue, resolution_overdue))
    raise OperationError(f"未知的时限状态：{state}", fields={"deadline": "未知的时限状态"})


def count_and_page(
    filters: TicketFilter, viewer: Viewer, page: int = 1, per_page: int = 50, now: datetime | None = None
) -> tuple[int, list[Ticket]]:
    """The total number of matches and one page of them, with units loaded."""
    statement = ticket_query(filters, viewer, now)
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    rows = db.session.scalars(
        statement.options(selectinload(Ticket.unit), selectinload(Ticket.contract).selectinload(Contract.terms))
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return int(total), list(rows)


def linked_outage_ids(ticket_ids: Sequence[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {tid: [] for tid in ticket_ids}
    if not ticket_ids:
        return found
    for ticket_id, outage_id in db.session.execute(
        select(outage_tickets.c.ticket_id, outage_tickets.c.outage_id).where(outage_tickets.c.ticket_id.in_(ticket_ids))
    ):
        found[ticket_id].append(outage_id)
    return found


# ---------------------------------------------------------------- views shared by the API and the pages


def _deadline_view(
    deadline: datetime, status: str, minutes: float | None, left: float | None, overdue: float | None
) -> dict[str, Any]:
    return {
        "deadline": deadline,
        "status": status,
        "status_label": {"met": "已达标", "breached": "已超时", "pending": "进行中"}[status],
        "elapsed_minutes": None if minutes is None else round(minutes, 2),
        "time_left_minutes": None if left is None else round(left, 2),
        "overdue_minutes": None if overdue is None else round(overdue, 2),
    }


def deadlines_view(ticket: Ticket, as_of: datetime | None = None) -> dict[str, Any] | None:
    """Each deadline of the ticket at ``as_of``: when, met or not, and how long is left (service minutes)."""
    try:
        sla = sla_of(ticket, as_of)
    except CalendarUnavailableError:
        return None
    return {
        "calendar": "workdays" if isinstance(calendar_of(ticket.contract), WorkingHours) else "7x24",
        "response": _deadline_view(
            sla.response_deadline,
            sla.response_status.value,
            sla.response_minutes,
            sla.response_time_left,
            sla.response_overdue_minutes,
        ),
        "resolution": _deadline_view(
            sla.resolution_deadline,
            sla.resolution_status.value,
            sla.resolution_minutes,
            sla.resolution_time_left,
            sla.resolution_overdue_minutes,
        ),
        "paused": ticket.status == "paused",
    }


def ticket_view(
    ticket: Ticket, *, as_of: datetime | None = None, detail: bool = False, outage_ids: list[int] | None = None
) -> dict[str, Any]:
    """A ticket as the API returns it; with ``detail`` its events and rating too."""
    view: dict[str, Any] = {
        "id": ticket.id,
        "number": ticket.number,
        "unit": ticket.unit.code,
        "unit_name": ticket.unit.name,
        "contract": ticket.contract.code if ticket.contract is not None else None,
        "category": ticket.category,
        "category_label": TICKET_CATEGORIES[ticket.category],
        "priority": ticket.priority,
        "channel": ticket.channel,
        "mode": ticket.mode,
        "title": ticket.title,
        "description": ticket.description,
        "requester": ticket.requester,
        "reported_at": ticket.reported_at,
        "status": ticket.status,
        "status_label": TICKET_STATUSES[ticket.status],
        "first_response_at": ticket.first_response_at,
        "resolved_at": ticket.resolved_at,
        "response_due_at": ticket.response_due_at,
        "resolution_due_at": ticket.resolution_due_at,
        "deadlines": deadlines_view(ticket, as_of),
        "outage_ids": sorted(o.id for o in ticket.outages) if outage_ids is None else outage_ids,
    }
    if detail:
        view["events"] = [
            {
                "id": e.id,
                "type": e.type,
                "type_label": TICKET_EVENTS[e.type],
                "at": e.at,
                "note": e.note,
                "user": e.user.username if e.user is not None else None,
                "recorded_at": e.recorded_at,
            }
            for e in ticket.events
        ]
        rating = rating_of(ticket)
        view["rating"] = (
            None if rating is None else {"score": rating.score, "comment": rating.comment, "rated_at": rating.rated_at}
        )
    return view
