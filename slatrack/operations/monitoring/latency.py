"""Latency summaries in the database: one LatencyDaily row per target and UTC day (measure/latency.py packs it).

``aggregate_hours`` recomputes whole hours (with a host check's resource use) from the raw results (the
hourly upkeep job, and before raw results are pruned); ``latency_hours`` reads them back for any span of hours.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import cast

from sqlalchemy import Table, select

from slatrack.extensions import db
from slatrack.measure.latency import (
    HourLatency,
    merge_hours,
    pack_day,
    summarize_host,
    summarize_hour,
    unpack_day,
)
from slatrack.models import LatencyDaily, ProbeResult

_DAILY = cast(Table, LatencyDaily.__table__)
_HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class TargetHour:
    """A stored hour of a target: its start (UTC) and its figures."""

    start: datetime
    figures: HourLatency


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def aggregate_hours(target_id: int, start: datetime, end: datetime) -> int:
    """Recompute the stored hours of a target from ``start`` to ``end`` (widened to whole hours) from its raw
    results: hours with results get their figures, hours without are dropped. Returns the hours stored."""
    start, end = _hour(start), _hour(end) + (_HOUR if _hour(end) != end else timedelta(0))
    if end <= start:
        return 0
    buckets: dict[datetime, tuple[list[int], list[float]]] = {}
    metrics: dict[datetime, list[dict[str, object]]] = defaultdict(list)  # a host check's resource use
    rows = db.session.execute(
        select(ProbeResult.observed_at, ProbeResult.ok, ProbeResult.latency_ms, ProbeResult.metrics).where(
            ProbeResult.target_id == target_id, ProbeResult.observed_at >= start, ProbeResult.observed_at < end
        )
    )
    for at, ok, latency, figures in rows:
        bucket = buckets.get(hour := _hour(at))
        if bucket is None:
            bucket = buckets[hour] = ([0, 0], [])
        bucket[0][0] += 1
        if not ok:
            bucket[0][1] += 1
        if latency is not None:
            bucket[1].append(latency)
        if figures:
            metrics[hour].append(figures)
    replaced: dict[date, list[int]] = defaultdict(list)
    hour = start
    while hour < end:
        replaced[hour.date()].append(hour.hour)
        hour += _HOUR
    new: dict[date, dict[int, HourLatency]] = defaultdict(dict)
    for hour, ((checks, failures), latencies) in buckets.items():
        host = summarize_host(metrics[hour]) if hour in metrics else None
        new[hour.date()][hour.hour] = summarize_hour(hour.hour, checks, failures, latencies, host)
    stored = _stored_days(target_id, list(replaced))
    deletes: list[date] = []
    writes: list[dict[str, object]] = []
    for day, hours in replaced.items():
        merged = merge_hours(stored.get(day, []), hours, new.get(day, {}))
        if day in stored:
            deletes.append(day)
        if merged:
            writes.append({"target_id": target_id, "day": day, "hours": pack_day(merged)})
    if deletes:
        db.session.execute(_DAILY.delete().where(_DAILY.c.target_id == target_id, _DAILY.c.day.in_(deletes)))
    if writes:
        db.session.execute(_DAILY.insert(), writes)
    return len(buckets)


def _stored_days(target_id: int, days: list[date]) -> dict[date, list[HourLatency]]:
    found: dict[date, list[HourLatency]] = {}
    for start in range(0, len(days), 500):
        chunk = days[start : start + 500]
        query = select(LatencyDaily.day, LatencyDaily.hours).where(
            LatencyDaily.target_id == target_id, LatencyDaily.day.in_(chunk)
        )
        for day, packed in db.session.execute(query):
            found[day] = unpack_day(bytes(packed))
    return found


def latency_hours(target_id: int, start: datetime, end: datetime) -> list[TargetHour]:
    """The stored hours of a target that begin in [start, end), in order."""
    query = (
        select(LatencyDaily.day, LatencyDaily.hours)
        .where(
            LatencyDaily.target_id == target_id,
            LatencyDaily.day >= start.astimezone(UTC).date(),
            LatencyDaily.day <= end.astimezone(UTC).date(),
        )
        .order_by(LatencyDaily.day)
    )
    found: list[TargetHour] = []
    for day, packed in db.session.execute(query):
        for item in unpack_day(bytes(packed)):
            at = _midnight(day) + timedelta(hours=item.hour)
            if start <= at < end:
                found.append(TargetHour(at, item))
    return found


def stored_hour_count() -> int:
    """Hours stored over all targets (for the upkeep report and the storage benchmark)."""
    total = 0
    for (packed,) in db.session.execute(select(LatencyDaily.hours)):
        total += len(unpack_day(bytes(packed)))
    return total
