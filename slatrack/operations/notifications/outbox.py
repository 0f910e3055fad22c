"""Write alert events into the outbox (and the in-app notifications they imply) inside the caller's
transaction: the event commits or rolls back with the change that caused it, and nothing is sent here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from slatrack import labels
from slatrack.clock import local_time
from slatrack.extensions import db
from slatrack.models import AlertEvent, Notification, utcnow
from slatrack.operations.notifications.catalog import EVENTS, INBOX_ROLES, TO_UNIT


def local_text(at: datetime | None) -> str:
    """``2026年12月3日 14:03`` in the configured zone: the pages' and documents' one format."""
    if at is None:
        return "—"
    return labels.datetime_text(local_time(at))


def short_text(at: datetime) -> str:
    """``12月3日 14:03`` in the configured zone (a digest's line, a reminder's deadline: the year goes without
    saying)."""
    local = local_time(at)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def day_text(day: date) -> str:
    """``2026年12月31日``."""
    return f"{day.year}年{day.month}月{day.day}日"


def duration_text(minutes: float) -> str:
    whole = round(minutes)
    if whole < 60:
        return f"{whole} 分钟"
    hours, rest = divmod(whole, 60)
    return f"{hours} 小时 {rest} 分钟" if rest else f"{hours} 小时"


def absolute_link(link: str) -> str:
    base = str(current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    return f"{base}{link}" if base and link.startswith("/") else link


def emit(
    event: str,
    key: str,
    *,
    title: str,
    text: str,
    link: str,
    at: datetime | None = None,
    data: dict[str, Any] | None = None,
    unit_id: int | None = None,
    roles: Iterable[str] | None = None,
) -> AlertEvent | None:
    """Add the event (once per key) to the session; returns it, or None when it was already written."""
    if event not in EVENTS:
        raise ValueError(f"unknown alert event {event!r}")
    pending = [obj for obj in db.session.new if isinstance(obj, AlertEvent) and obj.key == key]
    if pending or db.session.scalar(select(AlertEvent.id).where(AlertEvent.key == key)) is not None:
        return None
    row = AlertEvent(
        key=key, event=event, title=title[:200], text=text, link=link, at=at or utcnow(),
        data=data or {}, unit_id=unit_id,
    )  # fmt: skip
    db.session.add(row)
    message = f"{title}：{text}"
    for role in INBOX_ROLES.get(event, ()) if roles is None else roles:
        db.session.add(Notification(key=f"alert:{key}:{role}"[:128], kind=event, role=role, message=message, link=link))
    if event in TO_UNIT and unit_id is not None:
        db.session.add(Notification(key=f"alert:{key}:unit"[:128], kind=event, role="unit", unit_id=unit_id,
                                    message=message, link=link))  # fmt: skip
    return row
