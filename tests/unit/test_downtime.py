"""System downtime, unknown time, waiting/repair time and major faults (SPEC section 4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slatrack.measure.downtime import (
    OutageLink,
    OutageSpan,
    WaitRepairRow,
    major_faults,
    system_downtime,
    system_unknown,
    wait_and_repair,
)
from slatrack.measure.intervals import Interval, total_minutes

T0 = datetime(2025, 5, 1, tzinfo=UTC)  # minute 0 is 2025-05-01 00:00 UTC
DAY = Interval(T0, T0 + timedelta(days=1))


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def iv(start: float, end: float) -> Interval:
    return Interval(at(start), at(end))


def test_critical_and_manual_outages_are_merged() -> None:
    # Critical [60,120) and [100,150), manual [140,200) and [300,310): union [60,200) + [300,310) = 150 min.
    result = system_downtime(
        [OutageSpan(iv(60, 120)), OutageSpan(iv(100, 150))],
        [OutageSpan(iv(140, 200)), OutageSpan(iv(300, 310))],
        [],
        DAY,
    )
    assert result.intervals == (iv(60, 200), iv(300, 310))
    assert (result.downtime_minutes, result.maintenance_minutes, result.excluded_minutes) == (150.0, 0.0, 0.0)


def test_maintenance_window_inside_an_outage() -> None:
    # Outage [600,720) (10:00-12:00), approved maintenance [630,660): downtime [600,630) + [660,720) = 90,
    # maintenance 30.
    result = system_downtime([OutageSpan(iv(600, 720))], [], [iv(630, 660)], DAY)
    assert result.intervals == (iv(600, 630), iv(660, 720))
    assert (result.downtime_minutes, result.maintenance_minutes, result.excluded_minutes) == (90.0, 30.0, 0.0)
    assert result.gross_minutes == 120.0


def test_exclusion_and_overlap_with_maintenance_counted_once() -> None:
    # Outage [600,720) with exclusion [660,720); maintenance [630,690).
    # Maintenance removes [630,690) = 60. Left: [600,630) + [690,720). The exclusion removes [690,720) = 30
    # ([660,690) is both and counts under maintenance). Downtime [600,630) = 30. 30 + 60 + 30 = 120 gross.
    result = system_downtime([OutageSpan(iv(600, 720), (iv(660, 720),))], [], [iv(630, 690)], DAY)
    assert result.intervals == (iv(600, 630),)
    assert (result.downtime_minutes, result.maintenance_minutes, result.excluded_minutes) == (30.0, 60.0, 30.0)


def test_exclusion_belongs_to_its_own_outage() -> None:
    # Target A's outage [600,660) is excluded whole (false alarm); target B's [630,690) is not.
    # Downtime = B = [630,690) = 60; excluded = A's time not covered by B = [600,630) = 30.
    result = system_downtime([OutageSpan(iv(600, 660), (iv(600, 660),)), OutageSpan(iv(630, 690))], [], [], DAY)
    assert result.intervals == (iv(630, 690),)
    assert (result.downtime_minutes, result.excluded_minutes) == (60.0, 30.0)


def test_downtime_is_clipped_to_the_window() -> None:
    # Outage from the previous day [-120, 60); window is the day [0, 1440): downtime [0, 60) = 60.
    result = system_downtime([OutageSpan(iv(-120, 60))], [], [], DAY)
    assert result.intervals == (iv(0, 60),)
    assert result.gross_minutes == 60.0


def test_system_unknown_is_union_of_unknown_less_downtime() -> None:
    # Target A unknown [0,30), target B unknown [20,50) and [100,110); downtime [40,105).
    # Union [0,50) + [100,110) less [40,105) = [0,40) + [105,110) = 45 minutes.
    unknown = system_unknown([[iv(0, 30)], [iv(20, 50), iv(100, 110)]], [iv(40, 105)], DAY)
    assert unknown == [iv(0, 40), iv(105, 110)]
    assert total_minutes(unknown) == 45.0


def test_two_linked_tickets_earliest_response_wins() -> None:
    # Downtime [600,720). Tickets answered at 640 and 620: repair starts at 620. wait 20, repair 100.
    result = wait_and_repair([iv(600, 720)], [OutageLink(iv(600, 720), (at(640), at(620)))])
    assert result.rows == (WaitRepairRow(at(600), at(720), at(620), 20.0, 100.0),)
    assert (result.wait_minutes, result.repair_minutes) == (20.0, 100.0)


def test_no_response_at_all_is_all_waiting() -> None:
    # Downtime [600,660), its ticket unanswered: wait 60, repair 0.
    result = wait_and_repair([iv(600, 660)], [OutageLink(iv(600, 660), (None,))])
    assert result.rows == (WaitRepairRow(at(600), at(660), None, 60.0, 0.0),)
    # An outage with no ticket linked at all: the same.
    assert wait_and_repair([iv(600, 660)], []).wait_minutes == 60.0


def test_outage_starting_before_the_period() -> None:
    # The outage ran [-60, 60); the period's downtime is [0, 60). The ticket was answered at -30: clamped
    # into the interval, so repair starts at 0: wait 0, repair 60.
    downtime = system_downtime([OutageSpan(iv(-60, 60))], [], [], DAY)
    result = wait_and_repair(list(downtime.intervals), [OutageLink(iv(-60, 60), (at(-30),))])
    assert result.rows == (WaitRepairRow(at(0), at(60), at(0), 0.0, 60.0),)


def test_response_after_the_interval_is_clamped_to_its_end() -> None:
    # Downtime [0,30) (maintenance took the rest of the outage); the answer came at 45: all waiting.
    result = wait_and_repair([iv(0, 30)], [OutageLink(iv(0, 60), (at(45),))])
    assert (result.wait_minutes, result.repair_minutes) == (30.0, 0.0)
    assert result.rows[0].repair_start == at(30)


def test_merged_interval_uses_tickets_of_every_overlapping_outage() -> None:
    # Outages [0,60) (ticket answered at 50) and [40,100) (answered at 45) merge into [0,100): repair from 45.
    # A third outage [200,230) with its own answer at 210 is a separate interval: wait 10, repair 20.
    links = [
        OutageLink(iv(0, 60), (at(50),)),
        OutageLink(iv(40, 100), (None, at(45))),
        OutageLink(iv(200, 230), (at(210),)),
    ]
    result = wait_and_repair([iv(0, 100), iv(200, 230)], links)
    assert [row.repair_start for row in result.rows] == [at(45), at(210)]
    assert (result.wait_minutes, result.repair_minutes) == (55.0, 75.0)


def test_major_faults() -> None:
    # In the day [0,1440): 5 h outage from 60 -> major; exactly 4 h from 600 -> not (longer than 4 h only);
    # 6 h outage starting the day before -> attributed to the day before; 5 h starting at 1400 -> major.
    outages = [iv(60, 360), iv(600, 840), iv(-200, 160), iv(1400, 1700)]
    assert major_faults(outages, DAY) == [iv(60, 360), iv(1400, 1700)]
    assert len(major_faults(outages, DAY, threshold_minutes=300)) == 0


# --- properties -------------------------------------------------------------------------------------------

span = st.tuples(st.integers(0, 200), st.integers(1, 60)).map(lambda p: iv(p[0], p[0] + p[1]))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(span, st.lists(span, max_size=2)), max_size=6),
    st.lists(span, max_size=3),
    st.integers(0, 100),
    st.integers(0, 200),
    st.lists(st.one_of(st.none(), st.integers(-20, 280)), max_size=6),
)
def test_removals_and_wait_repair_add_up(
    outages: list[tuple[Interval, list[Interval]]],
    maintenance: list[Interval],
    start: int,
    length: int,
    responses: list[int | None],
) -> None:
    window = iv(start, start + length)
    spans = [OutageSpan(outage, tuple(exclusions)) for outage, exclusions in outages]
    result = system_downtime(spans, [], maintenance, window)
    assert result.downtime_minutes + result.maintenance_minutes + result.excluded_minutes == pytest.approx(
        result.gross_minutes
    )
    assert result.gross_minutes == total_minutes(
        Interval(max(o.start, window.start), min(o.end, window.end)) for o, _ in outages if o.overlaps(window)
    )
    assert total_minutes(result.intervals) == result.downtime_minutes
    links = [
        OutageLink(outage, tuple(None if r is None else at(r) for r in responses[i::3]))
        for i, (outage, _) in enumerate(outages)
    ]
    split = wait_and_repair(list(result.intervals), links)
    assert split.wait_minutes + split.repair_minutes == pytest.approx(result.downtime_minutes)
    for row in split.rows:
        assert row.wait_minutes >= 0 and row.repair_minutes >= 0
        assert row.wait_minutes + row.repair_minutes == pytest.approx((row.end - row.start).total_seconds() / 60)
