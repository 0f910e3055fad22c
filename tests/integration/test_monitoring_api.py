"""SPEC section 4 "Evidence from checks" through the API: transient failures, confirmed outages and their
fault tickets, probe gaps, outages that end in a gap, late results, duplicates and all-or-nothing batches."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from slatrack.extensions import db
from slatrack.models import AuditRecord, EvidenceSegment, Outage, ProbeResult, Target, Ticket
from slatrack.operations.monitoring.segment_store import load_segments
from slatrack.operations.monitoring.views import target_evidence
from tests.integration.conftest import bearer

MINUTE = timedelta(minutes=1)


def _now_minute() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


@pytest.fixture
def admin(make_token: Callable[..., str]) -> dict[str, str]:
    return bearer(make_token("admin"))


@pytest.fixture
def probe(make_token: Callable[..., str]) -> dict[str, str]:
    return bearer(make_token(None))


def _target(client: FlaskClient, admin: dict[str, str], name: str = "portal", **extra: Any) -> dict[str, Any]:
    body = {
        "name": name,
        "kind": "http",
        "url": "https://portal.example.cn/",
        "interval_seconds": 60,
        "critical": True,
        "in_process": False,
        "monitored_since": (_now_minute() - timedelta(days=2)).isoformat(),
        **extra,
    }
    response = client.post("/api/v1/targets", json=body, headers=admin)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def _item(target: str, at: datetime, ok: bool, sample: str | None = None) -> dict[str, Any]:
    return {
        "target": target,
        "observed_at": at.isoformat(),
        "ok": ok,
        "latency_ms": 12.5 if ok else None,
        "detail": "ok" if ok else "HTTP 502",
        "sample_id": sample or f"{target}-{at.timestamp():.0f}",
    }


def _send(client: FlaskClient, headers: dict[str, str], items: list[dict[str, Any]]) -> dict[str, Any]:
    response = client.post("/api/v1/probe-results", json=items, headers=headers)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def _outages(client: FlaskClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get("/api/v1/outages", headers=headers)
    assert response.status_code == 200
    return list(response.get_json())


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_target_validation_uses_the_agent_rules(client: FlaskClient, admin: dict[str, str]) -> None:
    response = client.post("/api/v1/targets", json={"name": "x", "kind": "http"}, headers=admin)
    assert response.status_code == 422
    assert "url" in response.get_json()["error"]["fields"]
    response = client.post(
        "/api/v1/targets", json={"name": "db", "kind": "tcp", "host": "10.0.0.5", "port": 70000}, headers=admin
    )
    assert response.status_code == 422
    assert "port" in response.get_json()["error"]["fields"]
    response = client.post(
        "/api/v1/targets", json={"name": "db", "kind": "tcp", "host": "10.0.0.5", "keyword": "x"}, headers=admin
    )
    assert response.status_code == 422
    assert "keyword" in response.get_json()["error"]["fields"]

    created = _target(client, admin, accepted_status=[200, "300-302"], keyword="督考")
    assert created["confirm_failures"] == 3
    assert created["accepted_status"] == [200, "300-302"]
    assert created["keyword"] == "督考"
    assert "heartbeat_token" not in created
    again = client.post(
        "/api/v1/targets", json={"name": "portal", "kind": "http", "url": "http://a.cn/"}, headers=admin
    )
    assert again.status_code == 409

    patched = client.patch(
        f"/api/v1/targets/{created['id']}", json={"interval_seconds": 30, "keyword": None}, headers=admin
    )
    assert patched.status_code == 200
    assert patched.get_json()["interval_seconds"] == 30
    assert "keyword" not in patched.get_json()
    assert client.patch(f"/api/v1/targets/{created['id']}", json={"kind": "tcp"}, headers=admin).status_code == 422

    paused = client.post(f"/api/v1/targets/{created['id']}/pause", headers=admin).get_json()
    assert paused["paused"] is True
    retired = client.post(f"/api/v1/targets/{created['id']}/retire", headers=admin).get_json()
    assert retired["retired_at"] is not None
    assert client.post(f"/api/v1/targets/{created['id']}/retire", headers=admin).status_code == 409
    listed = client.get("/api/v1/targets?include_retired=false", headers=admin).get_json()
    assert [t["name"] for t in listed] == []


def test_a_single_failed_check_is_transient(client: FlaskClient, admin: dict[str, str], probe: dict[str, str]) -> None:
    _target(client, admin)
    t0 = _now_minute() - timedelta(hours=1)
    oks = [True, True, False, False, True, True]
    answer = _send(client, probe, [_item("portal", t0 + i * MINUTE, ok) for i, ok in enumerate(oks)])
    assert answer == {"accepted": 6, "duplicates": 0}
    assert _outages(client, admin) == []
    target = db.session.scalars(select(Target)).one()
    evidence = target_evidence(target, t0, t0 + 10 * MINUTE, t0 + 10 * MINUTE)
    assert evidence.transient_failures == 1
    assert evidence.down_minutes == 0
    # The last result holds 2 intervals, then the rest of the window is unknown.
    assert evidence.up_minutes == pytest.approx(7.0)
    assert evidence.unknown_minutes == pytest.approx(3.0)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_confirmed_outage_opens_a_fault_ticket_and_recovery_closes_it(
    client: FlaskClient, admin: dict[str, str], probe: dict[str, str]
) -> None:
    _target(client, admin)
    now = _now_minute()
    fails = [now - 3 * MINUTE, now - 2 * MINUTE, now - MINUTE]
    _send(client, probe, [_item("portal", now - 4 * MINUTE, True)] + [_item("portal", t, False) for t in fails])
    outages = _outages(client, admin)
    assert len(outages) == 1
    outage = outages[0]
    assert outage["source"] == "probe"
    assert _at(outage["start"]) == fails[0]
    assert outage["end"] is None  # still going on
    assert len(outage["ticket_ids"]) == 1
    ticket = db.session.get(Ticket, outage["ticket_ids"][0])
    assert ticket is not None
    assert (ticket.category, ticket.priority, ticket.channel, ticket.mode) == ("fault", "P1", "系统", "远程")
    assert ticket.unit.code == "522700"
    assert ticket.reported_at == fails[0]

    # More failures extend it without a second ticket; a success closes it at that instant.
    _send(client, probe, [_item("portal", now, False)])
    _send(client, probe, [_item("portal", now + timedelta(seconds=30), True)])
    outages = _outages(client, admin)
    assert len(outages) == 1 and outages[0]["id"] == outage["id"]
    assert _at(outages[0]["end"]) == now + timedelta(seconds=30)
    assert outages[0]["ticket_ids"] == outage["ticket_ids"]
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_a_non_critical_target_gets_a_p3_ticket(
    client: FlaskClient, admin: dict[str, str], probe: dict[str, str]
) -> None:
    _target(client, admin, name="report-db", critical=False)
    t0 = _now_minute() - timedelta(hours=1)
    _send(client, probe, [_item("report-db", t0 + i * MINUTE, False) for i in range(3)])
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.priority == "P3"


def test_a_probe_gap_is_unknown_and_an_outage_ending_in_a_gap_ends_with_its_hold(
    client: FlaskClient, admin: dict[str, str], probe: dict[str, str]
) -> None:
    _target(client, admin)
    t0 = _now_minute() - timedelta(hours=3)
    items = [_item("portal", t0 + i * MINUTE, True) for i in range(5)]
    items += [_item("portal", t0 + (10 + i) * MINUTE, False) for i in range(3)]  # after a 6-minute gap
    items += [_item("portal", t0 + 60 * MINUTE, True)]  # the probe comes back much later
    _send(client, probe, items)
    outage = _outages(client, admin)[0]
    assert _at(outage["start"]) == t0 + 10 * MINUTE
    assert _at(outage["end"]) == t0 + 14 * MINUTE  # last failure + 2 intervals
    target = db.session.scalars(select(Target)).one()
    evidence = target_evidence(target, t0, t0 + 62 * MINUTE, t0 + 62 * MINUTE)
    assert evidence.down_minutes == pytest.approx(4.0)
    # [t0+6, t0+10) and [t0+14, t0+60) are unknown, never downtime.
    assert evidence.unknown_minutes == pytest.approx(4 + 46)
    assert evidence.up_minutes == pytest.approx(6 + 2)


def test_a_late_result_closes_an_open_outage(client: FlaskClient, admin: dict[str, str], probe: dict[str, str]) -> None:
    _target(client, admin)
    now = _now_minute()
    _send(client, probe, [_item("portal", now - (3 - i) * MINUTE, False) for i in range(3)])
    [open_outage] = _outages(client, admin)
    assert open_outage["end"] is None
    # A result observed earlier, delivered now by a slow agent, shows the target had recovered.
    _send(client, probe, [_item("portal", now - timedelta(seconds=30), True)])
    [closed] = _outages(client, admin)
    assert closed["id"] == open_outage["id"]
    assert _at(closed["end"]) == now - timedelta(seconds=30)


def test_a_late_success_inside_a_run_removes_an_outage_no_longer_confirmed(
    client: FlaskClient, admin: dict[str, str], probe: dict[str, str]
) -> None:
    _target(client, admin)
    t0 = _now_minute() - timedelta(hours=1)
    _send(client, probe, [_item("portal", t0 + i * MINUTE, False) for i in (0, 2, 3)])
    [outage] = _outages(client, admin)
    _send(client, probe, [_item("portal", t0 + MINUTE, True)])
    assert _outages(client, admin) == []
    deleted = db.session.scalars(
        select(AuditRecord).where(AuditRecord.object_type == "outages", AuditRecord.action == "delete")
    ).all()
    assert [record.object_id for record in deleted] == [str(outage["id"])]
    # The fault ticket stays: it was opened and may have been worked on.
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_resends_are_duplicates(client: FlaskClient, admin: dict[str, str], probe: dict[str, str]) -> None:
    _target(client, admin)
    t0 = _now_minute() - timedelta(hours=1)
    batch = [_item("portal", t0 + i * MINUTE, i != 2) for i in range(5)]
    assert _send(client, probe, batch) == {"accepted": 5, "duplicates": 0}
    segments = db.session.scalars(select(EvidenceSegment).order_by(EvidenceSegment.start)).all()
    before = [(s.state, s.start, s.end, s.count) for s in segments]
    assert _send(client, probe, [*batch, batch[0]]) == {"accepted": 0, "duplicates": 6}
    extra = _item("portal", t0 + 5 * MINUTE, True)
    assert _send(client, probe, [batch[1], extra, extra]) == {"accepted": 1, "duplicates": 2}
    assert db.session.scalar(select(func.count()).select_from(ProbeResult)) == 6
    db.session.expire_all()
    after = db.session.scalars(select(EvidenceSegment).order_by(EvidenceSegment.start)).all()
    assert [(s.state, s.start, s.count) for s in after][:2] == [(s[0], s[1], s[3]) for s in before][:2]
    assert after[-1].count == 3 and after[-1].end == t0 + 7 * MINUTE


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"target": "nosuch"}, "target"),
        ({"observed_at": "2025-05-10 09:30"}, "observed_at"),
        ({"observed_at": "yesterday"}, "observed_at"),
        ({"observed_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}, "observed_at"),
        ({"observed_at": (datetime.now(UTC) - timedelta(days=120)).isoformat()}, "observed_at"),
        ({"ok": None}, "ok"),
        ({"ok": "yes"}, "ok"),
        ({"sample_id": None}, "sample_id"),
        ({"latency_ms": -3}, "latency_ms"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_one_bad_item_refuses_the_whole_batch(
    client: FlaskClient, admin: dict[str, str], probe: dict[str, str], bad: dict[str, Any], field: str
) -> None:
    _target(client, admin)
    t0 = _now_minute() - timedelta(hours=1)
    items = [_item("portal", t0 + i * MINUTE, False) for i in range(4)]
    items[2] = {**items[2], **bad}
    response = client.post("/api/v1/probe-results", json=items, headers=probe)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert f"2.{field}" in error["fields"], error
    assert db.session.scalar(select(func.count()).select_from(ProbeResult)) == 0
    assert db.session.scalar(select(func.count()).select_from(EvidenceSegment)) == 0
    assert db.session.scalar(select(func.count()).select_from(Outage)) == 0


def test_ingestion_needs_a_probe_or_admin_token_and_a_json_list(
    client: FlaskClient, probe: dict[str, str], make_token: Callable[..., str]
) -> None:
    item = _item("portal", _now_minute(), True)
    assert client.post("/api/v1/probe-results", json=[item]).status_code == 401
    assert client.post("/api/v1/probe-results", json=[item], headers=bearer(make_token("vendor"))).status_code == 403
    not_a_list = client.post("/api/v1/probe-results", json={"items": []}, headers=probe)
    assert not_a_list.status_code == 422
    broken = client.post("/api/v1/probe-results", data="[{", headers={**probe, "Content-Type": "application/json"})
    assert broken.status_code == 400
    assert client.post("/api/v1/probe-results", json=[], headers=probe).get_json() == {"accepted": 0, "duplicates": 0}


def test_arrival_order_does_not_change_segments_or_outages(
    make_app: Callable[..., Flask], make_token: Callable[..., str]
) -> None:
    """The same results delivered in order, and shuffled in random batches, give identical evidence."""
    rng = random.Random(7)
    t0 = _now_minute() - timedelta(hours=12)
    timeline: list[tuple[datetime, bool]] = []
    at = t0
    for _ in range(400):
        at += timedelta(seconds=rng.choice([60, 60, 60, 60, 61, 59, 150]))  # jitter and some gaps
        timeline.append((at, rng.random() > (0.5 if len(timeline) % 80 > 60 else 0.05)))
    items = [_item("portal", at, ok, f"s{i}") for i, (at, ok) in enumerate(timeline)]

    outcomes = []
    for shuffle in (False, True):
        app = make_app()
        with app.app_context():
            # Each run starts from an empty monitoring state in its own database copy.
            db.session.execute(Outage.__table__.delete())
            db.session.execute(ProbeResult.__table__.delete())
            db.session.execute(EvidenceSegment.__table__.delete())
            db.session.execute(Target.__table__.delete())
            db.session.commit()
            client = app.test_client()
            admin = bearer(make_token("admin"))
            _target(client, admin)
            ordered = list(items)
            if shuffle:
                rng.shuffle(ordered)
            position = 0
            while position < len(ordered):
                size = rng.randint(1, 40) if shuffle else 50
                _send(client, admin, ordered[position : position + size])
                position += size
            target = db.session.scalars(select(Target)).one()
            segments = load_segments(target.id)
            outages = [(o["start"], o["end"]) for o in _outages(client, admin)]
            outcomes.append((segments, sorted(outages)))
    assert outcomes[0][0] == outcomes[1][0]
    assert outcomes[0][1] == outcomes[1][1]
    assert len(outcomes[0][1]) >= 1


def test_late_failures_filling_a_gap_merge_two_outages_into_the_earlier_record(
    client: FlaskClient, admin: dict[str, str], probe: dict[str, str]
) -> None:
    _target(client, admin)
    t0 = _now_minute() - timedelta(hours=2)
    first = [_item("portal", t0 + i * MINUTE, False) for i in range(3)]
    second = [_item("portal", t0 + i * MINUTE, False) for i in range(8, 11)]
    _send(client, probe, [*first, *second, _item("portal", t0 + 11 * MINUTE, True)])
    earlier, later = sorted(_outages(client, admin), key=lambda o: o["start"])
    assert _at(earlier["end"]) == t0 + 4 * MINUTE  # the gap after it is unknown
    excluded = client.post(
        f"/api/v1/outages/{later['id']}/exclusions",
        json={"category": "customer", "reason": "甲方网络割接"},
        headers=admin,
    )
    assert excluded.status_code == 201
    # The agent that watched the gap delivers its failures late: one run, one outage.
    _send(client, probe, [_item("portal", t0 + i * MINUTE, False) for i in range(3, 8)])
    [merged] = _outages(client, admin)
    assert merged["id"] == earlier["id"]
    assert (_at(merged["start"]), _at(merged["end"])) == (t0, t0 + 11 * MINUTE)
    assert sorted(merged["ticket_ids"]) == sorted(earlier["ticket_ids"] + later["ticket_ids"])
    assert [e["category"] for e in merged["exclusions"]] == ["customer"]
