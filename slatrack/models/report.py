"""Generated maintenance reports with their status and the figures they were submitted with."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slatrack.models.base import Base, utcnow
from slatrack.models.enums import REPORT_STATUSES, check_in


class Report(Base):
    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # 'quarterly' or 'self-evaluation'
    period: Mapped[str] = mapped_column(String(8))  # '2025Q2' or '2025'
    status: Mapped[str] = mapped_column(String(10), default="draft")
    problems: Mapped[str] = mapped_column(Text, default="")
    next_plan: Mapped[str] = mapped_column(Text, default="")
    # The figures as submitted; later changes to records never alter them.
    frozen_figures: Mapped[dict[str, object] | None] = mapped_column(JSON)
    # The quarterly report's document as submitted (reports/frozen.py's JSON form); shown ever after.
    frozen_document: Mapped[dict[str, object] | None] = mapped_column(JSON)
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("kind", "period"),
        CheckConstraint(check_in("status", REPORT_STATUSES), name="status_known"),
        CheckConstraint("kind IN ('quarterly', 'self-evaluation')", name="kind_known"),
    )


class SlaSnapshot(Base):
    """The figures of a period as they stood one night: the trend behind the pages, kept as evidence."""

    __tablename__ = "sla_snapshots"
    __audited__ = False  # written by a job from data that is itself audited
    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(8))  # '2025' or '2025Q2'
    taken_on: Mapped[date]  # the local date of the night it was taken
    as_of: Mapped[datetime]
    figures: Mapped[dict[str, object]] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("period", "taken_on"),)
