"""System downtime, system unknown time, waiting/repair time and major faults (SPEC section 4).

Choices where the SPEC is silent:

- Exclusions belong to one outage (``POST /outages/<id>/exclusions``), so each outage carries its own:
  an exclusion removes that outage's time only. Another critical target's outage at the same time,
  not adjudicated, still counts. With every overlapping outage excluded alike this is the same as
  subtracting the exclusions from the union.
- Time that is both in an approved maintenance window and excluded is counted once, under
  ``maintenance_minutes``: maintenance windows are removed first, exclusions from what is left.
- ``downtime + maintenance + excluded`` = the union of the outages inside the window (``gross``).
- A major fault is attributed to the window in which its outage starts, with its full duration.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from slatrack.measure.intervals import Interval, clip, intersect, minutes, normalize, subtract, total_duration

DEFAULT_MAJOR_FAULT_MINUTES = 240.0


@dataclass(frozen=True, slots=True)
class OutageSpan:
    """One outage's time (a confirmed outage's measured part, or a manual outage) and its exclusions."""

    span: Interval
    exclusions: tuple[Interval, ...] = ()


@dataclass(frozen=True, slots=True)
class DowntimeResult:
    intervals: tuple[Interval, ...]  # system downtime, merged, sorted, inside the window
    downtime_minutes: float
    maintenance_minutes: float  # outage time removed by approved maintenance windows
    excluded_minutes: float  # outage time removed by exclusions (and not by maintenance)
    gross_minutes: float  # the union of the outages inside the window, before removals


@dataclass(frozen=True, slots=True)
class OutageLink:
    """An outage's full span and the first-response instants of the tickets linked to it."""

    span: Interval
    first_responses: tuple[datetime | None, ...]  # None: that ticket has no response yet


@dataclass(frozen=True, slots=True)
class WaitRepairRow:
    start: datetime
    end: datetime
    repair_start: datetime | None  # None: no linked ticket answered, all of it is waiting time
    wait_minutes: float
    repair_minutes: float


@dataclass(frozen=True, slots=True)
class WaitRepair:
    rows: tuple[WaitRepairRow, ...]
    wait_minutes: float
    repair_minutes: float


def system_downtime(
    critical_outages: Iterable[OutageSpan],
    manual_outages: Iterable[OutageSpan],
    maintenance_windows: Iterable[Interval],
    window: Interval,
) -> DowntimeResult:
    """The union of critical targets' confirmed outages and manual outages, less maintenance and exclusions.

    ``window`` is the period cut to the contract's dates and to ``as_of``.
    """
    outages = [*critical_outages, *manual_outages]
    gross = clip((outage.span for outage in outages), window)
    after_maintenance = subtract(gross, maintenance_windows)
    kept = clip(
        (piece for outage in outages for piece in subtract([outage.span], outage.exclusions)),
        window,
    )
    downtime = intersect(kept, after_maintenance)
    gross_time = total_duration(gross)
    after_maintenance_time = total_duration(after_maintenance)
    downtime_time = total_duration(downtime)
    return DowntimeResult(
        intervals=tuple(downtime),
        downtime_minutes=minutes(downtime_time),
        maintenance_minutes=minutes(gross_time - after_maintenance_time),
        excluded_minutes=minutes(after_maintenance_time - downtime_time),
        gross_minutes=minutes(gross_time),
    )


def system_unknown(
    critical_unknown: Iterable[Iterable[Interval]], downtime: Iterable[Interval], window: Interval
) -> list[Interval]:
    """The union of the critical targets' unknown time inside ``window``, less system downtime."""
    unknown = clip((interval for target in critical_unknown for interval in target), window)
    return subtract(unknown, downtime)


def wait_and_repair(downtime: Sequence[Interval], outage_links: Iterable[OutageLink]) -> WaitRepair:
    """Split each merged downtime interval into 停机等待时间 and 维修时间.

    Repair starts at the earliest first response among the tickets linked to any outage overlapping the
    interval, clamped into it. Responses after ``as_of`` need no filtering: downtime ends by ``as_of``, so
    they clamp to the interval's end (all waiting). wait + repair = the interval's length (exactly, as
    durations; the minutes are floats of those durations).
    """
    intervals = normalize(downtime)
    ends = [interval.end for interval in intervals]
    earliest: list[datetime | None] = [None] * len(intervals)
    for link in outage_links:
        answered = [response for response in link.first_responses if response is not None]
        if not answered:
            continue
        first = min(answered)
        index = bisect_right(ends, link.span.start)  # the first interval ending after the outage starts
        while index < len(intervals) and intervals[index].start < link.span.end:
            current = earliest[index]
            if current is None or first < current:
                earliest[index] = first
            index += 1
    rows: list[WaitRepairRow] = []
    total_wait = total_repair = timedelta(0)
    for interval, response in zip(intervals, earliest, strict=True):
        repair_start = None if response is None else min(max(response, interval.start), interval.end)
        wait = interval.duration if repair_start is None else repair_start - interval.start
        repair = interval.duration - wait
        total_wait += wait
        total_repair += repair
        rows.append(WaitRepairRow(interval.start, interval.end, repair_start, minutes(wait), minutes(repair)))
    return WaitRepair(tuple(rows), minutes(total_wait), minutes(total_repair))


def major_faults(
    outages: Iterable[Interval], window: Interval, threshold_minutes: float = DEFAULT_MAJOR_FAULT_MINUTES
) -> list[Interval]:
    """Confirmed outages of critical targets longer than the threshold that start inside ``window``.

    Pass each outage's full span (an outage still going on: up to ``as_of``); leave out outages that
    were wholly excluded. The count of major faults is the length of the list.
    """
    threshold = timedelta(minutes=threshold_minutes)
    return sorted(
        outage
        for outage in outages
        if window.start <= outage.start < window.end and outage.end - outage.start > threshold
    )
