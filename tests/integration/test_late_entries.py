"""Late entries (补记, SPEC §3, docs/tickets.md): counted at their entry until the bureau confirms the stated time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from slatrack.audit import acting_as
from slatrack.extensions import db
from slatrack.models import AuditRecord, LateEntry, TicketEvent
from slatrack.operations.tickets import lifecycle
from slatrack.operations.tickets.lifecycle import create_ticket, record_event
from tests.integration.conftest import bearer, login

CST = ZoneInfo("Asia/Shanghai")
BODY = {
    "unit": "522701",
    "category": "fault",
    "priority": "P1",
    "channel": "电话",
    "mode": "远程",
    "title": "门户无法访问",
    "requester": "张三",
}


@pytest.fixture
def tokens(make_token: Callable[..., str]) -> dict[str, str]:
    return {role: make_token(role) for role in ("admin", "vendor", "auditor")}


def _ticket_reported(client: FlaskClient, tokens: dict[str, str], reported: datetime) -> dict[str, Any]:
    # The bureau logs the report: its own late entry counts at the stated time at once.
    response = client.post(
        "/api/v1/tickets", json={**BODY, "reported_at": reported.isoformat()}, headers=bearer(tokens["admin"])
    )
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def _respond(client: FlaskClient, token: str, ticket_id: int, at: datetime | None) -> Any:
    payload: dict[str, Any] = {"type": "respond", "note": "远程处理"}
    if at is not None:
        payload["at"] = at.isoformat()
    return client.post(f"/api/v1/tickets/{ticket_id}/events", json=payload, headers=bearer(token))


def _audits(action: str) -> list[AuditRecord]:
    return list(db.session.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def test_backdated_response_counts_at_entry_until_confirmed(client: FlaskClient, tokens: dict[str, str]) -> None:
    reported = datetime.now(UTC) - timedelta(hours=3)
    ticket = _ticket_reported(client, tokens, reported)
    assert ticket["reported_late"]["status"] == "bureau" and ticket["reported_late"]["counted_as_stated"]
    assert ticket["deadlines"]["response"]["deadline"] == (reported + timedelta(minutes=30)).isoformat()
    assert _audits("late_entry.bureau"), "the bureau's own late entry is audited"

    response = _respond(client, tokens["vendor"], ticket["id"], reported + timedelta(minutes=5))
    assert response.status_code == 201
    body = response.get_json()
    event = body["events"][0]
    assert event["at"] == (reported + timedelta(minutes=5)).isoformat()  # the stated time is kept and shown
    assert event["late"] == {"status": "pending", "status_label": "待确认", "counted_as_stated": False}
    assert body["deadlines"]["response"]["status"] == "breached"  # counted at its entry: still breached
    assert datetime.fromisoformat(body["first_response_at"]) > reported + timedelta(hours=2)

    queue = client.get("/api/v1/late-entries?status=pending", headers=bearer(tokens["admin"])).get_json()
    assert queue["total"] == 1
    entry = queue["items"][0]
    assert entry["ticket_id"] == ticket["id"] and entry["kind"] == "event" and entry["event_type"] == "respond"
    assert entry["entered_by"].startswith("u-vendor-") and entry["late_minutes"] > 170

    # The measured party cannot confirm its own entry; a decision needs a reason.
    url = f"/api/v1/late-entries/{entry['id']}/confirm"
    assert client.post(url, json={"reason": "看过通话记录"}, headers=bearer(tokens["vendor"])).status_code == 403
    missing = client.post(url, json={}, headers=bearer(tokens["admin"]))
    assert missing.status_code == 422 and "reason" in str(missing.get_json())
    assert client.post(url, json={"reason": "  "}, headers=bearer(tokens["admin"])).status_code == 422

    confirmed = client.post(url, json={"reason": "核对了通话记录"}, headers=bearer(tokens["admin"]))
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    detail = client.get(f"/api/v1/tickets/{ticket['id']}", headers=bearer(tokens["vendor"])).get_json()
    assert detail["deadlines"]["response"]["status"] == "met"
    assert detail["first_response_at"] == (reported + timedelta(minutes=5)).isoformat()
    assert detail["events"][0]["late"]["counted_as_stated"] is True
    audit = _audits("late_entry.confirm")
    assert len(audit) == 1 and "核对了通话记录" in audit[0].detail and audit[0].object_id == str(entry["id"])

    again = client.post(url, json={"reason": "再确认"}, headers=bearer(tokens["admin"]))
    assert again.status_code == 409
    assert client.get("/api/v1/late-entries?status=pending", headers=bearer(tokens["admin"])).get_json()["total"] == 0
    assert client.get("/api/v1/late-entries?status=maybe", headers=bearer(tokens["admin"])).status_code == 422


def test_rejected_late_entry_keeps_the_entry_time(client: FlaskClient, tokens: dict[str, str]) -> None:
    reported = datetime.now(UTC) - timedelta(hours=3)
    ticket = _ticket_reported(client, tokens, reported)
    _respond(client, tokens["vendor"], ticket["id"], reported + timedelta(minutes=5))
    entry = client.get("/api/v1/late-entries?status=pending", headers=bearer(tokens["auditor"])).get_json()["items"][0]
    rejected = client.post(
        f"/api/v1/late-entries/{entry['id']}/reject", json={"reason": "无通话记录佐证"}, headers=bearer(tokens["admin"])
    )
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    detail = client.get(f"/api/v1/tickets/{ticket['id']}", headers=bearer(tokens["admin"])).get_json()
    assert detail["deadlines"]["response"]["status"] == "breached"
    assert detail["events"][0]["late"]["status"] == "rejected"
    assert "无通话记录佐证" in _audits("late_entry.reject")[0].detail
    assert client.get("/api/v1/late-entries?status=rejected", headers=bearer(tokens["admin"])).get_json()["total"] == 1


def test_within_the_grace_and_without_a_time(app: Flask, client: FlaskClient, tokens: dict[str, str]) -> None:
    reported = datetime.now(UTC) - timedelta(minutes=40)
    ticket = _ticket_reported(client, tokens, reported)
    stated = datetime.now(UTC) - timedelta(minutes=8)  # inside the 10-minute grace: not a late entry
    body = _respond(client, tokens["vendor"], ticket["id"], stated).get_json()
    assert body["events"][0]["late"] is None and body["first_response_at"] == stated.isoformat()
    assert db.session.scalar(select(LateEntry).where(LateEntry.kind == "event")) is None
    # No time given: the event happened when it was submitted.
    before = datetime.now(UTC)
    pause = client.post(
        f"/api/v1/tickets/{ticket['id']}/events", json={"type": "pause"}, headers=bearer(tokens["vendor"])
    ).get_json()["events"][-1]
    assert datetime.fromisoformat(pause["at"]) >= before and pause["at"] == pause["recorded_at"]
    # A shorter grace makes the same delay a late entry.
    app.config["LATE_ENTRY_GRACE_MINUTES"] = 1
    other = _ticket_reported(client, tokens, reported)
    response = _respond(client, tokens["vendor"], other["id"], datetime.now(UTC) - timedelta(minutes=3))
    assert response.status_code == 201 and response.get_json()["events"][-1]["late"]["status"] == "pending"


def test_form_records_the_submission_time(
    client: FlaskClient, make_user: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    with acting_as("test"):
        ticket = create_ticket(
            unit_code="522701", category="consult", priority="P3", channel="电话", mode="远程", title="咨询"
        )
    make_user("form-vendor", "vendor")
    assert login(client, "form-vendor").status_code == 302
    opened = datetime.now(UTC)
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'name="at" type="datetime-local" value=""' in page or 'name="at" type="datetime-local">' in page
    submitted = opened + timedelta(minutes=2)
    monkeypatch.setattr(lifecycle, "utcnow", lambda: submitted)
    assert client.post(f"/tickets/{ticket.id}/events", data={"type": "respond"}).status_code == 302
    event = db.session.scalars(select(TicketEvent)).one()
    assert event.at == submitted and event.recorded_at == submitted


def test_sla_counts_late_entries_at_the_time_that_counts(
    client: FlaskClient, make_user: Callable[..., Any], tokens: dict[str, str]
) -> None:
    vendor = make_user("sla-vendor", "vendor")
    admin = make_user("sla-admin", "admin")
    at = lambda day, hour, minute=0: datetime(2025, 5, day, hour, minute, tzinfo=CST)  # noqa: E731
    with acting_as("test"):
        tickets = [
            create_ticket(
                unit_code="522701",
                category="fault",
                priority="P1",
                channel="电话",
                mode="远程",
                title=f"故障 {day}",
                reported_at=at(day, 9),
                user=admin,
                now=at(day, 9),
            )
            for day in (5, 6, 7)
        ]
        # Three responses stated at 09:05 and entered at 12:00: pending, confirmed, rejected.
        events = [
            record_event(
                t,
                "respond",
                at(t.reported_at.astimezone(CST).day, 9, 5),
                "",
                vendor,
                now=at(t.reported_at.astimezone(CST).day, 12),
            )
            for t in tickets
        ]
    entries = {e.id: db.session.scalar(select(LateEntry).where(LateEntry.event_id == e.id)) for e in events}
    ids = [entries[e.id].id for e in events]  # type: ignore[union-attr]

    def sla() -> dict[str, Any]:
        body: dict[str, Any] = client.get(
            "/api/v1/sla?from=2025-05-01&to=2025-05-31", headers=bearer(tokens["auditor"])
        ).get_json()
        return body

    before = sla()
    assert before["tickets"] == 3 and before["responded_in_time"] == 0 and before["breached"] == 3
    assert before["late_entries"] == {"pending": 3, "confirmed": 0, "rejected": 0, "bureau": 0}
    admin_token = tokens["admin"]
    client.post(f"/api/v1/late-entries/{ids[1]}/confirm", json={"reason": "有记录"}, headers=bearer(admin_token))
    client.post(f"/api/v1/late-entries/{ids[2]}/reject", json={"reason": "无记录"}, headers=bearer(admin_token))
    after = sla()
    assert after["responded_in_time"] == 1 and after["breached"] == 2
    assert after["late_entries"] == {"pending": 1, "confirmed": 1, "rejected": 1, "bureau": 0}
    # The quarterly report says how they were counted.
    import io

    from docx import Document as read_docx

    document = client.get(
        "/api/v1/reports/quarterly/2025Q2", query_string={"format": "docx"}, headers=bearer(tokens["auditor"])
    )
    assert document.status_code == 200
    text = "\n".join(p.text for p in read_docx(io.BytesIO(document.data)).paragraphs)
    assert "本季度补记 3 条：待局方确认 1 条、被驳回 1 条，按登记时间计算；已确认 1 条、局方补记 0 条" in text


def test_review_page_confirms_and_rejects(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    vendor = make_user("page-vendor", "vendor")
    with acting_as("test"):
        ticket = create_ticket(
            unit_code="522701",
            category="consult",
            priority="P3",
            channel="电话",
            mode="远程",
            title="补记页面",
            reported_at=datetime.now(UTC) - timedelta(hours=2),
        )
        record_event(ticket, "respond", datetime.now(UTC) - timedelta(hours=1), "", vendor)
    entry = db.session.scalars(select(LateEntry)).one()
    make_user("page-admin", "admin")
    assert login(client, "page-admin").status_code == 302
    page = client.get("/late-entries/").get_data(as_text=True)
    assert "补记审核" in page and ticket.number in page and "待确认（1）" in page
    empty = client.post(f"/late-entries/{entry.id}/confirm", data={"reason": ""}, follow_redirects=True)
    assert "请填写确认或驳回的理由" in empty.get_data(as_text=True)
    done = client.post(f"/late-entries/{entry.id}/reject", data={"reason": "无佐证"}, follow_redirects=True)
    assert "已驳回，仍按登记时间计算" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(LateEntry, entry.id).status == "rejected"  # type: ignore[union-attr]
    assert "无佐证" in client.get("/late-entries/?status=rejected").get_data(as_text=True)


def test_a_hand_typed_outage_end_entered_late_counts_until_its_entry(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    from slatrack.operations.figures.loading import load_outages
    from slatrack.operations.monitoring.targets import create_target

    now = datetime.now(UTC)
    with acting_as("test"):
        create_target(
            {
                "name": "db",
                "kind": "http",
                "url": "https://db.example.cn/",
                "critical": True,
                "in_process": False,
                "monitored_since": now - timedelta(days=2),
            }
        )
    start, end = now - timedelta(hours=3), now - timedelta(hours=2)
    body = {"target": "db", "start": start.isoformat(), "end": end.isoformat(), "cause": "存储故障"}
    outage = client.post("/api/v1/outages", json=body, headers=bearer(tokens["vendor"])).get_json()
    [record] = load_outages(now - timedelta(days=1), now)
    assert record.end is not None and record.end >= now - timedelta(minutes=1)  # counted until its entry
    [entry] = client.get("/api/v1/late-entries?status=pending", headers=bearer(tokens["admin"])).get_json()["items"]
    assert entry["kind"] == "outage_end" and entry["outage_id"] == outage["id"] and entry["ticket_id"] is None
    confirmed = client.post(
        f"/api/v1/late-entries/{entry['id']}/confirm", json={"reason": "机房记录"}, headers=bearer(tokens["admin"])
    )
    assert confirmed.status_code == 200
    [record] = load_outages(now - timedelta(days=1), now)
    assert record.end == end
    # The bureau's own hand-typed end counts at once.
    client.post("/api/v1/outages", json={**body, "cause": "另一次"}, headers=bearer(tokens["admin"]))
    bureau = client.get("/api/v1/late-entries?status=bureau", headers=bearer(tokens["admin"])).get_json()
    assert bureau["total"] == 1 and bureau["items"][0]["kind"] == "outage_end"
