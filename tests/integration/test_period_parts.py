"""A part of a year measured on the year's records equals the part measured on its own records."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Flask

from slatrack.measure.periods import Period, month_period, period_from_dates, quarter_period
from slatrack.measure.sla import compute_sla
from slatrack.operations.figures.cache import CACHE
from slatrack.operations.figures.loading import load_inputs
from slatrack.operations.figures.sla import measure_period
from slatrack.operations.tickets.lifecycle import create_ticket, record_event

CST = timezone(timedelta(hours=8))
AS_OF = datetime(2025, 12, 20, tzinfo=CST)


def _ticket(reported: datetime, respond_after: timedelta | None, category: str = "consult") -> None:
    ticket = create_ticket(unit_code="522701", category=category, priority="P3", channel="电话", mode="远程",
                           title="测试", reported_at=reported)  # fmt: skip
    if respond_after is not None:
        record_event(ticket, "respond", reported + respond_after)
        record_event(ticket, "resolve", reported + respond_after * 3)


def test_quarters_months_and_dates_from_the_years_records(app: Flask) -> None:
    # Tickets on both sides of quarter and month borders and of the contracts' border (04-13/04-14).
    for day in (datetime(2025, 3, 31, 23, 50, tzinfo=CST), datetime(2025, 4, 13, 23, 0, tzinfo=CST),
                datetime(2025, 4, 30, 23, 59, tzinfo=CST), datetime(2025, 6, 30, 22, 0, tzinfo=CST),
                datetime(2025, 9, 30, 23, 0, tzinfo=CST), datetime(2025, 12, 19, 9, 0, tzinfo=CST)):  # fmt: skip
        _ticket(day, timedelta(minutes=20))
        _ticket(day + timedelta(minutes=5), timedelta(hours=5), "fault")
        _ticket(day + timedelta(minutes=7), None)
    periods: list[Period] = [quarter_period(f"2025Q{n}") for n in range(1, 5)]
    periods += [month_period(f"2025-{m:02d}") for m in (3, 4, 6, 12)]
    periods.append(period_from_dates("2025-04-10", "2025-05-02"))
    CACHE.clear()
    for period in periods:
        own = compute_sla(load_inputs(period), period, AS_OF)
        assert measure_period(period, AS_OF) == own, period
