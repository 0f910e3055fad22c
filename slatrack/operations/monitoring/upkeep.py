"""Upkeep of the monitoring data: hourly latency figures (kept per target-day, latency.py), pruning of old
raw results, and missed heartbeats of push targets recorded as failed results.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from slatrack.extensions import db
from slatrack.measure.segments import FAIL
from slatrack.models import (
    EvidenceSegment,
    ProbeResult,
    Target,
    utcnow,
)
from slatrack.operations.monitoring.ingest import MAX_BATCH, ingest_results, retention
from slatrack.operations.monitoring.latency import aggregate_hours

# ---------------------------------------------------------------------------------------------------
# Hourly aggregates and pruning


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


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
