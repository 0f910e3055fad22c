"""SPEC section 4 "Evidence from checks", by hand-made sequences and against a direct model (hypothesis).

Every sequence: one result a minute from T0 (interval 60 s, so a result holds 2 minutes at most),
confirm_failures = 3. In patterns 'o' is a success, 'x' a failure and '.' a minute without a result.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slatrack.measure.evidence import Outage, OutageRun, confirmed_outages, evaluate, open_outage
from slatrack.measure.intervals import Interval
from slatrack.measure.segments import Observation, Segment, build_segments, resegment

T0 = datetime(2025, 5, 1, tzinfo=UTC)
INTERVAL = 60
CONFIRM = 3


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def iv(start: float, end: float) -> Interval:
    return Interval(at(start), at(end))


def segments_of(pattern: str, start: int = 0) -> list[Segment]:
    return build_segments(
        [Observation(at(start + i), char == "o") for i, char in enumerate(pattern) if char != "."], INTERVAL
    )


def figures(segments: list[Segment], start: float, end: float, as_of: float, **kwargs: datetime) -> tuple[float, ...]:
    evidence = evaluate(segments, CONFIRM, at(start), at(end), at(as_of), **kwargs)
    return evidence.up_minutes, evidence.down_minutes, evidence.unknown_minutes, evidence.transient_failures


def test_transient_failure_counts_as_up() -> None:
    # o o o x o o: the single failure at 3 is a transient run. Holds cover [0, 7) (success 5 holds to 7).
    # Window [0, 7): up 7, down 0, unknown 0, one transient failure.
    assert figures(segments_of("oooxoo"), 0, 7, 10) == (7.0, 0.0, 0.0, 1)


def test_two_failures_are_still_transient_three_are_an_outage() -> None:
    # o x x o x x x o o: run at 1-2 (2 members) is transient; run 4-6 is confirmed: [4, 7).
    # Window [0, 10): holds cover [0, 10) (success 8 holds to 10). down 3, up 7, one transient run.
    segments = segments_of("oxxoxxxoo")
    evidence = evaluate(segments, CONFIRM, at(0), at(10), at(20))
    assert (evidence.up_minutes, evidence.down_minutes, evidence.unknown_minutes) == (7.0, 3.0, 0.0)
    assert evidence.transient_failures == 1
    assert evidence.down == (iv(4, 7),)
    assert evidence.outages == (Outage(at(4), at(7), iv(4, 7)),)


def test_probe_gap_is_unknown_never_downtime() -> None:
    # o o then nothing until a success at 10: success 1 holds until 3, unknown [3, 10), success 10 holds to 12.
    # Window [0, 12): up [0,3) + [10,12) = 5, unknown 7.
    segments = segments_of("oo........o")
    evidence = evaluate(segments, CONFIRM, at(0), at(12), at(12))
    assert (evidence.up_minutes, evidence.down_minutes, evidence.unknown_minutes) == (5.0, 0.0, 7.0)
    assert evidence.unknown == (iv(3, 10),)


def test_outage_ending_in_a_gap_ends_at_last_failure_hold() -> None:
    # o x x x then nothing until a success at 10. Failure 3 holds until 5: outage [1, 5), unknown [5, 10).
    # Window [0, 11): up [0,1) + [10,11) = 2, down 4, unknown 5.
    segments = segments_of("oxxx......o")
    evidence = evaluate(segments, CONFIRM, at(0), at(11), at(11))
    assert (evidence.up_minutes, evidence.down_minutes, evidence.unknown_minutes) == (2.0, 4.0, 5.0)
    assert evidence.down == (iv(1, 5),)
    assert evidence.unknown == (iv(5, 10),)
    assert confirmed_outages(segments, CONFIRM, now=at(11)) == [OutageRun(at(1), at(5), at(3), 3, "lapsed")]


def test_failures_interrupted_by_a_gap_are_two_runs() -> None:
    # x x . . . x: failures 0 and 1 hold [0, 3); the next result is at 5, so [3, 5) is a gap and the
    # failure at 5 (hold [5, 7)) starts a new run. Two transient runs (2 and 1 members).
    # Window [0, 7): up 3 + 2 = 5, down 0, unknown 2.
    assert figures(segments_of("xx...x"), 0, 7, 7) == (5.0, 0.0, 2.0, 2)


def test_late_result_that_closes_an_outage() -> None:
    # First: o x x x x . . o -> failure 4 holds until 6, gap [6, 7), success 7. Outage [1, 6).
    first = [Observation(at(i), ch == "o") for i, ch in enumerate("oxxxx..o") if ch != "."]
    stored = build_segments(first, INTERVAL)
    before = evaluate(stored, CONFIRM, at(0), at(9), at(9))
    assert (before.up_minutes, before.down_minutes, before.unknown_minutes) == (3.0, 5.0, 1.0)
    # The success at 5 arrives after the one at 7: failure 4 now holds until 5. Outage [1, 5), no gap left.
    # Window [0, 9): up [0,1) + [5,9) = 5, down 4, unknown 0.
    updated = resegment(stored, [Observation(at(5), True)], first, INTERVAL, retained_since=at(0))
    after = evaluate(updated, CONFIRM, at(0), at(9), at(9))
    assert (after.up_minutes, after.down_minutes, after.unknown_minutes) == (5.0, 4.0, 0.0)
    assert confirmed_outages(updated, CONFIRM, now=at(9)) == [OutageRun(at(1), at(5), at(3), 4, "recovered")]


def test_duplicates_are_harmless() -> None:
    # x x x with the failure at 1 sent three times: still one run of 3, outage [0, 4) (failure 2 holds to 4).
    results = [Observation(at(i), False) for i in (0, 1, 1, 2, 1)]
    segments = build_segments(results, INTERVAL)
    assert figures(segments, 0, 4, 4) == (0.0, 4.0, 0.0, 0)
    assert segments == segments_of("xxx")


def test_results_after_as_of_are_ignored() -> None:
    segments = segments_of("oxxxo")
    # as_of 2.5: only failures 1 and 2 were observed -> transient, counted as up; the window stops at 2.5.
    # up 2.5, down 0, one transient failure.
    assert figures(segments, 0, 10, 2.5) == (2.5, 0.0, 0.0, 1)
    # as_of 3: the failure at 3 is "at or before" as_of -> the run is confirmed; down [1, 3) = 2 so far,
    # and the outage is still going on (no end yet).
    evidence = evaluate(segments, CONFIRM, at(0), at(10), at(3))
    assert (evidence.up_minutes, evidence.down_minutes) == (1.0, 2.0)
    assert evidence.outages == (Outage(at(1), None, iv(1, 3)),)
    # Later: outage [1, 4) closed by the success at 4, which holds until 6; the window [0, 10) has
    # unknown [6, 10) = 4.
    assert figures(segments, 0, 10, 10) == (3.0, 3.0, 4.0, 0)


def test_as_of_inside_a_long_run_counts_its_early_failures() -> None:
    # 30 failures from minute 0; as_of 1.5 sees 2 of them (transient), as_of 2 sees 3 (confirmed).
    segments = segments_of("x" * 30)
    assert figures(segments, 0, 60, 1.5) == (1.5, 0.0, 0.0, 1)
    assert figures(segments, 0, 60, 2) == (0.0, 2.0, 0.0, 0)
    assert figures(segments, 0, 60, 20) == (0.0, 20.0, 0.0, 0)


def test_monitored_since_and_retired_at_cut_the_measured_window() -> None:
    # x x x x o o from 0: outage [0, 4); success 5 holds until 7.
    # Monitored since 2, retired at 6: measured [2, 6) -> down [2, 4) = 2, up [4, 6) = 2.
    segments = segments_of("xxxxoo")
    evidence = evaluate(segments, CONFIRM, at(0), at(10), at(10), monitored_since=at(2), retired_at=at(6))
    assert evidence.window == iv(2, 6)
    assert (evidence.up_minutes, evidence.down_minutes, evidence.unknown_minutes) == (2.0, 2.0, 0.0)
    # The outage keeps its full start for lists.
    assert evidence.outages == (Outage(at(0), at(4), iv(2, 4)),)


def test_outage_starting_before_the_window_keeps_its_clipped_part() -> None:
    # o x x x x o o: outage [1, 5). Window [3, 8): down [3, 5) = 2, up [5, 8) = 3 (success 6 holds to 8).
    evidence = evaluate(segments_of("oxxxxoo"), CONFIRM, at(3), at(8), at(8))
    assert (evidence.up_minutes, evidence.down_minutes, evidence.unknown_minutes) == (3.0, 2.0, 0.0)
    assert evidence.outages == (Outage(at(1), at(5), iv(3, 5)),)


def test_transient_runs_are_attributed_to_the_window_they_start_in() -> None:
    # o x x o x o: transient runs start at 1 and 4. Window [2, 7) holds only the second.
    segments = segments_of("oxxoxo")
    assert evaluate(segments, CONFIRM, at(0), at(2), at(9)).transient_failures == 1
    assert evaluate(segments, CONFIRM, at(2), at(7), at(9)).transient_failures == 1


def test_nothing_measured() -> None:
    evidence = evaluate(segments_of("xxx"), CONFIRM, at(0), at(10), at(0))
    assert evidence.window is None and evidence.down_minutes == 0.0
    # No results at all: the whole window is unknown.
    empty = evaluate([], CONFIRM, at(0), at(10), at(10))
    assert (empty.up_minutes, empty.unknown_minutes, empty.unknown) == (0.0, 10.0, (iv(0, 10),))


def test_confirm_failures_is_bounded() -> None:
    with pytest.raises(ValueError, match="confirm_failures"):
        evaluate([], 11, at(0), at(1), at(1))


def test_open_outage_and_its_status() -> None:
    segments = segments_of("ooxxxx")
    # Failures 2..5; failure 5 holds until 7. At 6 the outage is open, confirmed when failure 4 came in.
    assert open_outage(segments, CONFIRM, now=at(6)) == OutageRun(at(2), at(7), at(4), 4, "open")
    # At 7 its hold has expired without any result: lapsed, no longer open.
    assert open_outage(segments, CONFIRM, now=at(7)) is None
    assert confirmed_outages(segments, CONFIRM, now=at(7))[0].status == "lapsed"
    # Two failures are not an outage yet; a recovered outage is not open.
    assert open_outage(segments_of("ooxx"), CONFIRM, now=at(4)) is None
    assert open_outage(segments_of("xxxo"), CONFIRM, now=at(4)) is None
    assert open_outage([], CONFIRM, now=at(4)) is None
    # since: only runs ending at or after it. x x x o x x x o: runs [0, 3) and [4, 7).
    two = segments_of("xxxoxxxo")
    assert [run.start for run in confirmed_outages(two, CONFIRM, now=at(9), since=at(3))] == [at(0), at(4)]
    assert [run.start for run in confirmed_outages(two, CONFIRM, now=at(9), since=at(3.5))] == [at(4)]


# --- property: evaluate(build_segments(...)) against the SPEC's rules applied result by result ---------


def model(
    raw: list[tuple[int, bool]], confirm: int, start: int, end: int, as_of: int, since: int, retired: int
) -> tuple[set[int], set[int], int]:
    """Seconds down, seconds unknown and transient runs, straight from the SPEC with 10 s checks."""
    stale = 20
    results: dict[int, bool] = {}
    for second, ok in raw:
        if second <= as_of:
            results[second] = results.get(second, False) or ok
    times = sorted(results)
    holds = [(t, min(times[i + 1], t + stale) if i + 1 < len(times) else t + stale) for i, t in enumerate(times)]
    runs: list[list[int]] = []  # indexes into times of consecutive failures with contiguous holds
    for i, t in enumerate(times):
        if results[t]:
            continue
        if runs and runs[-1][-1] == i - 1 and holds[i - 1][1] == t:
            runs[-1].append(i)  # the previous result failed too and its hold reaches this one
        else:
            runs.append([i])
    measured = set(range(max(start, since), min(end, as_of, retired)))
    covered = {s for t, h in holds for s in range(t, h)}
    down = {s for run in runs if len(run) >= confirm for s in range(times[run[0]], holds[run[-1]][1])}
    transient = sum(1 for run in runs if len(run) < confirm and times[run[0]] in measured)
    return down & measured, measured - covered, transient


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 300), st.booleans()), max_size=50),
    st.integers(1, 5),
    st.integers(0, 300),
    st.integers(0, 300),
    st.integers(0, 350),
    st.integers(0, 300),
    st.integers(0, 400),
)
def test_evaluate_matches_the_rules(
    raw: list[tuple[int, bool]], confirm: int, start: int, length: int, as_of: int, since: int, retired: int
) -> None:
    def sec(s: int) -> datetime:
        return T0 + timedelta(seconds=s)

    segments = build_segments([Observation(sec(s), ok) for s, ok in raw], 10)
    evidence = evaluate(
        segments,
        confirm,
        sec(start),
        sec(start + length),
        sec(as_of),
        monitored_since=sec(since),
        retired_at=sec(retired),
    )
    down, unknown, transient = model(raw, confirm, start, start + length, as_of, since, retired)
    measured = max(0, min(start + length, as_of, retired) - max(start, since))
    assert evidence.down_minutes * 60 == pytest.approx(len(down))
    assert evidence.unknown_minutes * 60 == pytest.approx(len(unknown))
    assert evidence.up_minutes * 60 == pytest.approx(measured - len(down) - len(unknown))
    assert evidence.transient_failures == transient
    assert {
        s for i in evidence.down for s in range(int((i.start - T0).total_seconds()), int((i.end - T0).total_seconds()))
    } == down
