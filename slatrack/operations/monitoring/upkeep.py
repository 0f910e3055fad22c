"""Upkeep of the monitoring data: hourly latency aggregates, pruning of old raw results, and missed
heartbeats of push targets recorded as failed results.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select

from slatrack.extensions import db
from slatrack.measure.segments import FAIL
from slatrack.models import (
    EvidenceSegment,
    LatencyHourly,
    ProbeResult,
    Target,
    utcnow,
)
from slatrack.operations.monitoring.ingest import MAX_BATCH, ingest_results, retention

# ---------------------------------------------------------------------------------------------------
# Hourly aggregates and pruning


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


HOST_METRICS = (("cpu", "cpu_percent"), ("memory", "memory_percent"), ("disk", "disk_percent"))


def aggregate_hours(target_id: int, start: datetime, end: datetime) -> int:
    """Recompute the LatencyHourly rows of the whole hours from ``start`` to ``end`` from raw results.

    A host check's results carry CPU, memory and disk use (``metrics``): their hourly mean and peak are kept
    too, for the quarterly report's resource use once the raw results are pruned.
    """
    start, end = _hour(start), _hour(end) + (timedelta(hours=1) if _hour(end) != end else timedelta(0))
    buckets: dict[datetime, list[Any]] = {}
    hosts: dict[datetime, _HostHour] = {}
    rows = db.session.execute(
        select(ProbeResult.observed_at, ProbeResult.ok, ProbeResult.latency_ms, ProbeResult.metrics)
        .where(ProbeResult.target_id == target_id, ProbeResult.observed_at >= start, ProbeResult.observed_at < end)
        .order_by(ProbeResult.observed_at)
    )
    for at, ok, latency, metrics in rows:
        bucket = buckets.get(hour := _hour(at))
        if bucket is None:
            bucket = buckets[hour] = [0, 0, 0.0, 0, None]
        bucket[0] += 1
        if not ok:
            bucket[1] += 1
        if latency is not None:
            bucket[2] += latency
            bucket[3] += 1
            bucket[4] = latency if bucket[4] is None or latency > bucket[4] else bucket[4]
        if metrics:
            hosts.setdefault(hour, _HostHour()).add(metrics)
    db.session.execute(
        delete(LatencyHourly).where(
            LatencyHourly.target_id == target_id, LatencyHourly.hour >= start, LatencyHourly.hour < end
        )
    )
    if buckets:
        db.session.execute(
            insert(LatencyHourly),
            [
                {
                    "target_id": target_id,
                    "hour": hour,
                    "checks": checks,
                    "failures": failures,
                    "latency_avg_ms": (total / measured) if measured else None,
                    "latency_max_ms": largest,
                    **(hosts[hour].columns() if hour in hosts else _HostHour.EMPTY),
                }
                for hour, (checks, failures, total, measured, largest) in sorted(buckets.items())
            ],
        )
    return len(buckets)


class _HostHour:
    """Sums and peaks of one hour's host metrics (percentages); results without a figure are skipped."""

    EMPTY: dict[str, Any] = {"host_samples": None} | {
        f"{name}_{kind}": None for name, _ in HOST_METRICS for kind in ("avg", "max")
    }

    def __init__(self) -> None:
        self.samples = 0
        self.sums = {name: 0.0 for name, _ in HOST_METRICS}
        self.counts = {name: 0 for name, _ in HOST_METRICS}
        self.peaks: dict[str, float | None] = {name: None for name, _ in HOST_METRICS}

    def add(self, metrics: dict[str, Any]) -> None:
        counted = False
        for name, key in HOST_METRICS:
            value = metrics.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                counted = True
                self.sums[name] += value
                self.counts[name] += 1
                peak = self.peaks[name]
                self.peaks[name] = float(value) if peak is None or value > peak else peak
        self.samples += counted

    def columns(self) -> dict[str, Any]:
        if not self.samples:
            return dict(self.EMPTY)
        columns: dict[str, Any] = {"host_samples": self.samples}
        for name, _ in HOST_METRICS:
            count = self.counts[name]
            columns[f"{name}_avg"] = self.sums[name] / count if count else None
            columns[f"{name}_max"] = self.peaks[name]
        return columns


def aggregate_received_since(since: datetime | None) -> int:
    """Recompute the hourly aggregates of every hour that received results at or after ``since``."""
    query = select(ProbeResult.target_id, func.min(ProbeResult.observed_at), func.max(ProbeResult.observed_at))
    if since is not None:
        query = query.where(ProbeResult.received_at >= since)
    hours = 0
    for target_id, first, last in db.session.execute(query.group_by(ProbeResult.target_id)).all():
        if first is None:
            continue
        first = first if first.tzinfo else first.replace(tzinfo=UTC)
        last = last if last.tzinfo else last.replace(tzinfo=UTC)
        hours += aggregate_hours(target_id, first, last + timedelta(microseconds=1))
    return hours


