"""The tickets API: creation, every allowed and refused transition, deadlines, filters, units kept apart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from slatrack.extensions import db
from slatrack.measure.lifecycle import TRANSITIONS, EventType, State
from slatrack.models import Outage, Target, Ticket, TicketEvent
from tests.integration.conftest import bearer

REPORTED = datetime(2025, 5, 10, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
BODY = {
    "unit": "522701",
    "category": "consult",
    "priority": "P3",
    "channel": "电话",
    "mode": "远程",
    "title": "报表导出失败",
    "description": "导出季度报表时提示错误",
    "requester": "张三",
    "reported_at": REPORTED.isoformat(),
}
# A unit sends neither a report time nor a final priority, only a suggestion (docs/tickets.md).
UNIT_REQUEST: dict[str, Any] = {"reported_at": None, "priority": None, "suggested_priority": "P3"}
# How to bring a new ticket into each state.
PATHS: dict[str, list[str]] = {
    "new": [],
    "in_progress": ["respond"],
    "paused": ["respond", "pause"],
    "resolved": ["respond", "resolve"],
    "closed": ["respond", "resolve", "close"],
    "cancelled": ["cancel"],
}
STORED = {"new": "open"}


def _at(minutes: int) -> str:
    return (REPORTED + timedelta(minutes=minutes)).isoformat()


def _create(client: FlaskClient, token: str, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/tickets", json={**BODY, **overrides}, headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def _event(client: FlaskClient, token: str, ticket_id: int, kind: str, minutes: int, note: str = "备注") -> Any:
    return client.post(
        f"/api/v1/tickets/{ticket_id}/events",
        json={"type": kind, "at": _at(minutes), "note": note},
        headers=bearer(token),
    )


@pytest.fixture
def vendor(make_token: Callable[..., str]) -> str:
    return make_token("vendor")


@pytest.fixture
def bureau(make_token: Callable[..., str]) -> str:
    """The bureau (admin): its late entries count at their stated time at once, so 2025 histories keep their times.

    A vendor's entries of those times are late entries awaiting confirmation (see test_late_entries.py).
    """
    return make_token("admin")


def test_create_returns_number_deadlines_and_empty_history(client: FlaskClient, bureau: str) -> None:
    body = _create(client, bureau)
    assert body["number"] == "YW-2025-0001"
    assert body["unit"] == "522701" and body["unit_name"] == "都匀市"
    assert body["status"] == "open" and body["status_label"] == "待响应"
    assert body["contract"] == "OM-2025"
    assert body["events"] == []
    assert body["deadlines"]["response"]["deadline"] == "2025-05-10T01:30:00+00:00"
    assert body["deadlines"]["resolution"]["deadline"] == "2025-05-10T09:00:00+00:00"
    # Long past and never answered: both breached, time left negative.
    assert body["deadlines"]["response"]["status"] == "breached"
    assert body["deadlines"]["response"]["time_left_minutes"] < 0


def test_create_validation_names_fields(client: FlaskClient, vendor: str) -> None:
    response = client.post(
        "/api/v1/tickets",
        json={**BODY, "priority": "P7", "reported_at": "2025-05-10 09:00", "title": ""},
        headers=bearer(vendor),
    )
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert {"priority", "reported_at", "title"} <= set(fields)
    response = client.post("/api/v1/tickets", json={**BODY, "unit": "000000"}, headers=bearer(vendor))
    assert response.status_code == 422 and "unit" in response.get_json()["error"]["fields"]
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = client.post("/api/v1/tickets", json={**BODY, "reported_at": future}, headers=bearer(vendor))
    assert response.status_code == 422 and "reported_at" in response.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


@pytest.mark.parametrize("state", list(PATHS))
def test_every_transition_from_each_state(client: FlaskClient, vendor: str, state: str) -> None:
    for kind in EventType:
        ticket = _create(client, vendor)
        for step, earlier in enumerate(PATHS[state], start=1):
            assert _event(client, vendor, ticket["id"], earlier, step).status_code == 201
        response = _event(client, vendor, ticket["id"], kind.value, 10)
        target = TRANSITIONS[kind].get(State(state))
        body = response.get_json()
        if target is None:
            assert response.status_code == 409, (state, kind)
            assert body["error"]["code"] == "conflict"
            assert body["error"]["message"]  # a Chinese reason
            detail = client.get(f"/api/v1/tickets/{ticket['id']}", headers=bearer(vendor)).get_json()
            assert detail["status"] == STORED.get(state, state)
            assert len(detail["events"]) == len(PATHS[state])
        else:
            assert response.status_code == 201, (state, kind, body)
            assert body["status"] == STORED.get(target.value, target.value)
            assert body["events"][-1]["type"] == kind.value
            assert body["events"][-1]["at"] == _at(10)


def test_refusal_reasons_are_specific(client: FlaskClient, vendor: str) -> None:
    ticket = _create(client, vendor)
    assert _event(client, vendor, ticket["id"], "respond", 5).status_code == 201
    again = _event(client, vendor, ticket["id"], "respond", 6).get_json()
    assert again["error"]["message"] == "工单已响应，不能重复响应"
    cancelled = _create(client, vendor)
    assert _event(client, vendor, cancelled["id"], "cancel", 5, "用户撤回").status_code == 201
    refused = _event(client, vendor, cancelled["id"], "resolve", 6).get_json()
    assert refused["error"]["message"] == "已取消的工单不能解决"


def test_cancel_needs_a_reason(client: FlaskClient, vendor: str) -> None:
    ticket = _create(client, vendor)
    response = _event(client, vendor, ticket["id"], "cancel", 5, note="  ")
    assert response.status_code == 422 and "note" in response.get_json()["error"]["fields"]
    body = _event(client, vendor, ticket["id"], "cancel", 5, note="重复提交").get_json()
    assert body["status"] == "cancelled" and body["events"][0]["note"] == "重复提交"


def test_event_times_in_the_past_accepted_future_and_before_report_refused(client: FlaskClient, bureau: str) -> None:
    ticket = _create(client, bureau)
    before = client.post(
        f"/api/v1/tickets/{ticket['id']}/events",
        json={"type": "respond", "at": (REPORTED - timedelta(minutes=1)).isoformat()},
        headers=bearer(bureau),
    )
    assert before.status_code == 422 and "at" in before.get_json()["error"]["fields"]
    future = client.post(
        f"/api/v1/tickets/{ticket['id']}/events",
        json={"type": "respond", "at": (datetime.now(UTC) + timedelta(minutes=10)).isoformat()},
        headers=bearer(bureau),
    )
    assert future.status_code == 422 and "at" in future.get_json()["error"]["fields"]
    naive = client.post(
        f"/api/v1/tickets/{ticket['id']}/events",
        json={"type": "respond", "at": "2025-05-10T09:10:00"},
        headers=bearer(bureau),
    )
    assert naive.status_code == 422 and "at" in naive.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(TicketEvent)) == 0
    # Logged after the fact: 20 minutes after the report, a year and a half ago. Within 30 minutes: met.
    body = _event(client, bureau, ticket["id"], "respond", 20).get_json()
    assert body["first_response_at"] == _at(20)
    assert body["deadlines"]["response"]["status"] == "met"
    assert body["deadlines"]["response"]["elapsed_minutes"] == 20
    assert body["events"][0]["user"].startswith("u-admin-")
    earlier = _event(client, bureau, ticket["id"], "comment", 19)
    assert earlier.status_code == 422 and "at" in earlier.get_json()["error"]["fields"]


def test_pause_excluded_from_resolution(client: FlaskClient, bureau: str) -> None:
    ticket = _create(client, bureau, priority="P1")  # 2 h to resolve, 7x24
    for kind, minutes in (("respond", 10), ("pause", 30), ("resume", 90), ("resolve", 170)):
        assert _event(client, bureau, ticket["id"], kind, minutes).status_code == 201
    body = client.get(f"/api/v1/tickets/{ticket['id']}", headers=bearer(bureau)).get_json()
    resolution = body["deadlines"]["resolution"]
    # 120 min window + 60 min paused -> due at +180; resolved at +170 with 110 service minutes.
    assert resolution["deadline"] == _at(180)
    assert resolution["status"] == "met" and resolution["elapsed_minutes"] == 110
    assert body["resolution_due_at"] == _at(180)


def test_list_filters_pagination_and_due_order(client: FlaskClient, bureau: str) -> None:
    late = _create(client, bureau, priority="P4", title="P4 工单")
    urgent = _create(client, bureau, priority="P1", title="P1 工单", unit="522702")
    done = _create(client, bureau, priority="P1", title="已解决")
    _event(client, bureau, done["id"], "resolve", 5)
    listed = client.get("/api/v1/tickets", headers=bearer(bureau)).get_json()
    assert listed["total"] == 3
    # Unanswered tickets are due by their response deadline (same for all); done ones come last.
    assert [t["id"] for t in listed["items"]][-1] == done["id"]
    _event(client, bureau, late["id"], "respond", 1)
    _event(client, bureau, urgent["id"], "respond", 1)
    order = [t["id"] for t in client.get("/api/v1/tickets", headers=bearer(bureau)).get_json()["items"]]
    assert order == [urgent["id"], late["id"], done["id"]]
    one = client.get("/api/v1/tickets?unit=522702", headers=bearer(bureau)).get_json()
    assert [t["id"] for t in one["items"]] == [urgent["id"]]
    active = client.get("/api/v1/tickets?status=active&priority=P4", headers=bearer(bureau)).get_json()
    assert [t["id"] for t in active["items"]] == [late["id"]]
    overdue = client.get("/api/v1/tickets?deadline=resolution_overdue", headers=bearer(bureau)).get_json()
    assert {t["id"] for t in overdue["items"]} == {late["id"], urgent["id"]}
    paged = client.get("/api/v1/tickets?per_page=2&page=2", headers=bearer(bureau)).get_json()
    assert paged["total"] == 3 and len(paged["items"]) == 1
    dated = client.get("/api/v1/tickets?from=2025-05-11&to=2025-05-31", headers=bearer(bureau)).get_json()
    assert dated["total"] == 0
    bad = client.get("/api/v1/tickets?deadline=someday", headers=bearer(bureau))
    assert bad.status_code == 422 and "deadline" in bad.get_json()["error"]["fields"]


def test_unit_users_only_see_and_create_their_own(
    client: FlaskClient, vendor: str, make_token: Callable[..., str]
) -> None:
    mine = make_token("unit", "522701")
    theirs_token = make_token("unit", "522702")
    own = _create(client, mine, **UNIT_REQUEST)
    other = _create(client, theirs_token, unit="522702", **UNIT_REQUEST)
    response = client.post("/api/v1/tickets", json={**BODY, **UNIT_REQUEST, "unit": "522702"}, headers=bearer(mine))
    assert response.status_code == 422 and "unit" in response.get_json()["error"]["fields"]
    listed = client.get("/api/v1/tickets", headers=bearer(mine)).get_json()
    assert [t["id"] for t in listed["items"]] == [own["id"]]
    assert client.get("/api/v1/tickets?unit=522702", headers=bearer(mine)).get_json()["total"] == 0
    assert client.get(f"/api/v1/tickets/{other['id']}", headers=bearer(mine)).status_code == 404
    assert client.get(f"/api/v1/tickets/{own['id']}", headers=bearer(mine)).status_code == 200
    assert (
        client.post(f"/api/v1/tickets/{other['id']}/rating", json={"score": 5}, headers=bearer(mine)).status_code == 404
    )
    assert _event(client, mine, own["id"], "respond", 5).status_code == 403
    # The vendor sees both.
    assert client.get("/api/v1/tickets", headers=bearer(vendor)).get_json()["total"] == 2


def test_rating_only_when_closed(client: FlaskClient, vendor: str, make_token: Callable[..., str]) -> None:
    unit = make_token("unit", "522701")
    ticket = _create(client, vendor)  # logged by the vendor on the unit's call
    early = client.post(f"/api/v1/tickets/{ticket['id']}/rating", json={"score": 5}, headers=bearer(unit))
    assert early.status_code == 409
    for step, kind in enumerate(("respond", "resolve", "close"), start=1):
        _event(client, vendor, ticket["id"], kind, step)
    bad = client.post(f"/api/v1/tickets/{ticket['id']}/rating", json={"score": 6}, headers=bearer(unit))
    assert bad.status_code == 422 and "score" in bad.get_json()["error"]["fields"]
    rated = client.post(
        f"/api/v1/tickets/{ticket['id']}/rating", json={"score": 4, "comment": "处理及时"}, headers=bearer(unit)
    )
    assert rated.status_code == 201 and rated.get_json()["rating"] == {
        "score": 4,
        "comment": "处理及时",
        "rated_at": rated.get_json()["rating"]["rated_at"],
    }
    again = client.post(f"/api/v1/tickets/{ticket['id']}/rating", json={"score": 2}, headers=bearer(unit))
    assert again.get_json()["rating"]["score"] == 2


def test_link_an_outage(app: Flask, client: FlaskClient, vendor: str) -> None:
    ticket = _create(client, vendor, category="fault", priority="P1")
    missing = client.post(f"/api/v1/tickets/{ticket['id']}/links", json={"outage_id": 999}, headers=bearer(vendor))
    assert missing.status_code == 404
    target = Target(name="门户网站", kind="http", url="https://example.org/", interval_seconds=60, timeout_seconds=10)
    db.session.add(target)
    db.session.flush()
    outage = Outage(target_id=target.id, source="manual", start=REPORTED, end=REPORTED + timedelta(hours=1))
    db.session.add(outage)
    db.session.commit()
    linked = client.post(f"/api/v1/tickets/{ticket['id']}/links", json={"outage_id": outage.id}, headers=bearer(vendor))
    assert linked.status_code == 201 and linked.get_json()["outage_ids"] == [outage.id]
    listed = client.get("/api/v1/tickets", headers=bearer(vendor)).get_json()
    assert listed["items"][0]["outage_ids"] == [outage.id]


def test_deadline_filters_due_soon_and_on_track(client: FlaskClient, bureau: str) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    fresh = _create(client, bureau, priority="P1", reported_at=(now - timedelta(minutes=10)).isoformat())
    old = _create(client, bureau, priority="P4")  # reported in 2025: both deadlines long gone
    soon = client.get("/api/v1/tickets?deadline=due_soon", headers=bearer(bureau)).get_json()
    assert [t["id"] for t in soon["items"]] == [fresh["id"]]  # response due in 20 minutes
    assert 0 < soon["items"][0]["deadlines"]["response"]["time_left_minutes"] <= 20
    on_track = client.get("/api/v1/tickets?deadline=on_track", headers=bearer(bureau)).get_json()
    assert [t["id"] for t in on_track["items"]] == [fresh["id"]]
    overdue = client.get("/api/v1/tickets?deadline=overdue", headers=bearer(bureau)).get_json()
    assert [t["id"] for t in overdue["items"]] == [old["id"]]


def test_workdays_calendar_shows_in_the_deadlines(app: Flask, client: FlaskClient, bureau: str) -> None:
    from slatrack.models import Contract

    contract = db.session.scalars(select(Contract).where(Contract.code == "OM-2025")).one()
    contract.calendar = "workdays"
    db.session.commit()
    # Saturday 2025-05-17 10:00 Beijing time: the clock starts on Monday 09:00.
    body = _create(client, bureau, reported_at="2025-05-17T10:00:00+08:00")
    assert body["deadlines"]["calendar"] == "workdays"
    assert body["deadlines"]["response"]["deadline"] == "2025-05-19T01:30:00+00:00"
