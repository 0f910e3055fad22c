"""Outage adjudication, manual outages, maintenance windows, push heartbeats, aggregates and pruning, and
the inputs the SLA engine loads (system downtime, unknown time, wait/repair links)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from slatrack.audit import acting_as
from slatrack.extensions import db
from slatrack.jobs.catalog import load_all
from slatrack.jobs.runner import run_job
from slatrack.measure.downtime import system_downtime, system_unknown, wait_and_repair
from slatrack.measure.intervals import Interval
from slatrack.models import AuditRecord, EvidenceSegment, LatencyDaily, ProbeResult, Target, Ticket
from slatrack.operations.figures.downtime import system_downtime_inputs
from slatrack.operations.monitoring.ingest import ingest_results
from slatrack.operations.monitoring.latency import latency_hours
from slatrack.operations.monitoring.targets import create_target
from slatrack.operations.monitoring.upkeep import prune_raw_results, record_missed_heartbeats
from slatrack.operations.monitoring.views import target_evidence
from slatrack.operations.tickets.lifecycle import record_event
from tests.integration.conftest import bearer

MINUTE = timedelta(minutes=1)


def _base() -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=1)


def _results(name: str, start: datetime, pattern: str, prefix: str = "") -> list[dict[str, Any]]:
    """One result a minute from ``start``: '+' success, '-' failure, '.' no result."""
    return [
        {
            "target": name,
            "observed_at": (start + i * MINUTE).isoformat(),
            "ok": mark == "+",
            "latency_ms": 10.0 + i if mark == "+" else None,
            "detail": "",
            "sample_id": f"{prefix}{name}-{i}",
        }
        for i, mark in enumerate(pattern)
        if mark != "."
    ]


def _target(name: str, critical: bool = True, **extra: Any) -> Target:
    target, _ = create_target(
        {
            "name": name,
            "kind": "http",
            "url": f"https://{name}.example.cn/",
            "critical": critical,
            "in_process": False,
            "monitored_since": _base() - timedelta(days=1),
            **extra,
        }
    )
    return target


@pytest.fixture
def admin(make_token: Callable[..., str]) -> dict[str, str]:
    return bearer(make_token("admin"))


def test_exclusions_are_admin_only_within_the_outage_and_audited(
    app: Flask, client: FlaskClient, admin: dict[str, str], make_token: Callable[..., str]
) -> None:
    _target("portal")
    t0 = _base()
    with acting_as("test"):
        ingest_results(_results("portal", t0, "++------++"))
    [outage] = client.get("/api/v1/outages", headers=admin).get_json()
    assert outage["start"] == (t0 + 2 * MINUTE).isoformat()
    assert outage["end"] == (t0 + 8 * MINUTE).isoformat()
    url = f"/api/v1/outages/{outage['id']}/exclusions"

    vendor = bearer(make_token("vendor"))
    assert client.post(url, json={"category": "customer", "reason": "x"}, headers=vendor).status_code == 403
    outside = client.post(
        url,
        json={"category": "customer", "reason": "甲方断电", "start": (t0 + MINUTE).isoformat()},
        headers=admin,
    )
    assert outside.status_code == 422 and "start" in outside.get_json()["error"]["fields"]
    no_reason = client.post(url, json={"category": "customer", "reason": ""}, headers=admin)
    assert no_reason.status_code == 422
    bad_category = client.post(url, json={"category": "vendor_fault", "reason": "x"}, headers=admin)
    assert bad_category.status_code == 422 and "category" in bad_category.get_json()["error"]["fields"]

    part = client.post(
        url,
        json={
            "category": "customer",
            "reason": "甲方机房断电",
            "start": (t0 + 2 * MINUTE).isoformat(),
            "end": (t0 + 5 * MINUTE).isoformat(),
        },
        headers=admin,
    )
    assert part.status_code == 201
    [exclusion] = part.get_json()["exclusions"]
    assert exclusion["category"] == "customer" and exclusion["decided_by"].startswith("u-admin")
    overlapping = client.post(url, json={"category": "false_alarm", "reason": "误报"}, headers=admin)
    assert overlapping.status_code == 409
    audit = db.session.scalars(select(AuditRecord).where(AuditRecord.object_type == "exclusions")).all()
    assert [(r.action, r.actor.startswith("u-admin")) for r in audit] == [("create", True)]

    inputs = system_downtime_inputs(Interval(t0, t0 + timedelta(hours=1)), t0 + timedelta(hours=2))
    result = system_downtime(inputs.critical_outages, inputs.manual_outages, inputs.maintenance_windows, inputs.window)
    assert result.gross_minutes == pytest.approx(6)
    assert result.excluded_minutes == pytest.approx(3)
    assert result.downtime_minutes == pytest.approx(3)


def test_maintenance_windows_wait_for_approval_and_remove_downtime(
    app: Flask, client: FlaskClient, admin: dict[str, str], make_token: Callable[..., str]
) -> None:
    _target("portal")
    t0 = _base()
    with acting_as("test"):
        ingest_results(_results("portal", t0, "+----------+"))  # down [t0+1, t0+11)
    vendor = bearer(make_token("vendor"))
    body = {"start": (t0 + 5 * MINUTE).isoformat(), "end": (t0 + 30 * MINUTE).isoformat(), "reason": "数据库升级"}
    requested = client.post("/api/v1/maintenance-windows", json=body, headers=vendor)
    assert requested.status_code == 201 and requested.get_json()["approved"] is False
    window = Interval(t0, t0 + timedelta(hours=1))
    as_of = t0 + timedelta(hours=2)
    inputs = system_downtime_inputs(window, as_of)
    assert inputs.maintenance_windows == ()  # not approved: still downtime
    assert (
        client.post(f"/api/v1/maintenance-windows/{requested.get_json()['id']}/approve", headers=vendor).status_code
        == 403
    )
    approved = client.post(f"/api/v1/maintenance-windows/{requested.get_json()['id']}/approve", headers=admin)
    assert approved.status_code == 200 and approved.get_json()["approved_by"].startswith("u-admin")
    again = client.post(f"/api/v1/maintenance-windows/{requested.get_json()['id']}/approve", headers=admin)
    assert again.status_code == 409
    inputs = system_downtime_inputs(window, as_of)
    result = system_downtime(inputs.critical_outages, inputs.manual_outages, inputs.maintenance_windows, inputs.window)
    assert result.maintenance_minutes == pytest.approx(6)
    assert result.downtime_minutes == pytest.approx(4)
    by_admin = client.post("/api/v1/maintenance-windows", json=body, headers=admin).get_json()
    assert by_admin["approved"] is True
    listed = client.get("/api/v1/maintenance-windows", headers=vendor).get_json()
    assert len(listed) == 2
    bad = client.post("/api/v1/maintenance-windows", json={**body, "end": body["start"]}, headers=admin)
    assert bad.status_code == 422


def test_downtime_inputs_unknown_time_manual_outages_and_first_responses(
    app: Flask, client: FlaskClient, admin: dict[str, str]
) -> None:
    _target("portal")
    _target("database")
    _target("report", critical=False)
    t0 = _base()
    with acting_as("test"):
        ingest_results(
            _results("portal", t0, "+++---+++" + "." * 10 + "+++")
            + _results("database", t0, "++++++++++++++++++++++")
            + _results("report", t0, "------------")  # not critical: no system downtime
        )
    manual = client.post(
        "/api/v1/outages",
        json={
            "target": "database",
            "start": (t0 + 30 * MINUTE).isoformat(),
            "end": (t0 + 40 * MINUTE).isoformat(),
            "cause": "存储故障，探针未覆盖",
        },
        headers=admin,
    )
    assert manual.status_code == 201 and manual.get_json()["source"] == "manual"
    outages = {o["target"]: o for o in client.get("/api/v1/outages", headers=admin).get_json()}
    assert set(outages) == {"portal", "database", "report"}
    ticket = db.session.get(Ticket, outages["portal"]["ticket_ids"][0])
    assert ticket is not None
    with acting_as("test"):
        record_event(ticket, "respond", t0 + 5 * MINUTE, note="已远程处理")

    window = Interval(t0, t0 + timedelta(hours=1))
    inputs = system_downtime_inputs(window, t0 + timedelta(hours=3))
    result = system_downtime(inputs.critical_outages, inputs.manual_outages, inputs.maintenance_windows, inputs.window)
    # portal [t0+3, t0+6) and the manual [t0+30, t0+40).
    assert result.downtime_minutes == pytest.approx(13)
    unknown = system_unknown(inputs.critical_unknown, result.intervals, inputs.window)
    # portal: [t0+10, t0+19) and after t0+23; database after t0+23; minus the manual outage.
    expected = Interval(t0 + 10 * MINUTE, t0 + 19 * MINUTE).minutes + (60 - 23) - 10
    assert sum(i.minutes for i in unknown) == pytest.approx(expected)
    split = wait_and_repair(result.intervals, inputs.outage_links)
    assert split.wait_minutes == pytest.approx(2 + 10)  # portal answered at t0+5; the manual one never
    assert split.repair_minutes == pytest.approx(1)
    assert inputs.transient_failures == 0

    # as_of cuts the window: two failures observed by then are not yet a confirmed outage...
    early = system_downtime_inputs(window, t0 + 4 * MINUTE + timedelta(seconds=30))
    result = system_downtime(early.critical_outages, early.manual_outages, early.maintenance_windows, early.window)
    assert result.downtime_minutes == 0
    # ...the third confirms it from its first failure on; the response at t0+5 starts the repair.
    later = system_downtime_inputs(window, t0 + 5 * MINUTE + timedelta(seconds=30))
    result = system_downtime(later.critical_outages, later.manual_outages, later.maintenance_windows, later.window)
    assert result.downtime_minutes == pytest.approx(2.5)
    split = wait_and_repair(result.intervals, later.outage_links)
    assert (split.wait_minutes, split.repair_minutes) == (pytest.approx(2), pytest.approx(0.5))


def test_missed_heartbeats_become_failures_once(app: Flask, client: FlaskClient, admin: dict[str, str]) -> None:
    now = datetime.now(UTC)
    created = client.post(
        "/api/v1/targets",
        json={
            "name": "backup-job",
            "kind": "push",
            "interval_seconds": 600,
            "critical": True,
            "monitored_since": (now - timedelta(hours=2)).isoformat(),
        },
        headers=admin,
    )
    assert created.status_code == 201
    token = created.get_json()["heartbeat_token"]
    assert created.get_json()["in_process"] is False
    assert "heartbeat_token" not in client.get(f"/api/v1/targets/{created.get_json()['id']}", headers=admin).get_json()
    assert client.post("/api/v1/heartbeat/not-a-token").status_code == 404
    target = db.session.scalars(select(Target).where(Target.name == "backup-job")).one()
    # The backup job last reported 35 minutes ago.
    with acting_as("test"):
        first = now - timedelta(minutes=35)
        ingest_results([{"target": "backup-job", "observed_at": first.isoformat(), "ok": True, "sample_id": "hb-1"}])
        assert record_missed_heartbeats(now) == 3  # at -25, -15 and -5 minutes
        assert record_missed_heartbeats(now) == 0  # a rerun adds nothing
    misses = db.session.scalars(select(ProbeResult).where(ProbeResult.ok.is_(False))).all()
    assert sorted(r.observed_at for r in misses) == [first + k * timedelta(minutes=10) for k in (1, 2, 3)]
    [outage] = client.get("/api/v1/outages", headers=admin).get_json()
    assert outage["target"] == "backup-job" and outage["end"] is None
    assert db.session.get(Ticket, outage["ticket_ids"][0]).priority == "P1"  # type: ignore[union-attr]

    beat = client.post(f"/api/v1/heartbeat/{token}")
    assert beat.status_code == 200 and beat.get_json()["target"] == "backup-job"
    [closed] = client.get("/api/v1/outages", headers=admin).get_json()
    assert closed["end"] == beat.get_json()["observed_at"]
    rotated = client.post(f"/api/v1/targets/{target.id}/heartbeat-token", headers=admin).get_json()["heartbeat_token"]
    assert client.post(f"/api/v1/heartbeat/{token}").status_code == 404
    assert client.post(f"/api/v1/heartbeat/{rotated}").status_code == 200


def test_pruning_keeps_evidence_and_hourly_aggregates(app: Flask) -> None:
    target = _target("portal")
    t0 = _base() - timedelta(hours=3)
    pattern = ("+" * 50 + "----" + "+" * 6) * 3  # three hours, one confirmed outage an hour
    with acting_as("test"):
        ingest_results(_results("portal", t0, pattern))
    window_end = t0 + timedelta(hours=3)
    before = target_evidence(target, t0, window_end, window_end)
    assert before.down_minutes == pytest.approx(3 * 4)

    with acting_as("job:test"):
        deleted = prune_raw_results(t0 + timedelta(hours=2, minutes=30))
    assert deleted == 120  # the whole hours before the cutoff
    assert db.session.scalar(select(func.count()).select_from(ProbeResult)) == 60
    hours = latency_hours(target.id, t0 - timedelta(days=1), window_end)
    assert [(h.start, h.figures.checks, h.figures.failures) for h in hours] == [
        (t0, 60, 4),
        (t0 + timedelta(hours=1), 60, 4),
    ]
    latencies = sorted(10.0 + i for i in range(60) if pattern[i] == "+")
    first = hours[0].figures
    assert first.measured == 56
    assert first.max_ms == pytest.approx(10.0 + 59)
    assert first.min_ms == pytest.approx(10.0)
    assert first.avg_ms == pytest.approx(sum(latencies) / 56, abs=0.005)
    assert first.p50_ms == latencies[27]  # nearest rank: the 28th of 56
    assert first.p95_ms == latencies[53]  # the 54th of 56 (ceil(0.95 * 56))
    after = target_evidence(target, t0, window_end, window_end)
    assert after == before
    assert db.session.scalar(select(func.count()).select_from(EvidenceSegment)) == 7  # up, fail, up, fail, up, fail, up


def test_the_jobs_are_registered_and_run(app: Flask) -> None:
    jobs = {spec.id: spec for spec in load_all()}
    assert jobs["push-heartbeats"].period == timedelta(minutes=1)
    assert jobs["evidence-maintenance"].period == timedelta(hours=1)
    _target("portal")
    with acting_as("test"):
        ingest_results(_results("portal", _base(), "+++"))
    assert run_job(app, jobs["evidence-maintenance"]) == "success"
    assert run_job(app, jobs["evidence-maintenance"]) is None  # the same tick is not run twice
    assert db.session.scalar(select(func.count()).select_from(LatencyDaily)) == 1
    assert run_job(app, jobs["push-heartbeats"]) == "success"
