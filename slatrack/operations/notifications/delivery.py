"""The delivery worker's pass: fan new outbox events out to the channels that want them, then send what is
due, channel by channel, within each channel's rate limit.

- Rate limit: at most ``rate_per_minute`` messages in any sliding minute (AlertSend rows are the count).
  A burst beyond what the remaining budget carries one by one is merged into digests: never dropped.
- Retries: a refused or failed send keeps its events pending with exponential backoff (15 s doubling up to
  10 min) for the whole channel; the first accepted send brings the channel's waiting events forward.
  After MAX_ATTEMPTS a delivery is marked failed and stays in the delivery log with the receiver's answer.
- Each send is committed before the next, so an accepted message is never sent again.
The pass takes ``now`` so tests and benchmarks can drive it with their own clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

from flask import current_app
from sqlalchemy import func, select, update

from slatrack import audit
from slatrack.extensions import db
from slatrack.models import AlertDelivery, AlertEvent, AlertSend, NotificationChannel, Unit, utcnow
from slatrack.operations.notifications import senders, vault
from slatrack.operations.notifications.outbox import absolute_link, short_text
from slatrack.operations.notifications.settings import smtp_settings

RETRY_BASE = timedelta(seconds=15)
RETRY_CAP = timedelta(minutes=10)
MAX_ATTEMPTS = 20  # about three hours of trying
RATE_WINDOW = timedelta(minutes=1)
# Sends kept back from single messages, so a burst can still go out at once as a digest.
DIGEST_RESERVE = 2
BATCH = 500


@dataclass
class PassReport:
    dispatched: int = 0
    sends: int = 0
    delivered: int = 0
    failures: int = 0

    def __str__(self) -> str:
        return (
            f"{self.dispatched} queued, {self.sends} messages sent carrying {self.delivered} events, "
            f"{self.failures} failed sends"
        )


def backoff(attempts: int) -> timedelta:
    delay: timedelta = RETRY_BASE * (2 ** max(attempts - 1, 0))
    return min(delay, RETRY_CAP)


def wants(channel: NotificationChannel, event: AlertEvent, unit_codes: dict[int, str]) -> bool:
    """A channel takes the events it lists; with a unit filter, a unit's events only for those units."""
    if not channel.enabled or event.event not in channel.events:
        return False
    return not (channel.units and event.unit_id is not None and unit_codes.get(event.unit_id) not in channel.units)


def dispatch(now: datetime) -> int:
    """Queue every new event for each channel that wants it."""
    events = list(
        db.session.scalars(
            select(AlertEvent).where(AlertEvent.dispatched_at.is_(None)).order_by(AlertEvent.id).limit(BATCH)
        )
    )
    if not events:
        return 0
    channels = list(db.session.scalars(select(NotificationChannel).where(NotificationChannel.enabled.is_(True))))
    unit_codes: dict[int, str] = {row[0]: row[1] for row in db.session.execute(select(Unit.id, Unit.code))}
    queued = 0
    for event in events:
        for channel in channels:
            if wants(channel, event, unit_codes):
                db.session.add(
                    AlertDelivery(
                        event_id=event.id, channel_id=channel.id, channel_name=channel.name, next_attempt_at=now
                    )
                )
                queued += 1
        event.dispatched_at = now
    db.session.commit()
    return queued


def message_of(event: AlertEvent) -> senders.Message:
    return senders.Message(event.event, event.title, event.text, absolute_link(event.link), event.at, event.data)


def outgoing(events: list[AlertEvent]) -> senders.Outgoing:
    return senders.Outgoing([message_of(e) for e in events], [short_text(e.at) for e in events])


def sends_in_window(channel_id: int, now: datetime) -> int:
    return int(
        db.session.scalar(
            select(func.count(AlertSend.id)).where(
                AlertSend.channel_id == channel_id, AlertSend.at > now - RATE_WINDOW, AlertSend.at <= now
            )
        )
        or 0
    )