def prune_raw_results(cutoff: datetime | None = None) -> int:
    """Delete raw results observed before ``cutoff`` (default now - retention, to the hour) after
    recomputing the hourly aggregates of the hours they belong to. Segments are untouched."""
    cutoff = _hour(cutoff or utcnow() - retention())
    deleted = 0
    target_ids = list(db.session.scalars(select(Target.id)))
    for target_id in target_ids:
        first = db.session.scalar(
            select(func.min(ProbeResult.observed_at)).where(
                ProbeResult.target_id == target_id, ProbeResult.observed_at < cutoff
            )
        )
        if first is None:
            continue
        first = first if first.tzinfo else first.replace(tzinfo=UTC)
        aggregate_hours(target_id, first, cutoff)
        result = db.session.execute(
            delete(ProbeResult).where(ProbeResult.target_id == target_id, ProbeResult.observed_at < cutoff)
        )
        deleted += int(result.rowcount)  # type: ignore[attr-defined]
        db.session.commit()
    return deleted


def last_observed(target_id: int, ok: bool | None = None) -> datetime | None:
    """The latest result's time for a target (optionally only successes), from raw results or segments."""
    query = select(func.max(ProbeResult.observed_at)).where(ProbeResult.target_id == target_id)
    if ok is not None:
        query = query.where(ProbeResult.ok.is_(ok))
    found = db.session.scalar(query)
    if found is not None:
        return found if found.tzinfo else found.replace(tzinfo=UTC)
    segment_query = select(func.max(EvidenceSegment.last_observed)).where(EvidenceSegment.target_id == target_id)
    if ok is not None:
        segment_query = segment_query.where(EvidenceSegment.state == ("up" if ok else FAIL))
    found = db.session.scalar(segment_query)
    if found is None:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


# ---------------------------------------------------------------------------------------------------
# Push targets: missed heartbeats become failed results

# A heartbeat may be this late (a share of the interval, at most a minute) before its miss is recorded.
MAX_HEARTBEAT_GRACE = timedelta(seconds=60)
MAX_MISSES_PER_RUN = 10_000


def missed_heartbeat_sample_id(target_id: int, at: datetime) -> str:
    """Deterministic, so a rerun of the job (or a second scheduler) records each miss once."""
    return f"hb-miss-{target_id}-{int(at.timestamp())}"


def record_missed_heartbeats(now: datetime | None = None) -> int:
    """For each active push target, record a failed result for every interval without a heartbeat.

    The misses are counted from the last successful heartbeat (or from ``monitored_since``): one at each
    whole interval after it that is at least a grace period in the past and still within raw retention.
    """
    now = now or utcnow()
    oldest = now - retention() + timedelta(minutes=1)
    recorded = 0
    targets = db.session.scalars(
        select(Target).where(Target.kind == "push", Target.paused.is_(False)).order_by(Target.id)
    ).all()
    for target in targets:
        if target.retired_at is not None and target.retired_at <= now:
            continue
        interval = timedelta(seconds=target.interval_seconds)
        grace = min(interval / 2, MAX_HEARTBEAT_GRACE)
        anchor = last_observed(target.id, ok=True) or target.monitored_since
        first = 1
        if anchor + interval < oldest:
            first = int((oldest - anchor) / interval) + 1
        items: list[dict[str, Any]] = []
        step = first
        while len(items) < MAX_MISSES_PER_RUN:
            at = anchor + step * interval
            if at + grace > now:
                break
            items.append(
                {
                    "target": target.id,
                    "observed_at": at.isoformat(),
                    "ok": False,
                    "latency_ms": None,
                    "detail": "未按时收到心跳",
                    "sample_id": missed_heartbeat_sample_id(target.id, at),
                }
            )
            step += 1
        for start in range(0, len(items), MAX_BATCH):
            recorded += ingest_results(items[start : start + MAX_BATCH], now=now).accepted
    return recorded


def hourly_maintenance(since: datetime | None, now: datetime | None = None) -> str:
    """Recompute the hourly aggregates of hours that got results since ``since``, then prune old results."""
    now = now or utcnow()
    hours = aggregate_received_since(since)
    db.session.commit()
    pruned = prune_raw_results(now - retention())
    return f"刷新小时汇总 {hours} 个，清理过期原始结果 {pruned} 条"
