"""Outages (derived from checks or entered by hand), maintenance windows and exclusions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slatrack.models.base import Base, utcnow
from slatrack.models.enums import EXCLUSION_CATEGORIES, check_in

outage_tickets = Table(
    "outage_tickets",
    Base.metadata,
    Column("outage_id", ForeignKey("outages.id", ondelete="CASCADE"), primary_key=True),
    Column("ticket_id", ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
)


class Outage(Base):
    """A confirmed outage of a target (source 'probe') or one entered by hand (source 'manual').

    A probe outage is open (end NULL) until the target recovers.
    """

    __tablename__ = "outages"
    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"))
    source: Mapped[str] = mapped_column(String(8))
    start: Mapped[datetime]
    end: Mapped[datetime | None]
    cause: Mapped[str] = mapped_column(Text, default="")
    # What was done about it (处理情况); with the cause, what the quarterly report lists (issue 13).
    handling: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    target = relationship("Target")
    tickets = relationship("Ticket", secondary=outage_tickets, back_populates="outages")
    exclusions: Mapped[list[Exclusion]] = relationship(back_populates="outage", cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_outages_target_start", "target_id", "start"),
        CheckConstraint("source IN ('probe', 'manual')", name="source_known"),
        CheckConstraint('"end" IS NULL OR "end" > start', name="ordered"),
    )


class MaintenanceWindow(Base):
    """Planned maintenance (计划维护): an admin's is approved at once, a vendor's waits for approval."""

    __tablename__ = "maintenance_windows"
    id: Mapped[int] = mapped_column(primary_key=True)
    start: Mapped[datetime]
    end: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A request the bureau refused (never counted); the reason of the approval or the rejection.
    rejected_at: Mapped[datetime | None]
    rejected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    __table_args__ = (CheckConstraint('"end" > start', name="ordered"),)


class Exclusion(Base):
    """Part or all of an outage adjudicated as not the vendor's, with a reason and who decided."""

    __tablename__ = "exclusions"
    id: Mapped[int] = mapped_column(primary_key=True)
    outage_id: Mapped[int] = mapped_column(ForeignKey("outages.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    start: Mapped[datetime]
    # None: up to the end of an outage still going (it follows the outage's end once that is known).
    end: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    outage: Mapped[Outage] = relationship(back_populates="exclusions")

    __table_args__ = (
        CheckConstraint(check_in("category", EXCLUSION_CATEGORIES), name="category_known"),
        CheckConstraint('"end" > start', name="ordered"),
    )
