"""Monitored targets, their raw check results, compact evidence segments and daily latency summaries."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    type_coerce,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slatrack.models.base import Base, utcnow
from slatrack.models.compact_types import EpochDay, EpochMicros, SegmentState, to_micros
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
    measured after pruning. Stored compactly (issue 18): keyed by (target, start), a target's segments never
    overlapping; ``start`` as integer microseconds since the epoch (``EpochMicros``), the end and the last
    member's time as microsecond offsets (``span``, ``gap``), the state as 0/1; on SQLite without rowid.
    ``end`` and ``last_observed`` read, compare and set as instants (hybrid attributes).
    """

    __tablename__ = "evidence_segments"
    __audited__ = False  # derived from probe results, recomputed at will
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"), primary_key=True)
    start: Mapped[datetime] = mapped_column(EpochMicros(), primary_key=True)
    # end - start, in microseconds.
    span: Mapped[int] = mapped_column(BigInteger)
    # end - the last member's observed time (an upper bound of it when imported without raw results), µs.
    gap: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(SegmentState())
    count: Mapped[int]
    # A fail segment's first min(count, 10) observed times, as microseconds after ``start`` separated by
    # commas (measure.segments.Segment.lead); empty for 'up'. Decides confirmation at an as_of inside a run.
    lead: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        CheckConstraint("state IN (0, 1)", name="state_known"),
        CheckConstraint("span >= 0", name="ordered"),
        CheckConstraint("gap >= 0 AND gap <= span", name="gap_inside"),
        CheckConstraint("count >= 1", name="count_positive"),
        # SQLite: the primary key is the table itself (no rowid and no second copy of the key in an index).
        {"sqlite_with_rowid": False},
    )

    @hybrid_property
    def end(self) -> datetime:
        return self.start + timedelta(microseconds=self.span)

    @end.inplace.setter
    def _end_setter(self, value: datetime) -> None:  # set ``start`` first
        self.span = to_micros(value) - to_micros(self.start)

    @end.inplace.expression
    @classmethod
    def _end_expression(cls) -> ColumnElement[datetime]:
        return type_coerce(type_coerce(cls.start, BigInteger) + cls.span, EpochMicros())

    @hybrid_property
    def last_observed(self) -> datetime:
        return self.start + timedelta(microseconds=self.span - self.gap)

    @last_observed.inplace.setter
    def _last_observed_setter(self, value: datetime) -> None:  # set ``start`` and ``end`` first
        self.gap = to_micros(self.start) + self.span - to_micros(value)

    @last_observed.inplace.expression
    @classmethod
    def _last_observed_expression(cls) -> ColumnElement[datetime]:
        return type_coerce(type_coerce(cls.start, BigInteger) + cls.span - cls.gap, EpochMicros())


class LatencyDaily(Base):
    """One target-day (UTC) of hourly check counts and latency figures, packed (measure/latency.py).

    Kept after raw results are pruned: one row a day instead of one an hour.
    """

    __tablename__ = "latency_daily"
    __audited__ = False  # derived from probe results, recomputed at will
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(EpochDay(), primary_key=True)  # the UTC day, as days since 1970-01-01
    hours: Mapped[bytes] = mapped_column(LargeBinary)

    # SQLite: the primary key is the table itself (no rowid and no second copy of the key in an index).
    __table_args__ = ({"sqlite_with_rowid": False},)
