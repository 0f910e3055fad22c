"""Reminders written as notifications for the pages: missing inspections, tickets near their deadline,
a quarter ending without a report. Each has a stable key, so a job can run twice without doubling them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from slatrack.extensions import db
from slatrack.measure.periods import quarter_period
from slatrack.models import Notification, Report, Ticket, utcnow
from slatrack.operations.notifications.deadlines import INSPECTION_DUE_DAY, inspections_due
from slatrack.operations.notifications.outbox import short_text

# A ticket is "near" its deadline this long before it (response, resolution).
RESPONSE_WARNING = timedelta(minutes=10)
RESOLUTION_WARNING = timedelta(hours=1)
REPORT_WARNING_DAYS = 7
OPEN_STATUSES = ("open", "in_progress", "paused")


def notify(key: str, kind: str, message: str, *, role: str | None = None, link: str = "") -> bool:
    """Write a notification once per key; False when it already exists."""
    if db.session.scalar(select(Notification.id).where(Notification.key == key)) is not None:
        return False
    db.session.add(Notification(key=key, kind=kind, role=role, message=message, link=link))
    try:
        db.session.commit()
    except IntegrityError:  # another scheduler wrote it between our check and insert
        db.session.rollback()
        return False
    return True


def _local(now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(str(current_app.config["TIMEZONE"])))


def inspection_reminders(now: datetime | None = None) -> int:
    """From the 25th, remind vendor and admin of this month's checks not yet passed."""
    local = _local(now or utcnow())
    month = f"{local.year:04d}-{local.month:02d}"
    written = 0
    for kind, label in inspections_due(local):
        message = f"{local.year}年{local.month}月的{label}尚未完成（每月{INSPECTION_DUE_DAY}日前应完成）"
        for role in ("vendor", "admin"):
            written += notify(
                f"inspection:{month}:{kind}:{role}", "inspection_due", message, role=role, link="/inspections"
            )
    return written


def ticket_reminders(now: datetime | None = None) -> int:
    """Warn the vendor of open tickets whose response or resolution deadline is close or just passed."""
    now = now or utcnow()
    written = 0
    tickets = db.session.scalars(
        select(Ticket).where(
            Ticket.status.in_(OPEN_STATUSES),
            ((Ticket.first_response_at.is_(None)) & (Ticket.response_due_at <= now + RESPONSE_WARNING))
            | (Ticket.resolution_due_at <= now + RESOLUTION_WARNING),
        )
    )
    for ticket in tickets:
        if (
            ticket.first_response_at is None
            and ticket.response_due_at
            and ticket.response_due_at <= now + RESPONSE_WARNING
        ):
            due = ticket.response_due_at
            state = "已超过" if due <= now else "即将到达"
            message = f"工单 {ticket.number}「{ticket.title}」{state}响应时限（{short_text(due)}）"
            written += notify(
                f"ticket:{ticket.id}:response:{due.isoformat()}", "ticket_due", message, role="vendor",
                link=f"/tickets/{ticket.id}",
            )  # fmt: skip
        if (
            ticket.status != "paused"
            and ticket.resolution_due_at
            and ticket.resolution_due_at <= now + RESOLUTION_WARNING
        ):
            due = ticket.resolution_due_at
            state = "已超过" if due <= now else "即将到达"
            message = f"工单 {ticket.number}「{ticket.title}」{state}解决时限（{short_text(due)}）"
            written += notify(
                f"ticket:{ticket.id}:resolution:{due.isoformat()}", "ticket_due", message, role="vendor",
                link=f"/tickets/{ticket.id}",
            )  # fmt: skip
    return written


def report_reminders(now: datetime | None = None) -> int:
    """In a quarter's last week, and after it, remind admin and vendor while its report is not submitted."""
    now = now or utcnow()
    local = _local(now)
    tz = str(current_app.config["TIMEZONE"])
    current = f"{local.year}Q{(local.month - 1) // 3 + 1}"
    previous_q = (local.month - 1) // 3
    previous = f"{local.year}Q{previous_q}" if previous_q else f"{local.year - 1}Q4"
    written = 0
    for label in (previous, current):
        period = quarter_period(label, tz)
        if label == current and period.end - now > timedelta(days=REPORT_WARNING_DAYS):
            continue
        submitted = db.session.scalar(
            select(Report.id).where(
                Report.kind == "quarterly", Report.period == label, Report.status.in_(("submitted", "accepted"))
            )
        )
        if submitted is not None:
            continue
        state = "已结束" if period.end <= now else "即将结束"
        message = f"{label[:4]}年第{label[-1]}季度{state}，季度运维报告尚未提交"
        for role in ("vendor", "admin"):
            written += notify(f"report:{label}:{state}:{role}", "report_due", message, role=role, link="/reports")
    return written


def ensure_quarterly_draft(now: datetime | None = None) -> str | None:
    """Once a quarter has ended, make sure its report exists as a draft; returns its label if created."""
    local = _local(now or utcnow())
    previous_q = (local.month - 1) // 3
    label = f"{local.year}Q{previous_q}" if previous_q else f"{local.year - 1}Q4"
    if db.session.scalar(select(Report.id).where(Report.kind == "quarterly", Report.period == label)) is not None:
        return None
    db.session.add(Report(kind="quarterly", period=label, status="draft"))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return label
