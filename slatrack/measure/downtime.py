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
    interval, clamped into it. A response after ``as_of`` must be passed as None (the caller filters);
    since downtime ends by ``as_of``, such a response would be clamped to the interval's end anyway.
    wait + repair = the interval's length (exactly, as durations).
    """
    links = [link for link in outage_links if any(response is not None for response in link.first_responses)]
    rows: list[WaitRepairRow] = []
    total_wait = total_repair = timedelta(0)
    for interval in normalize(downtime):
        responses = [
            response
            for link in links
            if link.span.overlaps(interval)
            for response in link.first_responses
            if response is not None
        ]
        if responses:
            repair_start = min(max(min(responses), interval.start), interval.end)
            wait, repair = repair_start - interval.start, interval.end - repair_start
        else:
            repair_start, wait, repair = None, interval.duration, timedelta(0)
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
