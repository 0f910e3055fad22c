"""Each person's in-app notifications: those for their role, for them, and for their unit (its requests
answered, resolved and waiting for its confirmation). Read marks are per person (NotificationRead)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select

from slatrack.extensions import db
from slatrack.models import Notification, NotificationRead, utcnow
from slatrack.operations import NotFound
from slatrack.policy import Principal

NOTIFICATIONS_PER_PAGE = 30


@dataclass(frozen=True)
class InboxRow:
    id: int
    kind: str
    message: str
    link: str
    created_at: datetime
    read_at: datetime | None


def _for_principal(principal: Principal) -> Any:
    for_role = and_(
        Notification.user_id.is_(None),
        or_(Notification.role == principal.role, Notification.role.is_(None)),
        Notification.unit_id.is_(None),
    )
    clauses = [for_role]
    if principal.user_id is not None:
        clauses.append(Notification.user_id == principal.user_id)
    if principal.role == "unit" and principal.unit_id is not None:
        clauses.append(and_(Notification.user_id.is_(None), Notification.unit_id == principal.unit_id))
    return or_(*clauses)


def _read_by(principal: Principal) -> Any:
    return exists().where(
        NotificationRead.notification_id == Notification.id, NotificationRead.user_id == principal.user_id
    )


def unread_count(principal: Principal) -> int:
    return int(
        db.session.scalar(select(func.count(Notification.id)).where(_for_principal(principal), ~_read_by(principal)))
        or 0
    )


def notifications_page(principal: Principal, page: int = 1, unread_only: bool = False) -> tuple[int, list[InboxRow]]:
    """The person's notifications, unread first then newest first, and their number."""
    read_at = (
        select(NotificationRead.read_at)
        .where(NotificationRead.notification_id == Notification.id, NotificationRead.user_id == principal.user_id)
        .correlate(Notification)
        .scalar_subquery()
    )
    statement = select(Notification, read_at.label("read_at")).where(_for_principal(principal))
    if unread_only:
        statement = statement.where(~_read_by(principal))
    total = int(db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0)
    rows = db.session.execute(
        statement.order_by(read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc())
        .limit(NOTIFICATIONS_PER_PAGE)
        .offset((max(page, 1) - 1) * NOTIFICATIONS_PER_PAGE)
    ).all()
    return total, [InboxRow(n.id, n.kind, n.message, n.link, n.created_at, read) for n, read in rows]


def mark_read(principal: Principal, notification_id: int | None = None, now: datetime | None = None) -> int:
    """Mark one notification (or, with None, all of them) read for this person; others' are not found."""
    if principal.user_id is None:
        return 0
    now = now or utcnow()
    statement = select(Notification.id).where(_for_principal(principal), ~_read_by(principal))
    if notification_id is not None:
        if (
            db.session.scalar(
                select(Notification.id).where(Notification.id == notification_id, _for_principal(principal))
            )
            is None
        ):
            raise NotFound(f"通知不存在：{notification_id}")
        statement = statement.where(Notification.id == notification_id)
    ids = list(db.session.scalars(statement))
    db.session.add_all(NotificationRead(notification_id=i, user_id=principal.user_id, read_at=now) for i in ids)
    db.session.commit()
    return len(ids)
