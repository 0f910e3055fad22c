"""The SLA engine end to end: records in the database, figures out of the API and the CLI, frozen on submission.

May 2025 (OM-2025), Asia/Shanghai. The portal (critical, checked hourly, confirm 3) fails at 10:00, 11:00 and
12:00 on 05-10 and answers again at 13:00: a confirmed outage [10:00, 13:00) = 180 min, which opens a fault
ticket reported at 10:00. The vendor responds at 10:30 (exactly on the 30-minute deadline: in time), so
waiting = 30 and repair = 150 minutes. Service time = 31 × 1,440 = 44,640 min; failure rate = 180 / 44,640
= 0.403 % -> 0.40. A consultation reported 05-20 09:00 is answered at 09:40: breached. Tickets 2, in time 1,
breached 1 -> response rate 50.00 %, consultations 1. Both May inspections passed -> 1 monitoring month.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import Contract, Inspection, Outage, Ticket
from slatrack.operations.figures import report_status
from slatrack.operations.figures.report_texts import save_quarterly_texts
from slatrack.operations.monitoring.ingest import ingest_results
from slatrack.operations.monitoring.targets import create_target
from slatrack.operations.tickets.lifecycle import create_ticket, record_event
from tests.integration.conftest import bearer

CST = timezone(timedelta(hours=8))
AS_OF = datetime(2025, 6, 1, tzinfo=CST)
NOW = datetime(2025, 6, 1, 0, 30, tzinfo=CST)  # "now" for validation: results are within retention


def at(day: int, hour: int = 0, minute: int = 0, month: int = 5) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=CST)


def _load_may(app: Flask) -> None:
    create_target(
        {
            "name": "门户网站",
            "kind": "http",
            "url": "http://127.0.0.1:9/",
            "interval_seconds": 3600,
            "critical": True,
            "in_process": False,
            "monitored_since": at(1),
        }
    )
    failing = {at(10, 10), at(10, 11), at(10, 12)}
    items = []
    moment = at(1)
    while moment < AS_OF:
        items.append(
            {
                "target": "门户网站",
                "observed_at": moment.isoformat(),
                "ok": moment not in failing,
                "latency_ms": 20.0,
                "detail": "",
                "sample_id": f"may-{moment.timestamp():.0f}",
            }
        )
        moment += timedelta(hours=1)
    ingest_results(items, now=NOW)
    fault = db.session.scalar(select(Ticket).where(Ticket.category == "fault"))
    assert fault is not None and fault.reported_at == at(10, 10)
    record_event(fault, "respond", at(10, 10, 30), "远程排查", None, now=NOW)
    consult = create_ticket(
        unit_code="522701",
        category="consult",
        priority="P3",
        channel="电话",
        mode="远程",
        title="考核模块如何导出",
        reported_at=at(20, 9),
    )
    record_event(consult, "respond", at(20, 9, 40), "", None, now=NOW)
    for kind in ("security", "backup"):
        db.session.add(Inspection(month="2025-05", kind=kind, performed_at=at(15), passed=True))
    db.session.commit()


def test_may_figures_through_the_api(app: Flask, client: FlaskClient, make_token: Callable[..., str]) -> None:
    _load_may(app)
    response = client.get(
        "/api/v1/sla", query_string={"from": "2025-05-01", "to": "2025-05-31", "as_of": AS_OF.isoformat()},
        headers=bearer(make_token("admin")),
    )  # fmt: skip
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["service_minutes"] == 44_640
    assert (body["downtime_minutes"], body["wait_minutes"], body["repair_minutes"]) == (180, 30, 150)
    assert body["failure_rate"] == 0.40
    assert (body["tickets"], body["responded_in_time"], body["breached"], body["pending"]) == (2, 1, 1, 0)
    assert (body["response_rate"], body["consultations"], body["monitoring_months"]) == (50.0, 1, 1)
    assert body["unknown_minutes"] == 0 and body["major_faults"] == 0
    assert list(body["contracts"]) == ["OM-2025"]
    assert body["contracts"]["OM-2025"]["failure_rate"] == 0.40


def test_cli_prints_the_same_json(app: Flask) -> None:
    _load_may(app)
    result = app.test_cli_runner().invoke(
        args=["sla", "--from", "2025-05-01", "--to", "2025-05-31", "--as-of", AS_OF.isoformat(), "--json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert (body["downtime_minutes"], body["failure_rate"], body["response_rate"]) == (180, 0.40, 50.0)
    table = app.test_cli_runner().invoke(args=["sla", "--from", "2025-05-01", "--to", "2025-05-31"])
    assert "系统故障率(%)" in table.output and "OM-2025" in table.output


def test_bad_period_is_a_clear_error(client: FlaskClient, make_token: Callable[..., str]) -> None:
    token = make_token("vendor")
    response = client.get("/api/v1/sla", query_string={"from": "2025-06-30", "to": "2025-04-01"}, headers=bearer(token))
    assert response.status_code == 422
    assert "早于" in response.get_json()["error"]["message"]
    missing = client.get("/api/v1/sla", query_string={"from": "2025-04-01"}, headers=bearer(token))
    assert missing.status_code == 422 and missing.get_json()["error"]["fields"] == {"to": "缺少必填字段"}
    unknown = client.get(
        "/api/v1/sla", query_string={"from": "2025-04-01", "to": "2025-04-30", "contract": "OM-1999"},
        headers=bearer(token),
    )  # fmt: skip
    assert unknown.status_code == 404


def test_submitted_figures_are_frozen_and_revisions_shown(
    app: Flask, client: FlaskClient, make_token: Callable[..., str]
) -> None:
    _load_may(app)
    token = make_token("admin")
    refused = client.post("/api/v1/reports/quarterly/2025Q2/submit", headers=bearer(token))
    assert refused.status_code == 422
    fields = refused.get_json()["error"]["fields"]
    assert fields == dict.fromkeys(("problems", "next_plan", "vendor", "outages"), "提交前必须填写")
    save_quarterly_texts("2025Q2", "无。", "继续做好日常运维。")
    for contract in db.session.scalars(select(Contract)):
        contract.vendor = "黔南州某信息技术有限公司"
    for outage in db.session.scalars(select(Outage)):
        outage.cause, outage.handling = "应用服务异常", "重启服务后恢复"
    db.session.commit()
    submitted = client.post("/api/v1/reports/quarterly/2025Q2/submit", headers=bearer(token))
    assert submitted.status_code == 200, submitted.get_json()
    frozen = submitted.get_json()["frozen_figures"]
    assert frozen["tickets"] == 2 and submitted.get_json()["revisions"] == {}
    again = client.post("/api/v1/reports/quarterly/2025Q2/submit", headers=bearer(token))
    assert again.status_code == 409

    # A ticket logged after the fact, dated inside the quarter, before the submission's as_of.
    create_ticket(
        unit_code="522702", category="guidance", priority="P3", channel="微信", mode="远程",
        title="补录：操作指导", reported_at=at(10, 9, month=6),
    )  # fmt: skip
    status = client.get("/api/v1/reports/quarterly/2025Q2/status", headers=bearer(token)).get_json()
    assert status["revised"] is True
    assert status["revisions"]["tickets"] == {"submitted": 2, "current": 3}
    assert status["frozen_figures"]["tickets"] == 2  # the submitted figure itself never changes
    sla = client.get(
        "/api/v1/sla", query_string={"from": "2025-04-01", "to": "2025-06-30"}, headers=bearer(token)
    ).get_json()
    assert sla["submission"]["revised"] is True and sla["submission"]["status"] == "submitted"

    own = client.post("/api/v1/reports/quarterly/2025Q2/accept", headers=bearer(token))
    assert own.status_code == 409 and "须由另一位局方人员验收" in own.get_json()["error"]["message"]
    accepted = client.post("/api/v1/reports/quarterly/2025Q2/accept", headers=bearer(make_token("admin")))
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    assert report_status.status_json("2025Q2")["status_label"] == "已验收"


def test_vendor_cannot_accept_and_bad_quarter_is_422(client: FlaskClient, make_token: Callable[..., str]) -> None:
    vendor = make_token("vendor")
    assert client.post("/api/v1/reports/quarterly/2025Q2/accept", headers=bearer(vendor)).status_code == 403
    bad = client.post("/api/v1/reports/quarterly/2025Q5/submit", headers=bearer(vendor))
    assert bad.status_code == 422 and "quarter" in bad.get_json()["error"]["fields"]
