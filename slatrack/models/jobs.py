"""Scheduler bookkeeping: per-tick job claims, the job log, and notifications for the pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slatrack.models.base import Base, utcnow


class JobRun(Base):
    """One run of a scheduled job. The unique (job_id, tick) claim makes two schedulers run a tick once."""

    __tablename__ = "job_runs"
    __audited__ = False
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64))
    tick: Mapped[datetime]
    host: Mapped[str] = mapped_column(String(128), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(12), default="running")
    summary: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("job_id", "tick"), Index("ix_job_runs_started", "started_at"))


class Notification(Base):
    __tablename__ = "notifications"
    __audited__ = False
    id: Mapped[int] = mapped_column(primary_key=True)
    # A stable key makes a reminder job safe to run twice: the same reminder is not written again.
    key: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    role: Mapped[str | None] = mapped_column(String(8))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A unit's own notification (its request answered, resolved): seen by that unit's users.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Read marks are per person: models.notification.NotificationRead.


class SchedulerLease(Base):
    """Leadership for continuous work (the in-process probes): one holder at a time, renewed while alive."""

    __tablename__ = "scheduler_leases"
    __audited__ = False
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128), default="")
    expires_at: Mapped[datetime]
