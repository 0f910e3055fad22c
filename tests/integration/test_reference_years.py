"""A new fiscal year and a new contract round through the API alone, and 2025 untouched by them.

March 2026 under the new round OM-2026 (7x24, Asia/Shanghai), entered through the API: the portal (critical,
checked hourly from 2026-03-01, confirm 3) fails at 10:00, 11:00 and 12:00 on 03-10 and answers at 13:00: a
confirmed outage [10:00, 13:00) = 180 min with its fault ticket, responded to at 10:30 (on the 30-minute
deadline: in time) → waiting 30, repair 150. A consultation of 03-20 09:00 is answered at 09:40: breached.

By hand, March: service 31 × 1,440 = 44,640 min, failure rate 180 / 44,640 = 0.403 % → 0.40; tickets 2, in
time 1 → response rate 50.00 %. The year to 2026-04-01 00:00: the contract has served 90 days = 129,600 min,
failure rate 180 / 129,600 = 0.139 % → 0.14, response rate 50.00 %; against the 2026 targets (≤3 %: met,
≥99 %: missed). 2025's figures, indicators and its submitted Q4 report are the same before and after.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from slatrack.extensions import db
from slatrack.models import AuditRecord, Contract, Project, Ticket
from slatrack.operations.figures.documents import self_evaluation_document
from slatrack.operations.figures.report_texts import save_quarterly_texts
from slatrack.reports.form import FormDocument
from tests.integration.conftest import bearer

CST = timezone(timedelta(hours=8))
AS_OF = datetime(2026, 12, 1, tzinfo=CST)
RESOLUTION = {"P1": 120, "P2": 240, "P3": 480, "P4": 4320}
TERMS = {p: {"response_minutes": 30, "resolution_minutes": m} for p, m in RESOLUTION.items()}
OM_2026 = {
    "code": "OM-2026",
    "name": "黔南州督考绩效管理综合运用系统运维服务(2026年度采购)",
    "vendor": "贵州某信息技术有限公司",
    "start": "2026-01-01",
    "end": "2026-12-31",
    "amount": 452000,
    "calendar": "7x24",
    "terms": TERMS,
}


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CST)


def _november_through_the_api(client: FlaskClient, headers: dict[str, str]) -> None:
    target = client.post(
        "/api/v1/targets",
        json={"name": "门户网站", "kind": "http", "url": "http://127.0.0.1:9/", "interval_seconds": 3600,
              "critical": True, "in_process": False, "monitored_since": at(1).isoformat()},
        headers=headers,
    )  # fmt: skip
    assert target.status_code == 201, target.get_json()
    failing = {at(10, 10), at(10, 11), at(10, 12)}
    items, moment = [], at(1)
    while moment < AS_OF:
        items.append({"target": "门户网站", "observed_at": moment.isoformat(), "ok": moment not in failing,
                      "latency_ms": 20.0, "sample_id": f"m-{moment.timestamp():.0f}"})  # fmt: skip
        moment += timedelta(hours=1)
    sent = client.post("/api/v1/probe-results", json=items, headers=headers)
    assert sent.status_code in (200, 201, 202), sent.get_json()
    fault = db.session.scalar(select(Ticket).where(Ticket.category == "fault"))
    assert fault is not None and fault.reported_at == at(10, 10)
    assert fault.contract is not None and fault.contract.code == "OM-2026"
    responded = client.post(
        f"/api/v1/tickets/{fault.id}/events",
        json={"type": "respond", "at": at(10, 10, 30).isoformat(), "note": "远程排查"},
        headers=headers,
    )
    assert responded.status_code in (200, 201), responded.get_json()
    consult = client.post(
        "/api/v1/tickets",
        json={"unit": "522701", "category": "consult", "priority": "P3", "channel": "电话", "mode": "远程",
              "title": "考核模块如何导出", "reported_at": at(20, 9).isoformat()},
        headers=headers,
    )  # fmt: skip
    assert consult.status_code == 201, consult.get_json()
    answered = client.post(
        f"/api/v1/tickets/{consult.get_json()['id']}/events",
        json={"type": "respond", "at": at(20, 9, 40).isoformat()},
        headers=headers,
    )
    assert answered.status_code in (200, 201), answered.get_json()


def _cells(document: FormDocument) -> list[str]:
    return [str(cell.value) for form in document.forms for cell in form.cells]


def _sla(client: FlaskClient, headers: dict[str, str], first: str, last: str) -> dict[str, Any]:
    query = {"from": first, "to": last, "as_of": AS_OF.isoformat()}
    answer: dict[str, Any] = client.get("/api/v1/sla", query_string=query, headers=headers).get_json()
    return answer


def _year_2025(client: FlaskClient, headers: dict[str, str]) -> dict[str, Any]:
    as_of = datetime(2026, 1, 1, tzinfo=CST).isoformat()
    return {
        "sla": client.get(
            "/api/v1/sla", query_string={"from": "2025-01-01", "to": "2025-12-31", "as_of": as_of}, headers=headers
        ).get_json(),
        "indicators": client.get(
            "/api/v1/indicators", query_string={"year": 2025, "as_of": as_of}, headers=headers
        ).get_json(),
        "report": client.get("/api/v1/reports/quarterly/2025Q4/status", headers=headers).get_json(),
        "projects": client.get("/api/v1/projects", query_string={"year": 2025}, headers=headers).get_json(),
        "contracts": [c for c in client.get("/api/v1/contracts", headers=headers).get_json() if c["code"] != "OM-2026"],
    }


def test_a_new_year_and_contract_round_through_the_api(
    app: Flask, client: FlaskClient, make_token: Callable[..., str]
) -> None:
    headers = bearer(make_token("admin"))
    save_quarterly_texts("2025Q4", "无。", "做好 2026 年交接。")
    named = client.patch("/api/v1/contracts/OM-2025", json={"vendor": "贵州某信息技术有限公司"}, headers=headers)
    assert named.status_code == 200, named.get_json()  # a report names its vendor before it is submitted
    submitted = client.post("/api/v1/reports/quarterly/2025Q4/submit", headers=headers)
    assert submitted.status_code == 200, submitted.get_json()
    before = _year_2025(client, headers)
    assert before["report"]["status"] == "submitted"
    nothing = client.get("/api/v1/indicators", query_string={"year": 2026}, headers=headers)
    assert nothing.status_code == 404

    # The round: its dates may not overlap 2025's; a bad term names its field and writes nothing.
    overlap = client.post("/api/v1/contracts", json={**OM_2026, "start": "2025-12-01"}, headers=headers)
    assert overlap.status_code == 409 and "OM-2025" in overlap.get_json()["error"]["message"]
    assert set(overlap.get_json()["error"]["fields"]) == {"start", "end"}
    bad = client.post("/api/v1/contracts", json={**OM_2026, "terms": {**TERMS, "P2": {"response_minutes": 60,
                      "resolution_minutes": 30}}}, headers=headers)  # fmt: skip
    assert bad.status_code == 422 and "terms.P2.resolution_minutes" in bad.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count(Contract.id)).where(Contract.code == "OM-2026")) == 0
    unit = client.post("/api/v1/contracts", json=OM_2026, headers=bearer(make_token("unit")))
    assert unit.status_code == 403

    # The year: copied from 2025 (new codes), then the new targets and the contract's project.
    copied = client.post("/api/v1/fiscal-years/2026/copy-from/2025", json={}, headers=headers)
    assert copied.status_code == 201, copied.get_json()
    assert sorted(p["code"] for p in copied.get_json()) == ["DK-2026", "YW-2026"]
    again = client.post("/api/v1/fiscal-years/2026/copy-from/2025", json={}, headers=headers)
    assert again.status_code == 409
    project = client.patch(
        "/api/v1/projects/YW-2026",
        json={"budget_lines": [{"code": "YW-2026-NEW", "name": "2026年度系统运维服务", "amount": 452000,
                                "source": "current"},
                               {"code": "YW-2026-TAIL", "name": "2025年度采购运维服务尾款", "amount": 90000,
                                "source": "carryover"}]},
        headers=headers,
    )  # fmt: skip
    assert project.status_code == 200, project.get_json()
    assert project.get_json()["total_amount"] == 542000
    assert {line["source"] for line in project.get_json()["budget_lines"]} == {"current", "carryover"}
    contract = client.post("/api/v1/contracts", json={**OM_2026, "project": "YW-2026"}, headers=headers)
    assert contract.status_code == 201, contract.get_json()
    assert (
        contract.get_json()["project"] == "YW-2026" and contract.get_json()["terms"]["P4"]["resolution_minutes"] == 4320
    )
    rows = client.get("/api/v1/projects/YW-2026/indicators", headers=headers).get_json()
    assert len(rows) == 14 and rows[0]["code"] == "YW-2026-01"
    by_name = {row["name"]: row for row in rows}
    for name, target in (("系统故障率", 3), ("服务响应率", 99)):
        changed = client.patch(f"/api/v1/indicators/{by_name[name]['id']}", json={"target": target}, headers=headers)
        assert changed.status_code == 200, changed.get_json()
        assert changed.get_json()["target"] == target and changed.get_json()["revisions"] == []
    assert by_name["系统故障率"]["source"] == "metric:failure_rate"

    _november_through_the_api(client, headers)
    month = _sla(client, headers, "2026-11-01", "2026-11-30")
    assert month["service_minutes"] == 43_200 and list(month["contracts"]) == ["OM-2026"]
    assert (month["downtime_minutes"], month["wait_minutes"], month["repair_minutes"]) == (180, 30, 150)
    assert (month["failure_rate"], month["tickets"], month["responded_in_time"]) == (0.42, 2, 1)
    assert month["response_rate"] == 50.0
    year = _sla(client, headers, "2026-01-01", "2026-12-31")
    assert year["service_minutes"] == 334 * 1440 and year["failure_rate"] == 0.04
    indicators = client.get(
        "/api/v1/indicators", query_string={"year": 2026, "as_of": AS_OF.isoformat()}, headers=headers
    )
    assert indicators.status_code == 200, indicators.get_json()
    rows26 = {row["code"]: row for row in indicators.get_json()}
    assert (rows26["YW-2026-07"]["name"], rows26["YW-2026-07"]["actual"], rows26["YW-2026-07"]["met"]) == (
        "系统故障率",
        0.04,
        True,
    )
    assert rows26["YW-2026-07"]["target_text"] == "≤3%"
    assert (rows26["YW-2026-08"]["actual"], rows26["YW-2026-08"]["met"], rows26["YW-2026-08"]["target"]) == (
        50.0,
        False,
        99,
    )
    assert rows26["YW-2026-04"]["actual"] == 1  # consultations
    assert rows26["DK-2026-11"]["target_text"] == "2026年12月底"
    # Years named in the names keep their distance to the fiscal year (last year's review, this year's).
    names26 = {row["name"] for row in rows26.values()}
    assert "开展2025年州直单位服务高质量发展绩效考核年终抽查核验" in names26
    assert "开展2026年州直单位服务高质量发展绩效考核半年评估抽查核验" in names26
    assert not any("2024年" in name for name in names26)

    after = _year_2025(client, headers)
    assert after == before
    assert after["report"]["revised"] is False
    audited = db.session.scalar(select(func.count(AuditRecord.id)).where(AuditRecord.object_type == "contracts"))
    assert audited and audited >= 1


def test_editing_rules(app: Flask, client: FlaskClient, make_token: Callable[..., str]) -> None:
    headers = bearer(make_token("admin"))
    # A contract or project holding records is not deleted, and the answer says why.
    held = client.delete("/api/v1/contracts/OM-2025", headers=headers)
    assert held.status_code == 409 and "YW-2025-NEW" in held.get_json()["error"]["message"]
    from slatrack.operations.records.payments import record_payment

    record_payment(line="YW-2025-NEW", amount="100000", paid_on=date(2025, 6, 30), voucher="凭-1")
    project = client.delete("/api/v1/projects/YW-2025", headers=headers)
    assert project.status_code == 409 and "1 笔支付" in project.get_json()["error"]["message"]
    assert db.session.scalar(select(func.count(Project.id)).where(Project.code == "YW-2025")) == 1

    # Once a 2025 report is submitted, a 2025 indicator changes only with a reason, and the revision is shown.
    save_quarterly_texts("2025Q4", "无。", "无。")
    vendor = {"vendor": "贵州某信息技术有限公司"}
    assert client.patch("/api/v1/contracts/OM-2025", json=vendor, headers=headers).status_code == 200
    assert client.post("/api/v1/reports/quarterly/2025Q4/submit", headers=headers).status_code == 200
    rows = client.get("/api/v1/projects/YW-2025/indicators", headers=headers).get_json()
    rate = next(row for row in rows if row["name"] == "服务响应率")
    refused = client.patch(f"/api/v1/indicators/{rate['id']}", json={"target": 95}, headers=headers)
    assert refused.status_code == 409 and refused.get_json()["error"]["fields"] == {"reason": "须填写修改原因"}
    revised = client.patch(
        f"/api/v1/indicators/{rate['id']}",
        json={"target": 95, "reason": "批复调整（州财预〔2026〕3号）"},
        headers=headers,
    )
    assert revised.status_code == 200, revised.get_json()
    body = revised.get_json()
    assert body["target_text"] == "≥95%"
    assert {(r["field"], r["old"], r["new"]) for r in body["revisions"]} == {
        ("target", "98", "95"),
        ("target_text", "≥98%", "≥95%"),
    }
    assert all(r["reason"] == "批复调整（州财预〔2026〕3号）" for r in body["revisions"])
    # The year's figures and its self-evaluation show the revision, as a submitted quarter shows its own.
    rows = client.get("/api/v1/indicators", query_string={"year": 2025}, headers=headers).get_json()
    row = next(r for r in rows if r["code"] == "YW-2025-08")
    assert row["target_text"] == "≥95%" and "指标值文字由“≥98%”修订为“≥95%”" in row["revision"]
    assert "批复调整（州财预〔2026〕3号）" in row["note"]
    form = self_evaluation_document(2025)
    assert any("指标修订：指标值文字由“≥98%”修订为“≥95%”" in cell for cell in _cells(form))
    removed = client.delete(f"/api/v1/indicators/{rate['id']}", headers=headers)
    assert removed.status_code == 409

    # Bad input names the field, in Chinese, and changes nothing.
    bad_source = client.post(
        "/api/v1/projects/YW-2025/indicators",
        json={"level1": "产出指标", "level2": "质量指标", "name": "新指标", "operator": ">=", "target": 1,
              "source": "uptime", "reason": "补充"},
        headers=headers,
    )  # fmt: skip
    assert bad_source.status_code == 422 and "source" in bad_source.get_json()["error"]["fields"]
    bad_line = client.post(
        "/api/v1/projects",
        json={"code": "X-2027", "fiscal_year": 2027, "name": "测试", "department": "局", "implementer": "局",
              "budget_lines": [{"code": "X-1", "name": "行", "amount": 1.005, "source": "current"}]},
        headers=headers,
    )  # fmt: skip
    assert bad_line.status_code == 422 and "budget_lines.0.amount" in bad_line.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count(Project.id)).where(Project.code == "X-2027")) == 0

    # A copy refused half-way (YW's line code is taken; DK was copied first) keeps nothing of it.
    taken = client.post(
        "/api/v1/projects",
        json={"code": "X-2028", "fiscal_year": 2028, "name": "测试", "department": "局", "implementer": "局",
              "budget_lines": [{"code": "YW-2027-NEW", "name": "行", "amount": 1, "source": "other"}]},
        headers=headers,
    )  # fmt: skip
    assert taken.status_code == 201, taken.get_json()
    copied = client.post("/api/v1/fiscal-years/2027/copy-from/2025", json={}, headers=headers)
    assert copied.status_code == 409 and "YW-2027-NEW" in copied.get_json()["error"]["message"]
    assert db.session.scalar(select(func.count(Project.id)).where(Project.fiscal_year == 2027)) == 0
