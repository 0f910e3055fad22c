"""Service tickets (服务工单) and their timestamped event history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slatrack.models.base import Base, utcnow
from slatrack.models.enums import (
    CHANNELS,
    MODES,
    PRIORITIES,
    TICKET_CATEGORIES,
    TICKET_EVENTS,
    TICKET_STATUSES,
    check_in,
)
from slatrack.models.outage import outage_tickets


class TicketSequence(Base):
    """The last number issued per year, so ticket numbers are never reused even after a cancel."""

    __tablename__ = "ticket_sequences"
    __audited__ = False
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    requester: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(8))
    mode: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(2))
    # A unit's request: the priority it suggested; ``priority`` is provisional until the vendor confirms it.
    suggested_priority: Mapped[str | None] = mapped_column(String(2))
    priority_confirmed_at: Mapped[datetime | None]
    priority_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    priority_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    reported_at: Mapped[datetime]
    # Current state and key instants, kept in step with the events for fast queues and filters.
    status: Mapped[str] = mapped_column(String(12), default="open")
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    # Deadlines as of the last event (the resolution deadline moves with pauses), for queues sorted by due time.
    response_due_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None]
    # A hash of the identifying fields of an imported row, so re-importing it creates nothing.
    import_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit = relationship("Unit")
    contract = relationship("Contract")
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="(TicketEvent.at, TicketEvent.id)", cascade="all, delete-orphan"
    )
    outages = relationship("Outage", secondary=outage_tickets, back_populates="tickets")

    __table_args__ = (
        Index("ix_tickets_reported_at", "reported_at"),
        Index("ix_tickets_status", "status"),
        Index("ix_tickets_resolution_due", "resolution_due_at"),
        Index("ix_tickets_unit_reported", "unit_id", "reported_at"),
        CheckConstraint(check_in("category", TICKET_CATEGORIES), name="category_known"),
        CheckConstraint(check_in("priority", PRIORITIES), name="priority_known"),
        CheckConstraint(check_in("channel", CHANNELS), name="channel_known"),
        CheckConstraint(check_in("mode", MODES), name="mode_known"),
        CheckConstraint(check_in("status", TICKET_STATUSES), name="status_known"),
    )


class TicketEvent(Base):
    __tablename__ = "ticket_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    user = relationship("User")

    __table_args__ = (
        Index("ix_ticket_events_ticket_at", "ticket_id", "at"),
        CheckConstraint(check_in("type", TICKET_EVENTS), name="type_known"),
    )


class TicketRating(Base):
    """A unit's 1-5 rating of a closed ticket."""

    __tablename__ = "ticket_ratings"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("ticket_id"),
        CheckConstraint("score >= 1 AND score <= 5", name="score_range"),
    )
