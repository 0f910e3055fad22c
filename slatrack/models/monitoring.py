"""Monitored targets, their raw check results, compact evidence segments and hourly latency aggregates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slatrack.models.base import Base, utcnow
from slatrack.models.enums import TARGET_KINDS, check_in


class Target(Base):
    """A monitored part of the system (监测对象)."""

    __tablename__ = "targets"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    url: Mapped[str | None] = mapped_column(String(512))
    host: Mapped[str | None] = mapped_column(String(255))
    port: Mapped[int | None]
    path: Mapped[str | None] = mapped_column(String(512))
    interval_seconds: Mapped[int] = mapped_column(default=60)
    timeout_seconds: Mapped[int] = mapped_column(default=10)
    confirm_failures: Mapped[int] = mapped_column(default=3)
    critical: Mapped[bool] = mapped_column(default=True)
    # Kind-specific checker options (accepted status codes, keyword, thresholds, ...).
    options: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    # Checked by the server itself; False when a remote agent pushes its results.
    in_process: Mapped[bool] = mapped_column(default=True)
    paused: Mapped[bool] = mapped_column(default=False)
    monitored_since: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
    # sha256 of the heartbeat token of a push target; the token itself is shown once.
    heartbeat_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint(check_in("kind", TARGET_KINDS), name="kind_known"),
        CheckConstraint("interval_seconds >= 5", name="interval_min"),
        CheckConstraint("timeout_seconds >= 1", name="timeout_min"),
        CheckConstraint("confirm_failures >= 1", name="confirm_positive"),
        CheckConstraint("port IS NULL OR (port >= 1 AND port <= 65535)", name="port_range"),
        CheckConstraint("retired_at IS NULL OR retired_at > monitored_since", name="retired_after_since"),
    )


class ProbeResult(Base):
    """One raw check result; kept for the retention period, then summarised into segments and aggregates."""

    __tablename__ = "probe_results"
    __audited__ = False  # machine data at volume; its arrival is counted, not audited row by row
    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"))
    sample_id: Mapped[str] = mapped_column(String(64), unique=True)
    observed_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool]
    latency_ms: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[str] = mapped_column(Text, default="")
    metrics: Mapped[dict[str, object] | None] = mapped_column(JSON)

    target: Mapped[Target] = relationship()

    __table_args__ = (
        Index("ix_probe_results_target_observed", "target_id", "observed_at"),
        CheckConstraint("latency_ms IS NULL OR latency_ms >= 0", name="latency_nonnegative"),
    )


class EvidenceSegment(Base):
    """A run of one state for one target: 'up' (successes) or 'fail' (one run of consecutive failures).

    Time between segments is unknown. Segments outlive the raw results, so a whole contract can be
    measured after pruning.
    """

    __tablename__ = "evidence_segments"
    __audited__ = False  # derived from probe results, recomputed at will
    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(8))
    start: Mapped[datetime]
    end: Mapped[datetime]
    count: Mapped[int]
    first_observed: Mapped[datetime]
    last_observed: Mapped[datetime]
    # A fail segment's first min(count, 10) observed times, as microseconds after ``start`` separated by
    # commas (measure.segments.Segment.lead); empty for 'up'. Decides confirmation at an as_of inside a run.
    lead: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_evidence_segments_target_start", "target_id", "start"),
        CheckConstraint("state IN ('up', 'fail')", name="state_known"),
        CheckConstraint('"end" >= start', name="ordered"),
        CheckConstraint("count >= 1", name="count_positive"),
    )


class LatencyHourly(Base):
    """Hourly latency aggregate of one target, kept after raw results are pruned."""

    __tablename__ = "latency_hourly"
    __audited__ = False
    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"))
    hour: Mapped[datetime]
    checks: Mapped[int]
    failures: Mapped[int]
    latency_avg_ms: Mapped[float | None] = mapped_column(Float)
    latency_max_ms: Mapped[float | None] = mapped_column(Float)
    # A host check's CPU, memory and disk use (percent) over the hour: results with metrics, mean, peak.
    host_samples: Mapped[int | None]
    cpu_avg: Mapped[float | None] = mapped_column(Float)
    cpu_max: Mapped[float | None] = mapped_column(Float)
    memory_avg: Mapped[float | None] = mapped_column(Float)
    memory_max: Mapped[float | None] = mapped_column(Float)
    disk_avg: Mapped[float | None] = mapped_column(Float)
    disk_max: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (UniqueConstraint("target_id", "hour"),)
