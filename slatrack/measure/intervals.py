"""Half-open time intervals [start, end) of timezone-aware datetimes, and set operations on lists of them.

Every operation returns a *normalized* list: sorted by start, non-empty intervals, no two overlapping or
touching (``[a, b)`` and ``[b, c)`` merge into ``[a, c)``). Inputs may be in any order and may overlap;
operations that need normalized input normalize it themselves (sorting already sorted input is linear).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

_MICROSECONDS_PER_MINUTE = 60_000_000


def minutes(duration: timedelta) -> float:
    """A duration in minutes, computed from whole microseconds so equal durations give equal floats."""
    micros = (duration.days * 86_400 + duration.seconds) * 1_000_000 + duration.microseconds
    return micros / _MICROSECONDS_PER_MINUTE


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """The half-open span [start, end) between two aware datetimes; ``start == end`` is an empty span."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Interval needs timezone-aware datetimes")
        if self.end < self.start:
            raise ValueError(f"Interval ends before it starts: {self.start.isoformat()} > {self.end.isoformat()}")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def minutes(self) -> float:
        return minutes(self.end - self.start)

    def overlaps(self, other: Interval) -> bool:
        """True when the two spans share some time (touching at one instant is not sharing)."""
        return self.start < other.end and other.start < self.end


def normalize(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of ``intervals`` as a sorted list of disjoint, non-touching, non-empty intervals."""
    ordered = sorted((interval for interval in intervals if interval.start < interval.end), key=_start)
    if not ordered:
        return []
    merged: list[Interval] = []
    start, end = ordered[0].start, ordered[0].end
    for interval in ordered[1:]:
        if interval.start <= end:
            if interval.end > end:
                end = interval.end
        else:
            merged.append(Interval(start, end))
            start, end = interval.start, interval.end
    merged.append(Interval(start, end))
    return merged


def union(*groups: Iterable[Interval]) -> list[Interval]:
    """The union of several lists of intervals."""
    return normalize(interval for group in groups for interval in group)


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """The time covered by both ``a`` and ``b`` (two-pointer sweep over the normalized lists)."""
    left, right = normalize(a), normalize(b)
    result: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        x, y = left[i], right[j]
        start = x.start if x.start > y.start else y.start
        end = x.end if x.end < y.end else y.end
        if start < end:
            result.append(Interval(start, end))
        if x.end <= y.end:
            i += 1
        else:
            j += 1
    # Pieces of one normalized list cut by another never touch, except where two adjacent pieces of the
    # right list meet; normalize merges those.
    return normalize(result)


def subtract(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """The time covered by ``a`` and not by ``b``."""
    keep, remove = normalize(a), normalize(b)
    result: list[Interval] = []
    j = 0
    for interval in keep:
        start = interval.start
        while j < len(remove) and remove[j].end <= start:
            j += 1
        k = j
        while k < len(remove) and remove[k].start < interval.end:
            cut = remove[k]
            if cut.start > start:
                result.append(Interval(start, cut.start))
            if cut.end > start:
                start = cut.end
            if start >= interval.end:
                break
            k += 1
        if start < interval.end:
            result.append(Interval(start, interval.end))
    return result


def clip(intervals: Iterable[Interval], window: Interval) -> list[Interval]:
    """The parts of ``intervals`` inside ``window``."""
    return intersect(intervals, [window])


def total_duration(intervals: Iterable[Interval]) -> timedelta:
    """The length of the union of ``intervals`` (overlaps are counted once)."""
    total = timedelta(0)
    for interval in normalize(intervals):
        total += interval.end - interval.start
    return total


def total_minutes(intervals: Iterable[Interval]) -> float:
    """The length of the union of ``intervals`` in minutes (overlaps are counted once)."""
    return minutes(total_duration(intervals))


def _start(interval: Interval) -> datetime:
    return interval.start
