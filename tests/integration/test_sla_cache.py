"""The input cache refreshes exactly what changed: every figure equals a measurement from scratch."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Flask

from slatrack.extensions import db
from slatrack.measure.periods import quarter_period
from slatrack.models import Contract, Outage, SlaTerm, Target
from slatrack.operations.figures.cache import CACHE
from slatrack.operations.figures.sla import measure_period
from slatrack.operations.tickets.lifecycle import create_ticket, record_event

CST = timezone(timedelta(hours=8))
AS_OF = datetime(2025, 7, 1, tzinfo=CST)


def _fresh() -> dict:  # type: ignore[type-arg]
    CACHE.clear()
    return measure_period(quarter_period("2025Q2"), AS_OF).as_json()


def _cached() -> dict:  # type: ignore[type-arg]
    return measure_period(quarter_period("2025Q2"), AS_OF).as_json()


def _ticket(day: int, category: str = "consult"):  # type: ignore[no-untyped-def]
    return create_ticket(
        unit_code="522701", category=category, priority="P3", channel="电话", mode="远程",
        title="测试", reported_at=datetime(2025, 5, day, 9, tzinfo=CST),
    )  # fmt: skip


def test_each_kind_of_change_is_seen(app: Flask) -> None:
    first = _ticket(5)
    record_event(first, "respond", datetime(2025, 5, 5, 9, 10, tzinfo=CST), now=AS_OF)
    assert _cached() == _fresh()
    baseline = _cached()
    assert baseline["tickets"] == 1 and baseline["responded_in_time"] == 1

    second = _ticket(6)  # a new ticket
    assert _cached()["tickets"] == 2
    record_event(second, "respond", datetime(2025, 5, 6, 10, tzinfo=CST), now=AS_OF)  # a late response
    cached = _cached()
    assert cached["breached"] == 1 and cached == _fresh()

    record_event(first, "resolve", datetime(2025, 5, 5, 9, 30, tzinfo=CST), now=AS_OF)
    record_event(first, "close", datetime(2025, 5, 5, 10, tzinfo=CST), now=AS_OF)
    assert _cached() == _fresh()

    # Contract terms change: the settled-ticket memo must not outlive them.
    term = db.session.query(SlaTerm).join(Contract).filter(Contract.code == "OM-2025", SlaTerm.priority == "P3").one()
    term.response_minutes = 5
    db.session.commit()
    cached = _cached()
    assert cached["breached"] == 2 and cached == _fresh()


def test_linking_a_ticket_to_an_outage_is_seen(app: Flask) -> None:
    target = Target(
        name="门户", kind="http", url="http://127.0.0.1:9/", critical=True, in_process=False,
        monitored_since=datetime(2025, 4, 1, tzinfo=CST),
    )  # fmt: skip
    db.session.add(target)
    db.session.flush()
    outage = Outage(
        target_id=target.id, source="manual", start=datetime(2025, 5, 7, 8, tzinfo=CST),
        end=datetime(2025, 5, 7, 9, tzinfo=CST), cause="机房断电",
    )  # fmt: skip
    db.session.add(outage)
    db.session.commit()
    ticket = create_ticket(
        unit_code="522700", category="fault", priority="P1", channel="系统", mode="远程",
        title="断电", reported_at=datetime(2025, 5, 7, 8, tzinfo=CST),
    )  # fmt: skip
    record_event(ticket, "respond", datetime(2025, 5, 7, 8, 20, tzinfo=CST), now=AS_OF)
    before = _cached()
    assert (before["wait_minutes"], before["repair_minutes"]) == (60, 0)  # no linked ticket: all waiting
    outage.tickets.append(ticket)  # only the association table changes
    db.session.commit()
    after = _cached()
    assert (after["wait_minutes"], after["repair_minutes"]) == (20, 40)
    assert after == _fresh()
