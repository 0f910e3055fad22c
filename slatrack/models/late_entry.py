"""Late entries (补记): a stated time entered more than the grace after it, awaiting the bureau's decision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from slatrack.models.base import Base, utcnow
from slatrack.models.enums import check_in

LATE_ENTRY_KINDS = ("event", "report", "outage_end")
LATE_ENTRY_STATUSES = ("pending", "confirmed", "rejected", "bureau")


class LateEntry(Base):
    """One late stated time: a ticket event's ``at`` (kind ``event``), a ticket's ``reported_at`` (``report``)
    or the end of an outage typed by hand (``outage_end``)."""

    __tablename__ = "late_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    outage_id: Mapped[int | None] = mapped_column(ForeignKey("outages.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_events.id", ondelete="CASCADE"), unique=True)
    stated_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_late_entries_status", "status"),
        Index("ix_late_entries_ticket", "ticket_id"),
        Index("ix_late_entries_outage", "outage_id"),
        CheckConstraint(check_in("kind", LATE_ENTRY_KINDS), name="kind_known"),
        CheckConstraint(check_in("status", LATE_ENTRY_STATUSES), name="status_known"),
    )
