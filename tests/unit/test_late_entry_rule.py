"""The late-entry rule (SPEC §3): which instant a stated time counts at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from slatrack.measure.late_entries import BUREAU, CONFIRMED, PENDING, REJECTED, counted_at, counted_history, is_late

T0 = datetime(2025, 5, 10, 1, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def test_grace_boundary() -> None:
    assert not is_late(T0 - 10 * MIN, T0)  # exactly the grace: on time
    assert is_late(T0 - 10 * MIN - timedelta(seconds=1), T0)
    assert is_late(T0 - 3 * MIN, T0, grace=2 * MIN)


def test_status_decides_the_instant() -> None:
    stated, recorded = T0, T0 + 180 * MIN
    assert counted_at(stated, recorded, None) == stated
    assert counted_at(stated, recorded, PENDING) == recorded
    assert counted_at(stated, recorded, REJECTED) == recorded
    assert counted_at(stated, recorded, CONFIRMED) == stated
    assert counted_at(stated, recorded, BUREAU) == stated


def test_a_timely_event_after_a_pending_one_counts_with_it() -> None:
    start, times = counted_history(
        (T0, T0, None),
        [(T0 + 5 * MIN, T0 + 180 * MIN, PENDING), (T0 + 175 * MIN, T0 + 181 * MIN, None)],
    )
    assert start == T0 and times == [T0 + 180 * MIN, T0 + 180 * MIN]


def test_a_pending_report_time_moves_the_start_and_its_events() -> None:
    start, times = counted_history((T0, T0 + 60 * MIN, PENDING), [(T0 + 5 * MIN, T0 + 5 * MIN, None)])
    assert start == T0 + 60 * MIN and times == [T0 + 60 * MIN]


@given(
    st.lists(
        st.tuples(
            st.integers(0, 600), st.integers(0, 600), st.sampled_from([None, PENDING, CONFIRMED, REJECTED, BUREAU])
        ),
        max_size=8,
    )
)
def test_counted_times_never_go_back_and_never_before_the_stated_ones(
    raw: list[tuple[int, int, str | None]],
) -> None:
    stated_times = sorted(T0 + a * MIN for a, _, _ in raw)
    events = [(s, s + lag * MIN, status) for s, (_, lag, status) in zip(stated_times, raw, strict=True)]
    start, times = counted_history((T0, T0, None), events)
    assert times == sorted(times) and all(t >= start for t in times)
    assert all(t >= s for t, (s, _, _) in zip(times, events, strict=True))
