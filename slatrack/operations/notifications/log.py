"""The delivery log: what was sent (and answered), and what still waits or failed, newest first."""

from __future__ import annotations

from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import AlertDelivery, AlertEvent, AlertSend

LOG_ROWS = 100


def recent_sends(channel_id: int | None = None, limit: int = LOG_ROWS) -> list[AlertSend]:
    statement = select(AlertSend).order_by(AlertSend.at.desc(), AlertSend.id.desc()).limit(limit)
    if channel_id is not None:
        statement = statement.where(AlertSend.channel_id == channel_id)
    return list(db.session.scalars(statement))


def open_deliveries(channel_id: int | None = None, limit: int = LOG_ROWS) -> list[tuple[AlertDelivery, AlertEvent]]:
    """Deliveries not (yet) sent: pending, failed after every retry, or cancelled, with their events."""
    statement = (
        select(AlertDelivery, AlertEvent)
        .join(AlertEvent, AlertEvent.id == AlertDelivery.event_id)
        .where(AlertDelivery.status.in_(("pending", "failed", "cancelled")))
        .order_by(AlertDelivery.id.desc())
        .limit(limit)
    )
    if channel_id is not None:
        statement = statement.where(AlertDelivery.channel_id == channel_id)
    return [(row[0], row[1]) for row in db.session.execute(statement)]
