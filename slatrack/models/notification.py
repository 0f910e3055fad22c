"""Alerts: notification channels, the outbox of alert events, their deliveries and every message sent,
and per-person read marks of the in-app notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slatrack.models.base import Base, utcnow


class NotificationChannel(Base):
    """Where alerts go: a group robot (wecom, dingtalk, feishu), an email list or a JSON webhook."""

    __tablename__ = "notification_channels"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    # The full webhook URL; it carries the robot's access token, so it is treated like the secret.
    webhook_url: Mapped[str] = mapped_column(String(1000), default="")
    # Encrypted with a key derived from SECRET_KEY (it must be used to sign, so it cannot be hashed);
    # never shown back and masked in the audit log (audit.SECRET_COLUMNS).
    secret: Mapped[str | None] = mapped_column(Text)
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    units: Mapped[list[str]] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(default=True)
    rate_per_minute: Mapped[int] = mapped_column(default=20)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertEvent(Base):
    """The outbox: one row per event, written in the transaction of the change that caused it."""

    __tablename__ = "alert_events"
    __audited__ = False
    id: Mapped[int] = mapped_column(primary_key=True)
    # The same event is never written twice (a job that runs again, an outage reconciled again).
    key: Mapped[str] = mapped_column(String(200), unique=True)
    event: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(255), default="")
    at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set once the event has been queued for each channel that wants it.
    dispatched_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_alert_events_pending", "dispatched_at"),)


class AlertDelivery(Base):
    """One event for one channel: pending until a message carrying it is accepted by the receiver."""

    __tablename__ = "alert_deliveries"
    __audited__ = False
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("alert_events.id", ondelete="CASCADE"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("notification_channels.id", ondelete="SET NULL"))
    channel_name: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, sent, failed, cancelled
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    send_id: Mapped[int | None] = mapped_column(ForeignKey("alert_sends.id", ondelete="SET NULL"))
    last_error: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        UniqueConstraint("event_id", "channel_id"),
        Index("ix_alert_deliveries_due", "status", "next_attempt_at"),
    )


class AlertSend(Base):
    """One message handed to a receiver (a single event, a digest, or a test), with the receiver's answer."""

    __tablename__ = "alert_sends"
    __audited__ = False
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("notification_channels.id", ondelete="SET NULL"))
    channel_name: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(8))  # single, digest, test
    title: Mapped[str] = mapped_column(String(200))
    items: Mapped[int] = mapped_column(default=1)
    ok: Mapped[bool]
    answer: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_alert_sends_channel_at", "channel_id", "at"),)


class NotificationRead(Base):
    """A person's read mark on an in-app notification (a role's notification is read per person)."""

    __tablename__ = "notification_reads"
    __audited__ = False
    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    read_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("notification_id", "user_id"),)
