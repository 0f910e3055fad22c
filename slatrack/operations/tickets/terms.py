"""A ticket's contract terms (response and resolution windows on the contract's calendar) and its number
(YW-2025-0001), kept unique per year by the TicketSequence counter.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from slatrack.extensions import db
from slatrack.measure.calendars import AlwaysOn, Calendar, HolidayTable, WorkingHours
from slatrack.measure.deadlines import (
    DEFAULT_RESOLUTION_MINUTES,
    DEFAULT_RESPONSE_MINUTES,
    SlaTerms,
)
from slatrack.models import (
    Contract,
    TicketSequence,
)
from slatrack.operations import Conflict
from slatrack.operations.reference.holidays import holiday_table

# ---------------------------------------------------------------- contract terms

NUMBER_PREFIX = "YW"


@lru_cache(maxsize=16)
def _working_hours(tz: str, table: HolidayTable) -> WorkingHours:
    # One instance per zone and holiday table: it caches day windows and working-day counts across tickets.
    return WorkingHours(tz=tz, is_workday=table)


def calendar_of(contract: Contract | None) -> Calendar:
    """7×24, or working hours on China's working days with the bureau's entered holiday arrangements."""
    if contract is not None and contract.calendar == "workdays":
        return _working_hours(contract.timezone or "Asia/Shanghai", holiday_table())
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
