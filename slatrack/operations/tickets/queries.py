"""Reading tickets: one ticket as a viewer may see it, filtered and paged lists, linked outages, and the
views (deadlines, fields) shared by the API and the pages. Unit users only see their own unit's tickets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from slatrack.clock import utcnow
from slatrack.extensions import db
from slatrack.measure.calendars import CalendarUnavailableError, WorkingHours
from slatrack.models import (
    Contract,
    Ticket,
    Unit,
    outage_tickets,
)
from slatrack.models.enums import TICKET_CATEGORIES, TICKET_EVENTS, TICKET_STATUSES
from slatrack.operations import NotFound, OperationError
from slatrack.operations.tickets import late_entries
from slatrack.operations.tickets.lifecycle import DONE_STATUSES, OPEN_STATUSES, rating_of, sla_of
from slatrack.operations.tickets.terms import calendar_of

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
    present = now or utcnow()
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
        "suggested_priority": ticket.suggested_priority,
        "priority_confirmed": ticket.priority_confirmed_at is not None,
        "priority_reason": ticket.priority_reason or "",
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
        report_late, late = late_entries.statuses_of(ticket.id)
        view["reported_late"] = None if report_late is None else late_entries.late_view(report_late[0])
        view["events"] = [
            {
                "id": e.id,
                "type": e.type,
                "type_label": TICKET_EVENTS[e.type],
                "at": e.at,
                "note": e.note,
                "user": e.user.username if e.user is not None else None,
                "recorded_at": e.recorded_at,
                "late": late_entries.late_view(late[e.id]) if e.id in late else None,
            }
            for e in ticket.events
        ]
        rating = rating_of(ticket)
        view["rating"] = (
            None if rating is None else {"score": rating.score, "comment": rating.comment, "rated_at": rating.rated_at}
        )
    return view
