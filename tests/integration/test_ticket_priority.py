"""Who may set what (docs/tickets.md): a unit's request is reported at submission with a suggested priority."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient
from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import AuditRecord, LateEntry, Ticket
from tests.integration.conftest import bearer, login

BODY = {
    "unit": "522701",
    "category": "fault",
    "channel": "系统",
    "mode": "远程",
    "title": "打印机无法连接",
    "requester": "李四",
}


def _post(client: FlaskClient, token: str, **fields: Any) -> Any:
    return client.post("/api/v1/tickets", json={**BODY, **fields}, headers=bearer(token))


def test_a_unit_sets_neither_the_report_time_nor_a_final_priority(
    client: FlaskClient, make_token: Callable[..., str]
) -> None:
    unit = make_token("unit", "522701")
    backdated = _post(
        client, unit, suggested_priority="P1", reported_at=(datetime.now(UTC) - timedelta(days=3)).isoformat()
    )
    assert backdated.status_code == 422
    error = backdated.get_json()["error"]
    assert "使用单位的服务请求按提交时刻报告" in error["message"] and "reported_at" in error["fields"]
    final = _post(client, unit, priority="P1")
    assert final.status_code == 422 and "只能建议优先级" in final.get_json()["error"]["message"]
    assert "priority" in final.get_json()["error"]["fields"]
    assert db.session.scalar(select(Ticket.id)) is None  # nothing was stored

    before = datetime.now(UTC)
    created = _post(client, unit, suggested_priority="P1")
    assert created.status_code == 201
    body = created.get_json()
    assert body["priority"] == "P1" and body["suggested_priority"] == "P1" and body["priority_confirmed"] is False
    assert datetime.fromisoformat(body["reported_at"]) >= before - timedelta(seconds=1)
    assert body["deadlines"]["response"]["status"] == "pending"  # never overdue at birth


def test_the_vendor_confirms_or_changes_the_suggestion_with_a_reason(
    client: FlaskClient, make_token: Callable[..., str]
) -> None:
    unit, vendor = make_token("unit", "522701"), make_token("vendor")
    ticket = _post(client, unit, suggested_priority="P1").get_json()
    url = f"/api/v1/tickets/{ticket['id']}/priority"
    assert client.post(url, json={"priority": "P4"}, headers=bearer(unit)).status_code == 403
    no_reason = client.post(url, json={"priority": "P4"}, headers=bearer(vendor))
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    changed = client.post(url, json={"priority": "P4", "reason": "仅影响一台打印机"}, headers=bearer(vendor))
    assert changed.status_code == 200
    body = changed.get_json()
    assert body["priority"] == "P4" and body["suggested_priority"] == "P1" and body["priority_confirmed"] is True
    assert body["priority_reason"] == "仅影响一台打印机"
    # The deadlines now follow the confirmed priority, from the report time.
    reported = datetime.fromisoformat(body["reported_at"])
    assert datetime.fromisoformat(body["resolution_due_at"]) == reported + timedelta(hours=72)
    audit = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "ticket.priority")).one()
    assert "由 P1 调整为" in audit.detail and "仅影响一台打印机" in audit.detail
    again = client.post(url, json={"priority": "P2", "reason": "再改"}, headers=bearer(vendor))
    assert again.status_code == 409
    # Confirming the suggestion as it is needs no reason.
    other = _post(client, unit, suggested_priority="P2").get_json()
    same = client.post(f"/api/v1/tickets/{other['id']}/priority", json={"priority": "P2"}, headers=bearer(vendor))
    assert same.status_code == 200 and same.get_json()["priority_confirmed"] is True


def test_a_vendor_logging_a_call_may_state_its_time_within_the_grace(
    client: FlaskClient, make_token: Callable[..., str]
) -> None:
    vendor = make_token("vendor")
    recent = _post(client, vendor, priority="P2", reported_at=(datetime.now(UTC) - timedelta(minutes=5)).isoformat())
    assert recent.status_code == 201 and recent.get_json()["reported_late"] is None
    assert recent.get_json()["priority_confirmed"] is True and recent.get_json()["suggested_priority"] is None
    stated = datetime.now(UTC) - timedelta(minutes=50)
    late = _post(client, vendor, priority="P2", reported_at=stated.isoformat())
    assert late.status_code == 201 and late.get_json()["reported_late"]["status"] == "pending"
    entry = db.session.scalars(select(LateEntry).where(LateEntry.kind == "report")).one()
    assert entry.stated_at == stated and entry.ticket_id == late.get_json()["id"]


def test_unit_form_has_no_time_or_priority_and_the_vendor_confirms_on_the_page(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    make_user("form-unit", "unit", "522701")
    make_user("form-vendor2", "vendor")
    assert login(client, "form-unit").status_code == 302
    page = client.get("/tickets/new").get_data(as_text=True)
    assert 'name="reported_at"' not in page and 'name="priority"' not in page and 'name="suggested_priority"' in page
    data = {"unit": "522701", "category": "fault", "suggested_priority": "P1", "channel": "系统", "mode": "远程",
            "title": "网络中断", "requester": "王五", "description": "",
            "reported_at": "2025-01-01T08:00", "priority": "P1"}  # fmt: skip
    assert client.post("/tickets/new", data=data).status_code == 302  # stray fields are not read
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.reported_at > datetime.now(UTC) - timedelta(minutes=1)
    assert ticket.suggested_priority == "P1" and ticket.priority_confirmed_at is None
    client.post("/logout")
    assert login(client, "form-vendor2").status_code == 302
    detail = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "单位建议，待运维方确认" in detail and "确认优先级" in detail
    edit = {
        **data,
        "priority": "P3",
        "reported_at": ticket.reported_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M"),
    }
    refused = client.post(f"/tickets/{ticket.id}/edit", data=edit)
    assert refused.status_code == 200 and "请先确认单位建议的优先级" in refused.get_data(as_text=True)
    done = client.post(
        f"/tickets/{ticket.id}/priority", data={"priority": "P2", "reason": "单机故障"}, follow_redirects=True
    )
    assert "优先级已确认：P2" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).priority == "P2"  # type: ignore[union-attr]