def transmit(channel: NotificationChannel, out: senders.Outgoing, kind: str, now: datetime) -> AlertSend:
    """Send and record one message (not committed)."""
    try:
        secret = vault.unseal(channel.secret)
    except ValueError as exc:
        ok, answer = False, str(exc)
    else:
        smtp = smtp_settings(current_app.config)
        ok, answer = senders.send(channel.kind, channel.webhook_url, secret, list(channel.recipients), out, smtp)
    record = AlertSend(
        channel_id=channel.id, channel_name=channel.name, at=now, kind=kind, title=out.title[:200],
        items=len(out.messages), ok=ok, answer=answer,
    )  # fmt: skip
    db.session.add(record)
    db.session.flush()
    return record


def _groups(due: list[AlertDelivery], budget: int, kind: str) -> list[list[AlertDelivery]]:
    if len(due) <= max(budget - DIGEST_RESERVE, 1):
        return [[delivery] for delivery in due]
    size = senders.DIGEST_SIZE.get(kind, 30)
    messages = min(budget, ceil(len(due) / size))
    per = min(size, ceil(len(due) / messages))
    return [due[start : start + per] for start in range(0, min(len(due), per * messages), per)]


def deliver_channel(channel: NotificationChannel, now: datetime, report: PassReport) -> None:
    budget = channel.rate_per_minute - sends_in_window(channel.id, now)
    if budget <= 0:
        return
    due = list(
        db.session.scalars(
            select(AlertDelivery)
            .where(
                AlertDelivery.channel_id == channel.id,
                AlertDelivery.status == "pending",
                AlertDelivery.next_attempt_at <= now,
            )
            .order_by(AlertDelivery.event_id)
            .limit(BATCH)
        )
    )
    for group in _groups(due, budget, channel.kind):
        events = [db.session.get(AlertEvent, d.event_id) for d in group]
        record = transmit(
            channel, outgoing([e for e in events if e is not None]), "digest" if len(group) > 1 else "single", now
        )
        report.sends += 1
        if record.ok:
            for delivery in group:
                delivery.status, delivery.sent_at, delivery.send_id = "sent", now, record.id
                delivery.attempts += 1
            report.delivered += len(group)
            # The receiver is back: what waited for it goes on the next pass.
            db.session.execute(
                update(AlertDelivery)
                .where(AlertDelivery.channel_id == channel.id, AlertDelivery.status == "pending",
                       AlertDelivery.next_attempt_at > now)
                .values(next_attempt_at=now)
            )  # fmt: skip
            db.session.commit()
            continue
        report.failures += 1
        attempts = max(d.attempts for d in group) + 1
        retry_at = now + backoff(attempts)
        for delivery in group:
            delivery.attempts += 1
            delivery.last_error = record.answer
            delivery.next_attempt_at = retry_at
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = "failed"
        # The receiver is down: hold the channel's other waiting events too instead of hammering it.
        db.session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.channel_id == channel.id, AlertDelivery.status == "pending",
                   AlertDelivery.next_attempt_at < retry_at)
            .values(next_attempt_at=retry_at)
        )  # fmt: skip
        db.session.commit()
        return


def deliver_pending(now: datetime | None = None) -> PassReport:
    """One pass of the worker: dispatch, then send what is due on every enabled channel."""
    now = now or utcnow()
    report = PassReport(dispatched=dispatch(now))
    channel_ids = list(
        db.session.scalars(
            select(AlertDelivery.channel_id)
            .join(NotificationChannel, NotificationChannel.id == AlertDelivery.channel_id)
            .where(
                AlertDelivery.status == "pending",
                AlertDelivery.next_attempt_at <= now,
                NotificationChannel.enabled.is_(True),
            )
            .distinct()
        )
    )
    for channel_id in channel_ids:
        channel = db.session.get(NotificationChannel, channel_id)
        if channel is not None:
            deliver_channel(channel, now, report)
    return report


def retry_failed(delivery_ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Put failed deliveries (all, or the given ones) back in the queue after the admin fixed the channel."""
    now = now or utcnow()
    query = update(AlertDelivery).where(AlertDelivery.status == "failed", AlertDelivery.channel_id.is_not(None))
    if delivery_ids is not None:
        query = query.where(AlertDelivery.id.in_(delivery_ids))
    result = db.session.execute(query.values(status="pending", attempts=0, next_attempt_at=now))
    count = int(getattr(result, "rowcount", 0) or 0)
    audit.record("retry", object_type="alert_deliveries", detail=f"{count} failed deliveries queued again")
    db.session.commit()
    return count
