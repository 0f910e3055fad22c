"""Every write path moves the data version on, and the cached figures then equal a fresh computation.

The paths: the API, the pages, a spreadsheet import, Core bulk inserts and updates that skip the ORM (and
the audit log), a raw SQL statement, a scheduled job, and probe ingestion. Reads and bookkeeping writes
(the audit log, logins, job claims) leave the version alone; a rolled-back write moves nothing.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import insert, select, text, update

from slatrack import data_version
from slatrack.audit import acting_as
from slatrack.extensions import db
from slatrack.jobs.catalog import load_all
from slatrack.jobs.runner import run_job
from slatrack.measure.periods import year_period
from slatrack.models import Contract, Ticket, TicketEvent, Unit
from slatrack.operations.figures.cache import CACHE
from slatrack.operations.figures.sla import measure_period
from slatrack.operations.tickets.importing import import_tickets
from slatrack.operations.tickets.lifecycle import create_ticket, record_event
from tests.integration.conftest import bearer, login

# Times stated a few days back; the grace for late entries is set beyond them (a late entry counts at its
# entry until confirmed, which is not what this test is about).
TODAY = datetime.now(UTC).replace(hour=1, minute=0, second=0, microsecond=0)  # 09:00 in Shanghai
REPORTED = TODAY - timedelta(days=3)
LOCAL = REPORTED + timedelta(hours=8)  # the same instant as a Shanghai wall time, for forms and sheets
YEARS = (TODAY.year - 1, TODAY.year)
BODY = {"unit": "522701", "category": "fault", "priority": "P2", "channel": "电话", "mode": "远程",
        "title": "门户打不开", "reported_at": REPORTED.isoformat()}  # fmt: skip


def _figures(fresh: bool, as_of: datetime | None = None) -> list[dict[str, Any]]:
    if fresh:
        CACHE.clear()
    as_of = as_of or datetime.now(UTC).replace(microsecond=0)
    bodies = []
    for year in YEARS:
        figures = measure_period(year_period(year), as_of)
        outcomes = figures.total.ticket_outcomes
        statuses = sorted((o.record.key, o.sla.response_status.value, o.sla.resolution_status.value) for o in outcomes)
        bodies.append({**figures.as_json(), "outcomes": statuses})
    return bodies


@pytest.fixture
def watch(app: Flask) -> Iterator[Callable[..., list[dict[str, Any]]]]:
    """``watch(write, *domains)``: run ``write``; its domains moved on, the others did not, cached == fresh."""
    app.config["LATE_ENTRY_GRACE_MINUTES"] = 60 * 24 * 30

    def run(write: Callable[[], Any], *domains: str) -> list[dict[str, Any]]:
        _figures(fresh=False)  # the cache holds the state before the write
        before = data_version.current(db.session)
        db.session.commit()
        write()
        db.session.remove()
        after = data_version.current(db.session)
        moved = {domain for domain in after if after[domain] != before[domain]}
        assert moved == set(domains), (before, after)
        as_of = datetime.now(UTC)
        cached = _figures(fresh=False, as_of=as_of)
        db.session.remove()
        fresh = _figures(fresh=True, as_of=as_of)
        assert cached == fresh
        return cached[1]

    yield run


def _workbook() -> io.BytesIO:
    day = LOCAL.strftime("%Y-%m-%d")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["单位", "报告时间", "类别", "优先级", "渠道", "方式", "标题", "描述", "报告人",
                  "响应时间", "解决时间", "关闭时间"])  # fmt: skip
    sheet.append(["522701", f"{day} 09:00", "consult", "P3", "电话", "远程", "导入的工单", "", "李四",
                  f"{day} 09:40", f"{day} 11:00", f"{day} 12:00"])  # fmt: skip
    stream = io.BytesIO()
    book.save(stream)
    stream.seek(0)
    return stream


def test_every_write_path_moves_the_version_and_the_cache_follows(
    client: FlaskClient, make_token: Callable[..., str], make_user: Callable[..., Any], watch: Callable[..., Any]
) -> None:
    vendor, unit_token = make_token("vendor"), make_token("unit", "522701")
    start = _figures(fresh=True)[1]["tickets"]

    # The API: a ticket, then its late response (a breach the figures must show).
    created: dict[str, Any] = {}

    def api_create() -> None:
        response = client.post("/api/v1/tickets", json=BODY, headers=bearer(vendor))
        assert response.status_code == 201, response.get_json()
        created.update(response.get_json())

    assert watch(api_create, "tickets")["tickets"] == start + 1

    def api_event() -> None:
        late = (REPORTED + timedelta(hours=5)).isoformat()
        url = f"/api/v1/tickets/{created['id']}/events"
        assert client.post(url, json={"type": "respond", "at": late}, headers=bearer(vendor)).status_code == 201

    assert watch(api_event, "tickets")["breached"] == 1

    # The pages: the vendor records the resolution on the ticket's page.
    make_user("page-vendor", "vendor")
    assert login(client, "page-vendor").status_code == 302

    def page_event() -> None:
        form = {"type": "resolve", "at": (LOCAL + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M")}
        assert client.post(f"/tickets/{created['id']}/events", data=form).status_code == 302

    assert watch(page_event, "tickets")["median_resolution_minutes"] == 7 * 60

    # A spreadsheet import.
    def imported() -> None:
        with acting_as("test"):
            result = import_tickets(_workbook(), "log.xlsx")
        assert result.errors == [] and result.created == 1

    assert watch(imported, "tickets")["tickets"] == start + 2

    # Core bulk inserts that skip the ORM and write no audit record (the bench's path).
    unit_id = db.session.scalar(select(Unit.id).where(Unit.code == "522702"))
    contract_id = db.session.scalar(select(Contract.id).where(Contract.code == "OM-2025"))

    def bulk() -> None:
        rows = [{"number": f"BULK-{n}", "unit_id": unit_id, "contract_id": contract_id, "channel": "电话",
                 "mode": "远程", "category": "consult", "priority": "P3", "title": "批量", "status": "open",
                 "reported_at": REPORTED + timedelta(hours=n)} for n in range(3)]  # fmt: skip
        db.session.execute(insert(Ticket), rows)
        db.session.commit()

    assert watch(bulk, "tickets")["tickets"] == start + 5

    # A Core update of an event's time, then a raw SQL update of a ticket's priority.
    def core_update() -> None:
        db.session.execute(
            update(TicketEvent)
            .where(TicketEvent.ticket_id == created["id"], TicketEvent.type == "respond")
            .values(at=REPORTED + timedelta(minutes=10))
        )
        db.session.commit()

    breached = _figures(fresh=True)[1]["breached"]
    assert watch(core_update, "tickets")["breached"] == breached - 1  # the API ticket answered in time now

    def raw_sql() -> None:
        db.session.execute(text("UPDATE tickets SET category = 'fault' WHERE number LIKE 'BULK-%'"))
        db.session.commit()

    consultations = _figures(fresh=True)[1]["consultations"]
    assert watch(raw_sql, "tickets")["consultations"] == consultations - 3

    # A scheduled job: a unit's resolved request is confirmed automatically after the working days.
    unit_user, job_vendor = make_user("job-unit", "unit", "522702"), make_user("job-vendor", "vendor")
    asked = TODAY - timedelta(days=12)  # resolved more than the working days ago
    with acting_as("test"):
        request = create_ticket(unit_code="522702", category="fault", priority=None, suggested_priority="P3",
                                channel="系统", mode="远程", title="打印失败", user=unit_user, now=asked)  # fmt: skip
        record_event(request, "respond", None, "", job_vendor, now=asked + timedelta(minutes=5))
        record_event(request, "resolve", None, "", job_vendor, now=asked + timedelta(hours=2))
    request_id = request.id
    jobs = {spec.id: spec for spec in load_all()}
    app = client.application
    watch(lambda: run_job(app, jobs["ticket-auto-confirm"]), "tickets")
    assert db.session.get(Ticket, request_id).status == "closed"  # type: ignore[union-attr]

    # Probe ingestion: a target's results through the API (the evidence moves on, the tickets do not).
    admin = bearer(make_token("admin"))
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    since = (now - timedelta(hours=1)).isoformat()
    target = {"name": "portal", "kind": "http", "url": "https://portal.example.cn/", "interval_seconds": 60,
              "critical": True, "in_process": False, "monitored_since": since}  # fmt: skip
    assert client.post("/api/v1/targets", json=target, headers=admin).status_code == 201

    def ingest() -> None:
        items = [{"target": "portal", "observed_at": (now - timedelta(minutes=m)).isoformat(), "ok": m % 2 == 0,
                  "latency_ms": 10.0, "detail": "", "sample_id": f"s-{m}"} for m in range(5, 0, -1)]  # fmt: skip
        response = client.post("/api/v1/probe-results", json=items, headers=bearer(make_token(None)))
        assert response.status_code == 200, response.get_json()

    watch(ingest, "evidence")
    _figures(fresh=False)
    (portal,) = CACHE.get(year_period(TODAY.year)).inputs.targets
    assert sum(segment.count for segment in portal.segments) == 5  # the cached evidence holds the new results
    del unit_token


def test_reads_and_bookkeeping_leave_the_version_alone_and_a_rollback_moves_nothing(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    before = data_version.current(db.session)
    make_user("reader", "admin")
    assert login(client, "reader").status_code == 302  # a login writes its throttle and session version
    assert client.get("/").status_code == 200
    measure_period(year_period(2025), datetime.now(UTC))
    with acting_as("test"):
        create_ticket(unit_code="522701", category="consult", priority="P3", channel="电话", mode="远程",
                      title="撤销", reported_at=REPORTED, commit=False)  # fmt: skip
    db.session.rollback()
    db.session.remove()
    assert data_version.current(db.session) == before


@pytest.mark.parametrize(
    ("statement", "domains"),
    [
        ("SELECT 1", set()),
        ('INSERT INTO "tickets" (number) VALUES (?)', {"tickets"}),
        ("insert or replace into evidence_segments values (1)", {"evidence"}),
        ('UPDATE "public"."ticket_events" SET note = %(note)s', {"tickets"}),
        ("DELETE FROM public.targets WHERE id = 1", {"evidence"}),
        ("UPDATE sla_terms SET response_minutes = 5", {"terms"}),
        ("DELETE FROM outage_tickets WHERE ticket_id = 1", {"records"}),
        ("INSERT INTO audit_records (id) VALUES (1)", set()),
        ("ALTER TABLE tickets ADD COLUMN x INTEGER", set(data_version.DOMAINS)),
        ("WITH t AS (SELECT 1) UPDATE tickets SET title = 'x'", set(data_version.DOMAINS)),
    ],
)
def test_which_domains_a_statement_moves(statement: str, domains: set[str]) -> None:
    assert data_version.domains_of(statement) == domains


def _snapshots_written() -> None:
    for thread in threading.enumerate():
        if thread.name == "figures-snapshot":
            thread.join()


def test_a_restart_starts_from_the_snapshot_and_reads_again_what_moved(app: Flask) -> None:
    app.config["LATE_ENTRY_GRACE_MINUTES"] = 60 * 24 * 30
    period, as_of = year_period(TODAY.year), TODAY
    with acting_as("test"):
        first = create_ticket(unit_code="522701", category="fault", priority="P2", channel="电话", mode="远程",
                              title="门户打不开", reported_at=REPORTED)  # fmt: skip
        record_event(first, "respond", REPORTED + timedelta(minutes=10))
        record_event(first, "resolve", REPORTED + timedelta(hours=1))
        record_event(first, "close", REPORTED + timedelta(hours=2))
    CACHE.clear()
    before = measure_period(period, as_of).as_json()
    _snapshots_written()
    assert list((Path(app.instance_path) / "figures").glob("*.snapshot"))

    CACHE.clear(snapshots=False)  # a restart: nothing in memory, the snapshot on disk
    entry = CACHE.get(period)
    assert entry.persisted and first.number in {record.number for record in entry.inputs.tickets}
    assert str(first.id) in entry.memo  # the settled ticket's outcome came back with it
    assert measure_period(period, as_of).as_json() == before

    # Changes while the server was down, through paths that skip the ORM: read again at the next start.
    CACHE.clear(snapshots=False)
    db.session.execute(
        update(TicketEvent).where(TicketEvent.type == "respond").values(at=REPORTED + timedelta(minutes=50))
    )  # past the P2 ticket's 30 minutes
    unit_id = db.session.scalar(select(Unit.id).where(Unit.code == "522702"))
    db.session.execute(insert(Ticket), [{"number": "BULK-1", "unit_id": unit_id, "channel": "电话", "mode": "远程",
                                         "category": "consult", "priority": "P3", "title": "批量", "status": "open",
                                         "reported_at": REPORTED}])  # fmt: skip
    db.session.commit()
    after_restart = measure_period(period, as_of).as_json()
    assert after_restart["tickets"] == before["tickets"] + 1 and after_restart["breached"] == before["breached"] + 2
    CACHE.clear()
    assert measure_period(period, as_of).as_json() == after_restart


def test_a_snapshot_of_other_code_or_a_damaged_one_is_not_used(app: Flask) -> None:
    period = year_period(TODAY.year)
    measure_period(period, TODAY)
    _snapshots_written()
    (path,) = (Path(app.instance_path) / "figures").glob("*.snapshot")
    assert path.stat().st_mode & 0o777 == 0o600
    path.write_bytes(b"not a snapshot")
    CACHE.clear(snapshots=False)
    assert not CACHE.get(period).persisted  # read from the records


def test_a_write_through_the_raw_driver_connection_is_noted_by_hand(app: Flask) -> None:
    before = data_version.current(db.session)
    connection = db.session.connection()
    data_version.note(connection, data_version.EVIDENCE)
    with pytest.raises(ValueError, match="unknown data domains"):
        data_version.note(connection, "weather")
    db.session.commit()
    after = data_version.current(db.session)
    assert after == {**before, "evidence": before["evidence"] + 1}
