"""Routine inspections (例行检查) and satisfaction survey responses (满意度)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slatrack.models.base import Base, utcnow
from slatrack.models.enums import INSPECTION_KINDS, check_in


class Inspection(Base):
    """The monthly security check or backup check; a later record for the same month and kind supersedes."""

    __tablename__ = "inspections"
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # local month, "2025-05"
    kind: Mapped[str] = mapped_column(String(8))
    performed_at: Mapped[datetime]
    performed_by: Mapped[str] = mapped_column(String(64), default="")
    passed: Mapped[bool]
    findings: Mapped[str] = mapped_column(Text, default="")
    evidence_file: Mapped[str | None] = mapped_column(String(255))
    # 'manual' or 'auto' (filled from a backup or push target's evidence).
    origin: Mapped[str] = mapped_column(String(8), default="manual")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint(check_in("kind", INSPECTION_KINDS), name="kind_known"),
        CheckConstraint("origin IN ('manual', 'auto')", name="origin_known"),
    )


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    period: Mapped[str] = mapped_column(String(6))  # "2025" or "2025Q2"
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    responded_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit = relationship("Unit")

    __table_args__ = (
        UniqueConstraint("unit_id", "period", "responded_at"),
        CheckConstraint("score >= 1 AND score <= 5", name="score_range"),
    )
