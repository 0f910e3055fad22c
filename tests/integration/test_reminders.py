"""Reminder and snapshot jobs: what they write, and that running them twice writes nothing more."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Flask
from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import Inspection, Notification, Report, SlaSnapshot
from slatrack.operations.figures.snapshots import take_snapshots
from slatrack.operations.notifications.reminders import (
    ensure_quarterly_draft,
    inspection_reminders,
    report_reminders,
    ticket_reminders,
)
from slatrack.operations.tickets.lifecycle import create_ticket

CST = timezone(timedelta(hours=8))


def _keys() -> list[str]:
    return sorted(db.session.scalars(select(Notification.key)))


def test_inspection_reminders_from_the_25th_for_what_is_missing(app: Flask) -> None:
    assert inspection_reminders(datetime(2025, 5, 24, 12, tzinfo=CST)) == 0
    db.session.add(
        Inspection(month="2025-05", kind="security", performed_at=datetime(2025, 5, 3, tzinfo=CST), passed=True)
    )
    db.session.add(
        Inspection(month="2025-05", kind="backup", performed_at=datetime(2025, 5, 3, tzinfo=CST), passed=False)
    )
    db.session.commit()
    assert inspection_reminders(datetime(2025, 5, 25, 9, tzinfo=CST)) == 2
    assert _keys() == ["inspection:2025-05:backup:admin", "inspection:2025-05:backup:vendor"]
    message = db.session.scalars(select(Notification.message)).first()
    assert message == "2025年5月的备份核验尚未完成（每月25日前应完成）"
    assert inspection_reminders(datetime(2025, 5, 26, 9, tzinfo=CST)) == 0  # already reminded


def test_ticket_near_and_past_its_deadline(app: Flask) -> None:
    reported = datetime(2025, 6, 2, 9, 0, tzinfo=CST)
    ticket = create_ticket(
        unit_code="522701", category="consult", priority="P3", channel="电话", mode="远程",
        title="账号无法登录", reported_at=reported,
    )  # fmt: skip
    assert ticket_reminders(reported + timedelta(minutes=5)) == 0  # deadline 09:30, 25 min away
    assert ticket_reminders(reported + timedelta(minutes=22)) == 1
    assert ticket_reminders(reported + timedelta(minutes=23)) == 0
    message = db.session.scalars(select(Notification.message)).one()
    assert f"工单 {ticket.number}「账号无法登录」即将到达响应时限" in message


def test_report_reminders_and_the_quarter_end_draft(app: Flask) -> None:
    early = datetime(2025, 6, 10, tzinfo=CST)
    assert report_reminders(early) == 2  # 2025Q1 has ended without a report
    assert "2025年第1季度已结束，季度运维报告尚未提交" in db.session.scalars(select(Notification.message)).first()
    last_week = datetime(2025, 6, 26, tzinfo=CST)
    assert report_reminders(last_week) == 2  # and Q2 is ending
    assert report_reminders(last_week) == 0
    assert ensure_quarterly_draft(datetime(2025, 7, 1, 1, tzinfo=CST)) == "2025Q2"
    assert ensure_quarterly_draft(datetime(2025, 7, 2, 1, tzinfo=CST)) is None
    report = db.session.scalars(select(Report)).one()
    assert (report.period, report.status) == ("2025Q2", "draft")


def test_nightly_snapshot_keeps_one_row_per_period_and_night(app: Flask) -> None:
    night = datetime(2025, 5, 20, 1, 30, tzinfo=CST)
    assert take_snapshots(night) == ["2025", "2025Q2"]
    take_snapshots(night + timedelta(minutes=5))
    rows = db.session.scalars(select(SlaSnapshot).order_by(SlaSnapshot.period)).all()
    assert [(r.period, str(r.taken_on)) for r in rows] == [("2025", "2025-05-20"), ("2025Q2", "2025-05-20")]
    assert rows[1].figures["service_minutes"] > 0 and rows[1].figures["to"] == "2025-06-30"
