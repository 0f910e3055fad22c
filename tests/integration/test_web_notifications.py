"""Notifications: each role sees its own, the header counts the unread, and they can be marked read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import Notification, NotificationRead, Unit, User
from tests.integration.conftest import login


def _notes() -> dict[str, Notification]:
    notes = {
        "vendor": Notification(
            key="k1", kind="ticket_due", role="vendor", message="工单 YW-1 即将超时", link="/tickets/1"
        ),
        "admin": Notification(key="k2", kind="report_due", role="admin", message="2025Q2 报告待提交", link="/reports"),
        "both": Notification(key="k3", kind="inspection_due", role=None, message="5 月安全检查未完成"),
        "evil": Notification(
            key="k4", kind="ticket_due", role="vendor", message="外部链接", link="https://evil.example/"
        ),
    }
    db.session.add_all(notes.values())
    db.session.commit()
    return notes


def test_each_role_sees_its_own(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    notes = _notes()
    make_user("eng", "vendor")
    login(client, "eng")
    html = client.get("/notifications").get_data(as_text=True)
    assert "工单 YW-1 即将超时" in html and "5 月安全检查未完成" in html
    assert "2025Q2 报告待提交" not in html
    assert '<a href="/tickets/1">' in html
    assert "https://evil.example/" not in html  # only local links are made clickable
    # The header counts the unread ones.
    assert 'aria-label="3 条未读"' in client.get("/").get_data(as_text=True)
    # Another role's notification cannot be marked.
    assert client.post(f"/notifications/{notes['admin'].id}/read").status_code == 404


def _read_by(username: str) -> set[int]:
    user = db.session.scalar(select(User).where(User.username == username))
    return set(db.session.scalars(select(NotificationRead.notification_id).where(NotificationRead.user_id == user.id)))


def test_mark_one_and_all_read_per_person(app: Flask, make_user: Callable[..., Any]) -> None:
    notes = _notes()
    make_user("eng", "vendor")
    make_user("eng2", "vendor")
    client = app.test_client()
    login(client, "eng")
    assert client.post(f"/notifications/{notes['vendor'].id}/read").status_code == 302
    assert _read_by("eng") == {notes["vendor"].id}
    assert 'aria-label="2 条未读"' in client.get("/").get_data(as_text=True)
    unread = client.get("/notifications?unread=1").get_data(as_text=True)
    assert "工单 YW-1 即将超时" not in unread and "外部链接" in unread
    done = client.post("/notifications/read-all", follow_redirects=True).get_data(as_text=True)
    assert "已将 2 条通知标为已读" in done
    assert notes["admin"].id not in _read_by("eng")  # the administrators' reminder is still theirs to read
    assert "条未读" not in client.get("/").get_data(as_text=True)
    # Another engineer of the same role has read nothing: read marks are per person.
    other = app.test_client()
    login(other, "eng2")
    assert 'aria-label="3 条未读"' in other.get("/").get_data(as_text=True)
    assert _read_by("eng2") == set()


def test_a_unit_sees_its_own_notifications_only(app: Flask, make_user: Callable[..., Any]) -> None:
    units = {row[0]: row[1] for row in db.session.execute(select(Unit.code, Unit.id))}
    db.session.add_all(
        [
            Notification(
                key="u1", kind="ticket.resolved", role="unit", unit_id=units["522701"], message="都匀市的工单已解决"
            ),
            Notification(
                key="u2", kind="ticket.resolved", role="unit", unit_id=units["522702"], message="福泉市的工单已解决"
            ),
        ]
    )
    db.session.commit()
    make_user("duyun", "unit", unit="522701")
    make_user("eng", "vendor")
    client = app.test_client()
    login(client, "duyun")
    html = client.get("/notifications").get_data(as_text=True)
    assert "都匀市的工单已解决" in html and "福泉市的工单已解决" not in html
    vendor = app.test_client()
    login(vendor, "eng")
    assert "都匀市的工单已解决" not in vendor.get("/notifications").get_data(as_text=True)
