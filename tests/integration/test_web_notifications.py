"""Notifications: each role sees its own, the header counts the unread, and they can be marked read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from slatrack.extensions import db
from slatrack.models import Notification
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


def test_mark_one_and_all_read(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    notes = _notes()
    make_user("eng", "vendor")
    login(client, "eng")
    assert client.post(f"/notifications/{notes['vendor'].id}/read").status_code == 302
    db.session.refresh(notes["vendor"])
    assert notes["vendor"].read_at is not None
    assert 'aria-label="2 条未读"' in client.get("/").get_data(as_text=True)
    unread = client.get("/notifications?unread=1").get_data(as_text=True)
    assert "工单 YW-1 即将超时" not in unread and "外部链接" in unread
    done = client.post("/notifications/read-all", follow_redirects=True).get_data(as_text=True)
    assert "已将 2 条通知标为已读" in done
    db.session.refresh(notes["admin"])
    assert notes["admin"].read_at is None  # the administrators' reminder is still theirs to read
    assert "条未读" not in client.get("/").get_data(as_text=True)
