"""The unit closes the loop: a unit's resolved request waits for its 确认解决 or 退回, or the auto-confirm job."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient

from slatrack.audit import acting_as
from slatrack.extensions import db
from slatrack.models import Ticket
from slatrack.operations.tickets.closure import auto_confirm
from slatrack.operations.tickets.lifecycle import create_ticket, record_event
from tests.integration.conftest import bearer

CST = ZoneInfo("Asia/Shanghai")
REQUEST = {"unit": "522701", "category": "fault", "suggested_priority": "P2", "channel": "系统", "mode": "远程",
           "title": "无法登录", "requester": "王五"}  # fmt: skip


def _resolved_request(client: FlaskClient, unit: str, vendor: str) -> dict[str, Any]:
    ticket = client.post("/api/v1/tickets", json=REQUEST, headers=bearer(unit)).get_json()
    for kind in ("respond", "resolve"):
        response = client.post(f"/api/v1/tickets/{ticket['id']}/events", json={"type": kind}, headers=bearer(vendor))
        assert response.status_code == 201
    body: dict[str, Any] = response.get_json()
    assert body["status"] == "resolved"
    return body


def test_the_unit_confirms_and_is_asked_for_its_rating(client: FlaskClient, make_token: Callable[..., str]) -> None:
    unit, vendor, other = make_token("unit", "522701"), make_token("vendor"), make_token("unit", "522702")
    ticket = _resolved_request(client, unit, vendor)
    closing = client.post(f"/api/v1/tickets/{ticket['id']}/events", json={"type": "close"}, headers=bearer(vendor))
    assert closing.status_code == 409 and "由该单位确认解决" in closing.get_json()["error"]["message"]
    url = f"/api/v1/tickets/{ticket['id']}/confirm-resolution"
    assert client.post(url, headers=bearer(other)).status_code == 404
    assert client.post(url, headers=bearer(vendor)).status_code == 403
    confirmed = client.post(url, headers=bearer(unit))
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "closed"
    assert confirmed.get_json()["events"][-1]["note"] == "使用单位确认解决"
    assert client.post(url, headers=bearer(unit)).status_code == 409  # not resolved any more
    rated = client.post(f"/api/v1/tickets/{ticket['id']}/rating", json={"score": 5}, headers=bearer(unit))
    assert rated.status_code == 201


def test_the_unit_returns_it_with_a_reason(client: FlaskClient, make_token: Callable[..., str]) -> None:
    unit, vendor = make_token("unit", "522701"), make_token("vendor")
    ticket = _resolved_request(client, unit, vendor)
    url = f"/api/v1/tickets/{ticket['id']}/return"
    missing = client.post(url, json={"reason": " "}, headers=bearer(unit))
    assert missing.status_code == 422 and "reason" in missing.get_json()["error"]["fields"]
    returned = client.post(url, json={"reason": "仍然无法登录"}, headers=bearer(unit))
    assert returned.status_code == 200
    body = returned.get_json()
    assert body["status"] == "in_progress" and body["events"][-1]["type"] == "reopen"
    assert body["events"][-1]["note"] == "使用单位退回：仍然无法登录" and body["resolved_at"] is None


def test_unanswered_requests_are_confirmed_after_the_working_days(app: Flask, make_user: Callable[..., Any]) -> None:
    unit_user, vendor = make_user("closure-unit", "unit", "522701"), make_user("closure-vendor", "vendor")
    friday = datetime(2025, 5, 9, 9, 0, tzinfo=CST)
    with acting_as("test"):
        ticket = create_ticket(unit_code="522701", category="fault", priority=None, suggested_priority="P3",
                               channel="系统", mode="远程", title="打印失败", user=unit_user, now=friday)  # fmt: skip
        record_event(ticket, "respond", None, "", vendor, now=friday + timedelta(minutes=5))
        record_event(ticket, "resolve", None, "", vendor, now=friday + timedelta(hours=2))
        assert auto_confirm(now=datetime(2025, 5, 14, 23, 0, tzinfo=CST)) == 0  # 3 working days: Mon-Wed
        assert auto_confirm(now=datetime(2025, 5, 15, 1, 0, tzinfo=CST)) == 1
    db.session.expire_all()
    closed = db.session.get(Ticket, ticket.id)
    assert closed is not None and closed.status == "closed"
    assert closed.events[-1].at == datetime(2025, 5, 15, 0, 0, tzinfo=CST) and "系统自动确认" in closed.events[-1].note
    app.config["TICKET_AUTO_CONFIRM_WORKDAYS"] = 1
    with acting_as("test"):
        assert auto_confirm(now=datetime(2025, 6, 1, tzinfo=CST)) == 0  # nothing left
