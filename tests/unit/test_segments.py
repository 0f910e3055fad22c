"""Building state segments from check results, at once and incrementally (late, out of order, pruned)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slatrack.measure.evidence import evaluate
from slatrack.measure.segments import (
    FAIL,
    MAX_CONFIRM_FAILURES,
    UP,
    Observation,
    Segment,
    SegmentChanges,
    affected_span,
    build_segments,
    resegment,
    segment_changes,
)

T0 = datetime(2025, 5, 1, tzinfo=UTC)
INTERVAL = 60  # seconds; results hold 2 minutes at most


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def obs(minute: float, ok: bool) -> Observation:
    return Observation(at(minute), ok)


def sequence(pattern: str, start: int = 0) -> list[Observation]:
    """One result a minute: 'o' success, 'x' failure, '.' no result."""
    return [obs(start + i, char == "o") for i, char in enumerate(pattern) if char != "."]


def test_merges_runs_and_splits_on_gaps() -> None:
    # o o x x x . . . o : successes 0,1 hold [0,2); failures 2,3,4 hold [2,5) and the last until 4+2=6;
    # unknown [6,8); success 8 holds until 10.
    assert build_segments(sequence("ooxxx...o"), INTERVAL) == [
        Segment(UP, at(0), at(2), 2),
        Segment(FAIL, at(2), at(6), 3, (at(2), at(3), at(4))),
        Segment(UP, at(8), at(10), 1),
    ]


def test_result_exactly_at_stale_instant_leaves_no_gap() -> None:
    # Success at 0 holds until 2; a success at exactly 2 continues the same segment.
    assert build_segments([obs(0, True), obs(2, True)], INTERVAL) == [Segment(UP, at(0), at(4), 2)]
    # At 2.5 there is a half-minute gap [2, 2.5).
    assert build_segments([obs(0, True), obs(2.5, True)], INTERVAL) == [
        Segment(UP, at(0), at(2), 1),
        Segment(UP, at(2.5), at(4.5), 1),
    ]


def test_arrival_order_and_duplicates_do_not_matter() -> None:
    results = sequence("oxxxoo.x")
    shuffled = [*results, *results[:3]]
    random.Random(7).shuffle(shuffled)
    assert build_segments(shuffled, INTERVAL) == build_segments(results, INTERVAL)


def test_success_wins_over_failure_at_the_same_instant() -> None:
    # Failures at 1, 2, 3 and a success at 2 too: the instant 2 counts as one success, so the
    # failures at 1 and 3 are two separate one-member runs.
    segments = build_segments([*sequence("xxx", start=1), obs(2, True)], INTERVAL)
    assert [(s.state, s.start, s.end, s.count) for s in segments] == [
        (FAIL, at(1), at(2), 1),
        (UP, at(2), at(3), 1),
        (FAIL, at(3), at(5), 1),
    ]


def test_times_in_other_zones_are_stored_in_utc() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    [segment] = build_segments([Observation(datetime(2025, 5, 1, 8, 0, tzinfo=shanghai), True)], INTERVAL)
    assert segment.start == T0 and segment.start.tzinfo is UTC


def test_lead_keeps_only_the_first_failures() -> None:
    [segment] = build_segments(sequence("x" * 25), INTERVAL)
    assert segment.count == 25
    assert segment.lead == tuple(at(i) for i in range(MAX_CONFIRM_FAILURES))
    with pytest.raises(ValueError, match="lead"):
        Segment(FAIL, at(0), at(1), 2, (at(0),))


def test_late_success_closes_an_outage() -> None:
    # First delivery: success 0, failures 1-4, success 7. Failure 4 holds until 6: outage [1,6), gap [6,7).
    first = [obs(0, True), *sequence("xxxx", start=1), obs(7, True)]
    stored = build_segments(first, INTERVAL)
    assert [(s.state, s.start, s.end) for s in stored] == [
        (UP, at(0), at(1)),
        (FAIL, at(1), at(6)),
        (UP, at(7), at(9)),
    ]
    # The success at 5 arrives late: failure 4 now holds until 5, and success 5 joins success 7.
    late = [obs(5, True)]
    start, end = affected_span(stored, late)
    assert (start, end) == (at(5), at(7))
    retained = [o for o in first if start <= o.observed_at < end]  # none: nothing stored in [5, 7)
    updated = resegment(stored, late, retained, INTERVAL, retained_since=at(0))
    assert updated == build_segments([*first, *late], INTERVAL)
    assert [(s.state, s.start, s.end, s.count) for s in updated] == [
        (UP, at(0), at(1), 1),
        (FAIL, at(1), at(5), 4),
        (UP, at(5), at(9), 2),
    ]
    assert updated[0] is stored[0]  # untouched segments are kept as they were


def test_late_failure_splits_a_long_up_segment_whose_start_was_pruned() -> None:
    # 100 minutes of successes; raw results before minute 90 are pruned. A failure at 95 arrives late.
    history = sequence("o" * 100)
    stored = build_segments(history, INTERVAL)
    retained = [o for o in history if o.observed_at >= at(90)]
    updated = resegment(stored, [obs(95, False)], retained, INTERVAL, retained_since=at(90))
    # Same-instant rule: the stored success at 95 wins over the late failure, so nothing changes.
    assert updated == stored
    # A failure at 95.5 (between two successes) splits the segment: 96 successes before, 4 after.
    updated = resegment(stored, [obs(95.5, False)], retained, INTERVAL, retained_since=at(90))
    assert [(s.state, s.start, s.end, s.count) for s in updated] == [
        (UP, at(0), at(95.5), 96),
        (FAIL, at(95.5), at(96), 1),
        (UP, at(96), at(101), 4),
    ]
    assert updated == build_segments([*history, obs(95.5, False)], INTERVAL)


def test_results_older_than_the_retained_raw_results_are_refused() -> None:
    stored = build_segments(sequence("oooo"), INTERVAL)
    with pytest.raises(ValueError, match="older than the retained raw results"):
        resegment(stored, [obs(1.5, False)], [], INTERVAL, retained_since=at(2))


def test_retained_results_counted_twice_are_detected() -> None:
    stored = build_segments(sequence("oooo"), INTERVAL)
    # Passing the batch itself among the retained results (and too many of them) breaks the count.
    wrong = [*sequence("oooo"), obs(1.5, True), obs(2.5, True), obs(3.5, True)]
    with pytest.raises(ValueError, match="counted twice"):
        resegment(stored, [obs(0.5, False)], wrong, INTERVAL, retained_since=at(0))


def test_resending_a_batch_changes_nothing() -> None:
    results = sequence("ooxxxoo")
    stored = build_segments(results, INTERVAL)
    assert resegment(stored, results[2:4], results, INTERVAL, retained_since=at(0)) == stored
    assert resegment(stored, [], results, INTERVAL, retained_since=at(0)) == stored


def test_segment_changes_leave_head_and_tail_alone() -> None:
    # o o o . . . o o o . . . x x x: segments [0,4), [6,10), [12,16). A late success at 3 extends the
    # first segment to [0, 5) with 4 members (3 + 2 = 5, before the next result at 6): only it changes.
    results = sequence("ooo...ooo...xxx")
    stored = build_segments(results, INTERVAL)
    updated = resegment(stored, [obs(3, True)], results, INTERVAL, retained_since=at(0))
    changes = segment_changes(stored, updated)
    assert changes.removed == (Segment(UP, at(0), at(4), 3),)
    assert changes.added == (Segment(UP, at(0), at(5), 4),)
    assert segment_changes(stored, stored) == SegmentChanges((), ())


def test_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="interval_seconds"):
        build_segments(sequence("o"), 0)


# --- property: any arrival order and batching gives the segments of all results at once ---------------

results_strategy = st.lists(st.tuples(st.integers(0, 400), st.booleans()), min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(results_strategy, st.randoms(use_true_random=False), st.integers(1, 6), st.booleans())
def test_incremental_equals_all_at_once(
    raw: list[tuple[int, bool]], rng: random.Random, batches: int, exact_span: bool
) -> None:
    interval = 10  # seconds, so results hold 20 s
    observations = [Observation(T0 + timedelta(seconds=s), ok) for s, ok in raw]
    arrival = observations[:]
    rng.shuffle(arrival)
    cuts = sorted(rng.sample(range(1, len(arrival)), min(batches - 1, len(arrival) - 1)))
    stored: list[Segment] = []
    received: list[Observation] = []
    for batch in (arrival[i:j] for i, j in zip([0, *cuts], [*cuts, len(arrival)], strict=True)):
        earliest = min(o.observed_at for o in batch)
        # The retention horizon lies anywhere at or before the batch; older raw results are pruned.
        retained_since = earliest - timedelta(seconds=rng.randint(0, 60))
        if exact_span:
            start, end = affected_span(stored, batch)
            retained = [o for o in received if start <= o.observed_at and (end is None or o.observed_at < end)]
        else:
            retained = [o for o in received if o.observed_at >= retained_since]
        updated = resegment(stored, batch, retained, interval, retained_since)
        changes = segment_changes(stored, updated)
        kept = [segment for segment in stored if segment not in changes.removed]
        assert sorted([*kept, *changes.added], key=lambda segment: segment.start) == updated
        stored = updated
        received.extend(batch)
    expected = build_segments(observations, interval)
    assert stored == expected
    window_end = T0 + timedelta(seconds=500)
    as_of = T0 + timedelta(seconds=rng.randint(0, 500))
    assert evaluate(stored, 3, T0, window_end, as_of) == evaluate(expected, 3, T0, window_end, as_of)
