"""Entering a year's holiday arrangement: store it, then recompute the stored deadlines of the tickets on a
working-days contract that it may move (those reported from December of the year before to the year's end)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select

from slatrack.clock import local_zone
from slatrack.extensions import db
from slatrack.measure.holidays import HolidayDay
from slatrack.models import Contract, HolidayCalendar, Ticket, User
from slatrack.operations import OperationError
from slatrack.operations.reference.holidays import forget_holiday_table, store_calendar
from slatrack.operations.tickets.state import refresh_counted


def save_calendar(year: int, days: list[HolidayDay], note: Any, user: User | None) -> HolidayCalendar:
    try:
        calendar = store_calendar(year, days, note, user)
        refresh_deadlines(year)
    except OperationError:
        db.session.rollback()  # all or nothing: the arrangement and the deadlines it moves
        forget_holiday_table()
        raise
    db.session.commit()
    return calendar


def refresh_deadlines(year: int) -> int:
    """Bring the stored deadlines of working-days tickets whose deadlines may fall in ``year`` in step."""
    start = datetime.combine(date(year - 1, 12, 1), time(), local_zone())
    end = datetime.combine(date(year + 1, 1, 1), time(), local_zone())
    tickets = db.session.scalars(
        select(Ticket)
        .join(Contract, Contract.id == Ticket.contract_id)
        .where(Contract.calendar == "workdays", Ticket.reported_at >= start, Ticket.reported_at < end)
    ).all()
    for ticket in tickets:
        refresh_counted(ticket)
    return len(tickets)
