"""Figure snapshots: the settled tallies come back after a restart, and a planted pickle runs no code."""

from __future__ import annotations

import pickle
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from slatrack.audit import acting_as
from slatrack.measure.periods import year_period
from slatrack.operations.figures.cache import CACHE
from slatrack.operations.figures.sla import measure_period
from slatrack.operations.tickets.lifecycle import create_ticket, record_event

TODAY = datetime.now(UTC).replace(hour=1, minute=0, second=0, microsecond=0)
REPORTED = TODAY - timedelta(days=3)


def _snapshots_written() -> None:
    for thread in threading.enumerate():
        if thread.name == "figures-snapshot":
            thread.join()


def _settled_ticket() -> None:
    with acting_as("test"):
        ticket = create_ticket(unit_code="522701", category="fault", priority="P2", channel="电话", mode="远程",
                               title="门户打不开", reported_at=REPORTED)  # fmt: skip
        record_event(ticket, "respond", REPORTED + timedelta(minutes=10))
        record_event(ticket, "resolve", REPORTED + timedelta(hours=1))
        record_event(ticket, "close", REPORTED + timedelta(hours=2))


def test_the_settled_tallies_come_back_with_the_snapshot(app: Flask) -> None:
    app.config["LATE_ENTRY_GRACE_MINUTES"] = 60 * 24 * 30
    _settled_ticket()
    period = year_period(TODAY.year)
    CACHE.clear()
    before = measure_period(period, TODAY).as_json()
    _snapshots_written()
    CACHE.clear(snapshots=False)  # a restart
    entry = CACHE.get(period)
    assert entry.persisted
    tallies, _ = entry.sums.state()
    assert any(tally.members for tally, _figures in tallies.values())  # the settled ticket is tallied already
    assert measure_period(period, TODAY).as_json() == before
    later = TODAY + timedelta(hours=5)
    assert measure_period(period, later).as_json() == _fresh(period, later)


def _fresh(period, as_of):  # type: ignore[no-untyped-def]
    CACHE.clear()
    return measure_period(period, as_of).as_json()


class _Planted:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.path,))

    def __init__(self, path: Path) -> None:
        self.path = path


def test_a_planted_pickle_is_refused_without_running_anything(app: Flask, tmp_path: Path) -> None:
    period = year_period(TODAY.year)
    CACHE.clear()
    expected = measure_period(period, TODAY).as_json()
    _snapshots_written()
    (path,) = (Path(app.instance_path) / "figures").glob("*.snapshot")
    marker = tmp_path / "ran"
    path.write_bytes(pickle.dumps(_Planted(marker), protocol=5))
    CACHE.clear(snapshots=False)
    assert not CACHE.get(period).persisted  # refused: read from the records
    assert not marker.exists()
    assert measure_period(period, TODAY).as_json() == expected


def test_the_loader_builds_only_the_engines_own_classes() -> None:
    import io

    from slatrack.operations.figures.snapshot import _Loader

    for module, name in (("os", "system"), ("subprocess", "Popen"), ("builtins", "eval"),
                         ("slatrack.measure.sums", "threading"), ("slatrack.measure.tickets", "Counter"),
                         ("slatrack.measure.sla", "compute_sla"), ("pathlib", "Path")):  # fmt: skip
        with pytest.raises(pickle.UnpicklingError):
            _Loader(io.BytesIO(b"")).find_class(module, name)
    assert _Loader(io.BytesIO(b"")).find_class("slatrack.measure.segments", "Segment").__name__ == "Segment"


def test_working_hours_terms_and_their_zone_come_back() -> None:
    from datetime import date

    from slatrack.measure.calendars import HolidayTable, WorkingHours, weekday_workday
    from slatrack.measure.deadlines import SlaTerms
    from slatrack.operations.figures.snapshot import dumps, loads

    table = HolidayTable(frozenset({2025}), frozenset({date(2025, 10, 1)}), frozenset({date(2025, 9, 28)}))
    for calendar in (WorkingHours(tz="Asia/Shanghai", is_workday=table), WorkingHours(is_workday=weekday_workday)):
        terms = SlaTerms(calendar=calendar)
        start = datetime(2025, 9, 30, 1, tzinfo=UTC)
        calendar.minutes_between(start, start + timedelta(days=3))  # fills its caches
        restored = loads(dumps(terms))
        assert restored == terms
        moment = restored.calendar.add_minutes(start, 600)
        assert moment == calendar.add_minutes(start, 600)
