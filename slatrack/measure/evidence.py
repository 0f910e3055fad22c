"""What one target's check results prove over a window: up, down (confirmed outages), unknown.

SPEC section 4, "Evidence from checks", evaluated on the stored segments (``segments.py``):

- Only [max(window start, monitored_since), min(window end, retired_at, as_of)) is measured. Results
  observed after ``as_of`` are ignored: a failure run that reached ``confirm_failures`` members only
  after ``as_of`` is still transient at ``as_of``. Runs are formed from all results, so a run that
  began before ``monitored_since`` or before the window is confirmed by all its members and only its
  time inside the measured window counts.
- A run of at least ``confirm_failures`` failures is a confirmed outage from its first failure to the
  end of its last failure's hold; its part inside the measured window is downtime of the target.
- Shorter runs are transient and count as up time. ``transient_failures`` is the number of such runs
  (not of failed results) whose first failure lies inside the measured window, so adjacent windows
  never count one run twice.
- Time no result holds is unknown: never downtime, always reported.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from slatrack.measure.intervals import Interval, minutes
from slatrack.measure.segments import FAIL, MAX_CONFIRM_FAILURES, UP, Segment

OutageStatus = Literal["open", "recovered", "lapsed"]


@dataclass(frozen=True, slots=True)
class Outage:
    """A confirmed outage that overlaps the measured window."""

    start: datetime  # first failure, not clipped
    end: datetime | None  # end of the last failure's hold, not clipped; None while still going on at as_of
    measured: Interval  # the part inside the measured window: the target's downtime from this outage


@dataclass(frozen=True, slots=True)
class TargetEvidence:
    """One target's figures over a measured window; up + down + unknown = the window's length."""

    window: Interval | None  # the measured window; None when nothing of the window is measured
    outages: tuple[Outage, ...]
    down: tuple[Interval, ...]  # the confirmed outages clipped to the window, sorted and disjoint
    unknown: tuple[Interval, ...]
    up_minutes: float
    down_minutes: float
    unknown_minutes: float
    transient_failures: int


@dataclass(frozen=True, slots=True)
class OutageRun:
    """A confirmed failure run as the latest results show it, for opening and closing outage records.

    ``status``: ``open`` when no result followed the last failure and its hold has not expired at
    ``now`` (``end`` is then provisional); ``recovered`` when a success ended it (at ``end``);
    ``lapsed`` when the hold expired with no result after it (the outage ended at ``end`` and the
    time after is unknown).
    """

    start: datetime
    end: datetime
    confirmed_at: datetime  # when the confirm_failures-th failure was observed
    failures: int
    status: OutageStatus


def check_confirm_failures(confirm_failures: int) -> None:
    if not 1 <= confirm_failures <= MAX_CONFIRM_FAILURES:
        raise ValueError(f"confirm_failures must be between 1 and {MAX_CONFIRM_FAILURES}")


def failures_by(segment: Segment, as_of: datetime) -> int:
    """How many of a fail segment's members were observed at or before ``as_of``.

    Exact up to MAX_CONFIRM_FAILURES, which is all that confirming a run needs when the segment
    reaches past ``as_of``.
    """
    if segment.end <= as_of:
        return segment.count
    return sum(1 for at in segment.lead if at <= as_of)


def evaluate(
    segments: Sequence[Segment],
    confirm_failures: int,
    window_start: datetime,
    window_end: datetime,
    as_of: datetime,
    monitored_since: datetime | None = None,
    retired_at: datetime | None = None,
) -> TargetEvidence:
    """Up, down and unknown time of one target over [window_start, window_end), as known at ``as_of``."""
    check_confirm_failures(confirm_failures)
    start = window_start if monitored_since is None else max(window_start, monitored_since)
    end = min(window_end, as_of) if retired_at is None else min(window_end, as_of, retired_at)
    if end <= start:
        return TargetEvidence(None, (), (), (), 0.0, 0.0, 0.0, 0)

    outages: list[Outage] = []
    down: list[Interval] = []
    unknown: list[Interval] = []
    transient = 0
    cursor = start
    for index in range(bisect_right(segments, start, key=_segment_end), len(segments)):
        segment = segments[index]
        if segment.start >= end:
            break
        clipped_start = segment.start if segment.start > start else start
        clipped_end = segment.end if segment.end < end else end
        if clipped_start > cursor:
            unknown.append(Interval(cursor, clipped_start))
        cursor = clipped_end
        if segment.state == UP:
            continue
        if failures_by(segment, as_of) >= confirm_failures:
            measured = Interval(clipped_start, clipped_end)
            down.append(measured)
            outages.append(Outage(segment.start, segment.end if segment.end <= as_of else None, measured))
        elif segment.start >= start:
            transient += 1
    if cursor < end:
        unknown.append(Interval(cursor, end))

    total = end - start
    down_time = sum((interval.duration for interval in down), timedelta(0))
    unknown_time = sum((interval.duration for interval in unknown), timedelta(0))
    return TargetEvidence(
        window=Interval(start, end),
        outages=tuple(outages),
        down=tuple(down),
        unknown=tuple(unknown),
        up_minutes=minutes(total - down_time - unknown_time),
        down_minutes=minutes(down_time),
        unknown_minutes=minutes(unknown_time),
        transient_failures=transient,
    )


def confirmed_outages(
    segments: Sequence[Segment], confirm_failures: int, now: datetime, since: datetime | None = None
) -> list[OutageRun]:
    """Every confirmed failure run in ``segments`` (those ending at or after ``since`` when given).

    Uses all stored results; ``now`` only tells an open run from a lapsed one. After ingesting a batch,
    the server reconciles its derived outage records in the rebuilt span with these runs: open a record
    (and its fault ticket, reported at ``start``) for a new run, set ``end`` on recovered or lapsed ones.
    """
    check_confirm_failures(confirm_failures)
    first = 0 if since is None else bisect_left(segments, since, key=_segment_end)
    runs: list[OutageRun] = []
    for index in range(first, len(segments)):
        segment = segments[index]
        if segment.state != FAIL or segment.count < confirm_failures:
            continue
        status: OutageStatus
        if index + 1 < len(segments) and segments[index + 1].start == segment.end:
            status = "recovered"  # only an up segment can follow a fail segment without a gap
        elif segment.end > now:
            status = "open"
        else:
            status = "lapsed"
        runs.append(OutageRun(segment.start, segment.end, segment.lead[confirm_failures - 1], segment.count, status))
    return runs


def open_outage(segments: Sequence[Segment], confirm_failures: int, now: datetime) -> OutageRun | None:
    """The confirmed outage still going on at ``now`` (the latest results are its failures), if any."""
    if not segments:
        return None
    runs = confirmed_outages(segments[-1:], confirm_failures, now)
    return runs[0] if runs and runs[0].status == "open" else None


def _segment_end(segment: Segment) -> datetime:
    return segment.end
