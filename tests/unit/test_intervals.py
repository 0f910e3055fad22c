"""Half-open interval arithmetic, by hand and against a minute-set model (hypothesis)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slatrack.measure.intervals import (
    Interval,
    clip,
    intersect,
    minutes,
    normalize,
    subtract,
    total_duration,
    total_minutes,
    union,
)

T0 = datetime(2025, 5, 1, tzinfo=UTC)


def at(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


def iv(start: int, end: int) -> Interval:
    return Interval(at(start), at(end))


def test_interval_rejects_naive_and_reversed() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Interval(datetime(2025, 5, 1), at(1))  # noqa: DTZ001 - the naive datetime is the point
    with pytest.raises(ValueError, match="ends before it starts"):
        iv(5, 4)
    assert iv(3, 3).minutes == 0.0


def test_normalize_merges_overlapping_and_touching_and_drops_empty() -> None:
    # [0,10) and [5,12) overlap; [12,15) touches [5,12); [20,20) is empty; [30,40) stands alone.
    assert normalize([iv(30, 40), iv(12, 15), iv(0, 10), iv(20, 20), iv(5, 12)]) == [iv(0, 15), iv(30, 40)]


def test_union_of_groups() -> None:
    assert union([iv(0, 5)], [iv(3, 8), iv(10, 11)], []) == [iv(0, 8), iv(10, 11)]


def test_intersect() -> None:
    # [0,10) ∩ ([2,4) ∪ [8,20)) = [2,4) ∪ [8,10); [30,40) ∩ [35,50) = [35,40).
    assert intersect([iv(0, 10), iv(30, 40)], [iv(8, 20), iv(2, 4), iv(35, 50)]) == [iv(2, 4), iv(8, 10), iv(35, 40)]
    # Touching pieces of the right-hand list come back merged.
    assert intersect([iv(0, 10)], [iv(2, 5), iv(5, 7)]) == [iv(2, 7)]
    assert intersect([iv(0, 10)], [iv(10, 20)]) == []


def test_subtract() -> None:
    # [0,60) less [10,20), [15,30), [50,70) = [0,10) ∪ [30,50).
    assert subtract([iv(0, 60)], [iv(50, 70), iv(10, 20), iv(15, 30)]) == [iv(0, 10), iv(30, 50)]
    # One remover spanning two kept intervals.
    assert subtract([iv(0, 10), iv(20, 30)], [iv(5, 25)]) == [iv(0, 5), iv(25, 30)]
    assert subtract([iv(0, 10)], [iv(0, 10)]) == []
    assert subtract([iv(0, 10)], []) == [iv(0, 10)]


def test_clip_and_totals() -> None:
    # Clipping [-30,30) and [50,100) to [0,60) leaves 30 + 10 minutes.
    clipped = clip([iv(-30, 30), iv(50, 100)], iv(0, 60))
    assert clipped == [iv(0, 30), iv(50, 60)]
    assert total_minutes(clipped) == 40.0
    # Overlaps count once: [0,10) ∪ [5,15) is 15 minutes.
    assert total_minutes([iv(0, 10), iv(5, 15)]) == 15.0
    assert total_duration([]) == timedelta(0)


def test_minutes_is_exact_for_microseconds() -> None:
    assert minutes(timedelta(days=1, seconds=30, microseconds=600_000)) == pytest.approx(1440.51)
    assert minutes(timedelta(seconds=-60)) == -1.0


def test_aware_datetimes_in_other_zones_compare_by_instant() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    local = Interval(datetime(2025, 5, 1, 8, 0, tzinfo=shanghai), datetime(2025, 5, 1, 9, 0, tzinfo=shanghai))
    # 08:00-09:00 Shanghai is 00:00-01:00 UTC; ∩ [00:30, 02:00) UTC = 30 minutes.
    assert total_minutes(intersect([local], [iv(30, 120)])) == 30.0


# --- property tests against a model: a set of whole minutes -------------------------------------------

spans = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 15)).map(lambda p: iv(p[0], p[0] + p[1])), max_size=8)


def minute_set(intervals: list[Interval]) -> set[int]:
    return {
        minute
        for interval in intervals
        for minute in range(
            int((interval.start - T0) / timedelta(minutes=1)), int((interval.end - T0) / timedelta(minutes=1))
        )
    }


def assert_normalized(intervals: list[Interval]) -> None:
    for interval in intervals:
        assert interval.start < interval.end
    for left, right in itertools.pairwise(intervals):
        assert left.end < right.start  # sorted, disjoint, not touching


@given(spans)
def test_normalize_matches_model(a: list[Interval]) -> None:
    result = normalize(a)
    assert_normalized(result)
    assert minute_set(result) == minute_set(a)
    assert total_minutes(a) == len(minute_set(a))


@given(spans, spans)
def test_intersect_matches_model(a: list[Interval], b: list[Interval]) -> None:
    result = intersect(a, b)
    assert_normalized(result)
    assert minute_set(result) == minute_set(a) & minute_set(b)


@given(spans, spans)
def test_subtract_matches_model(a: list[Interval], b: list[Interval]) -> None:
    result = subtract(a, b)
    assert_normalized(result)
    assert minute_set(result) == minute_set(a) - minute_set(b)


@given(spans, st.integers(0, 70), st.integers(0, 20))
def test_clip_matches_model(a: list[Interval], start: int, length: int) -> None:
    window = iv(start, start + length)
    result = clip(a, window)
    assert_normalized(result)
    assert minute_set(result) == minute_set(a) & set(range(start, start + length))
