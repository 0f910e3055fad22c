"""Quarterly report and self-evaluation files: every figure in them equals the API's for the same period.

2025 Q2 crosses both contracts (OM-2023 to 04-13, OM-2025 from 04-14), Asia/Shanghai. The portal (critical,
checked hourly, confirm 3) fails 10:00-12:00 on 04-10 (OM-2023) and on 05-10 (OM-2025): two confirmed
outages of 180 minutes, each opening a fault ticket; the vendor answers the first at 10:20 and the second at
10:30. Consultations on 04-08 (in time) and 05-20 (answered after 40 minutes: breached), a patch in June,
a cancelled request. Inspections: April and May both passed, June only the security check. Two units answer
the 2025Q2 survey (5 and 2). A payment of 218,000 on 06-20. The generated files are read back with openpyxl
and python-docx and compared with GET /api/v1/sla and GET /api/v1/indicators at the same ``as_of``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from docx import Document as read_docx
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import delete, select

from slatrack.extensions import db
from slatrack.models import (
    AuditRecord,
    BudgetLine,
    Contract,
    Inspection,
    ProbeResult,
    Report,
    SurveyResponse,
    Ticket,
    Unit,
)
from slatrack.models.reference import Payment
from slatrack.operations.monitoring.ingest import ingest_results
from slatrack.operations.monitoring.targets import create_target
from slatrack.operations.tickets.lifecycle import create_ticket, record_event
from slatrack.reports.document import chinese_punctuation
from slatrack.reports.quarterly_format import KEY_FIGURES
from tests.integration.conftest import bearer, login

CST = timezone(timedelta(hours=8))
AS_OF = datetime(2025, 7, 1, tzinfo=CST)
NOW = datetime(2025, 7, 1, 0, 30, tzinfo=CST)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=CST)


def _load_q2() -> None:
    create_target(
        {"name": "门户网站", "kind": "http", "url": "http://127.0.0.1:9/", "interval_seconds": 3600,
         "critical": True, "in_process": False, "monitored_since": at(4, 1)}
    )  # fmt: skip
    failing = {at(m, 10, h) for m in (4, 5) for h in (10, 11, 12)}
    items = []
    moment = at(4, 1)
    while moment < AS_OF:
        items.append(
            {"target": "门户网站", "observed_at": moment.isoformat(), "ok": moment not in failing,
             "latency_ms": 20.0, "detail": "", "sample_id": f"q2-{moment.timestamp():.0f}"}
        )  # fmt: skip
        moment += timedelta(hours=1)
    # Delivered month by month, each batch within the raw results' retention at its delivery.
    for start in range(0, len(items), 24 * 30):
        batch = items[start : start + 24 * 30]
        ingest_results(batch, now=datetime.fromisoformat(batch[-1]["observed_at"]) + timedelta(minutes=30))
    faults = db.session.scalars(select(Ticket).where(Ticket.category == "fault").order_by(Ticket.reported_at)).all()
    assert [f.reported_at for f in faults] == [at(4, 10, 10), at(5, 10, 10)]
    record_event(faults[0], "respond", at(4, 10, 10, 20), "远程排查", None, now=NOW)
    record_event(faults[0], "resolve", at(4, 10, 13), "已恢复", None, now=NOW)
    record_event(faults[1], "respond", at(5, 10, 10, 30), "远程排查", None, now=NOW)

    def ticket(unit: str, category: str, reported: datetime, title: str, **extra: Any) -> Ticket:
        return create_ticket(unit_code=unit, category=category, priority=extra.get("priority", "P3"),
                             channel=extra.get("channel", "电话"), mode=extra.get("mode", "远程"), title=title,
                             reported_at=reported)  # fmt: skip

    early = ticket("522701", "consult", at(4, 8, 9), "考核模块如何导出")
    record_event(early, "respond", at(4, 8, 9, 10), "", None, now=NOW)
    late = ticket("522702", "guidance", at(5, 20, 9), "指标录入操作指导", channel="微信")
    record_event(late, "respond", at(5, 20, 9, 40), "", None, now=NOW)
    patch = ticket("522700", "patch", at(6, 3, 14), "安全补丁部署", priority="P4", mode="上门", channel="现场")
    record_event(patch, "respond", at(6, 3, 14, 5), "", None, now=NOW)
    record_event(patch, "resolve", at(6, 4, 10), "已部署", None, now=NOW)
    dropped = ticket("522722", "data", at(6, 12, 9), "重复提交")
    record_event(dropped, "cancel", at(6, 12, 9, 5), "重复", None, now=NOW)
    for month in ("2025-04", "2025-05"):
        for kind in ("security", "backup"):
            db.session.add(Inspection(month=month, kind=kind, performed_at=at(int(month[-2:]), 15), passed=True,
                                      performed_by="张工", findings="未发现异常"))  # fmt: skip
    db.session.add(Inspection(month="2025-06", kind="security", performed_at=at(6, 15), passed=True))
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    db.session.add(SurveyResponse(unit_id=units["522701"].id, period="2025Q2", score=5, responded_at=at(6, 25)))
    db.session.add(SurveyResponse(unit_id=units["522702"].id, period="2025Q2", score=2, responded_at=at(6, 26)))
    tail = db.session.scalar(select(BudgetLine).where(BudgetLine.code == "YW-2025-TAIL"))
    assert tail is not None
    db.session.add(Payment(budget_line_id=tail.id, amount=Decimal("218000.00"), paid_on=date(2025, 6, 20),
                           voucher="记-2025-0612", note="尾款"))  # fmt: skip
    db.session.commit()


def _api(client: FlaskClient, token: str, path: str, **query: str) -> Any:
    response = client.get(path, query_string=query, headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _download(client: FlaskClient, token: str, path: str, fmt: str, as_of: datetime = AS_OF) -> bytes:
    response = client.get(path, query_string={"format": fmt, "as_of": as_of.isoformat()}, headers=bearer(token))
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == (DOCX if fmt == "docx" else XLSX)
    disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition and "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]).endswith(f".{fmt}")
    return response.data


def _same(cell: Any, api: Any) -> bool:
    if api is None:
        return cell is None or cell == "—"
    return cell is not None and abs(float(cell) - float(api)) < 1e-6


def _rows(sheet: Any) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(min_row=2, values_only=True))


def _check_key_figures(sheet: Any, sla: dict[str, Any], codes: list[str]) -> int:
    header = [c.value for c in sheet[1]]
    assert header[0] == "项目"
    scopes = [sla] + [sla["contracts"][code] for code in codes] if len(codes) > 1 else [sla]
    assert len(header) == 1 + len(scopes)
    field_of = {label: key for key, label, _ in KEY_FIGURES}
    checked = 0
    for row_index, row in enumerate(_rows(sheet), start=2):
        key = field_of[row[0]]
        for column, scope in enumerate(scopes, start=1):
            value = row[column]
            fmt = sheet.cell(row=row_index, column=column + 1).number_format
            if fmt == "0.00%" and value is not None:
                value = value * 100
            assert _same(value, scope[key]), (key, column, value, scope[key])
            checked += 1
    for key in ("service_minutes", "failure_rate", "response_rate", "consultations", "monitoring_months",
                "satisfaction_rate", "tickets", "breached", "wait_minutes", "repair_minutes"):  # fmt: skip
        assert key in [field_of[r[0]] for r in _rows(sheet)]
    return checked


def test_quarterly_xlsx_figures_equal_the_api_for_two_contracts(
    app: Flask, client: FlaskClient, make_token: Callable[..., str]
) -> None:
    _load_q2()
    token = make_token("vendor")
    sla = _api(client, token, "/api/v1/sla", **{"from": "2025-04-01", "to": "2025-06-30", "as_of": AS_OF.isoformat()})
    assert list(sla["contracts"]) == ["OM-2023", "OM-2025"]
    assert sla["downtime_minutes"] == 360 and sla["tickets"] == 5 and sla["breached"] == 1
    indicators = _api(client, token, "/api/v1/indicators", year="2025", as_of=AS_OF.isoformat())
    book = load_workbook(io.BytesIO(_download(client, token, "/api/v1/reports/quarterly/2025Q2", "xlsx")))

    assert _check_key_figures(book["主要运维数据"], sla, ["OM-2023", "OM-2025"]) == 24 * 3
    assert book["主要运维数据"].freeze_panes == "A2"

    # The files print reference texts with full-width punctuation (流程,提高 → 流程，提高).
    by_name = {chinese_punctuation(row["name"]): row for row in indicators if row["project_code"] == "YW-2025"}
    sheet = book["绩效指标完成情况"]
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) for name in ("三级指标", "累计实际", "累计目标", "累计进度")}
    assert "分值" not in header and "得分" not in header  # no running score inside the year
    rows = _rows(sheet)
    assert [r[col["三级指标"]] for r in rows] == list(by_name)
    for row in rows:
        api = by_name[row[col["三级指标"]]]
        expected = api["actual"] if api["actual"] is not None else api["grade"]
        if isinstance(expected, str) or expected is None:
            assert row[col["累计实际"]] == expected
        else:
            assert _same(row[col["累计实际"]], expected), api["name"]
        if api["name"] == "系统咨询服务及相关工作":  # ≥ 100 a year: 50 by the end of Q2
            assert row[col["累计目标"]] == "≥50次"
        if api["name"] == "服务响应率":  # a rate is not pro-rated
            assert row[col["累计目标"]] == "≥98%"

    for label, name in (("可用率与故障率", "合计"),):
        first = _rows(book[label])[0]
        assert first[0] == name and _same(first[1], sla["service_minutes"])
        assert _same(first[7] * 100, sla["failure_rate"]) and _same(first[6] * 100, 100 - sla["failure_rate"])
    for row in _rows(book["月度可用率"]):
        month = row[0]
        last = {"2025-04": "30", "2025-05": "31", "2025-06": "30"}[month]
        api = _api(
            client, token, "/api/v1/sla", **{"from": f"{month}-01", "to": f"{month}-{last}", "as_of": AS_OF.isoformat()}
        )
        assert _same(row[1], api["service_minutes"]) and _same(row[2], api["downtime_minutes"])
        assert _same(row[5] * 100, api["failure_rate"])

    outages = _rows(book["停机记录"])
    assert len(outages) == 2
    assert _same(sum(r[3] for r in outages), sla["wait_minutes"]) and _same(
        sum(r[4] for r in outages), sla["repair_minutes"]
    )
    assert isinstance(outages[0][1], datetime) and outages[0][1] == at(4, 10, 10).replace(tzinfo=None)
    assert book["停机记录"].cell(row=2, column=2).number_format == "yyyy-mm-dd hh:mm"
    assert sum(r[1] for r in _rows(book["服务请求按类别统计"])) == sla["tickets"]
    per_contract = {r[0]: r for r in _rows(book["可用率与故障率"])}
    assert _same(per_contract["OM-2023"][2], sla["contracts"]["OM-2023"]["downtime_minutes"])
    breaches = _rows(book["超时工单"])
    assert [r[0] for r in breaches].count("响应超时") == sla["breached"]
    assert sum(1 for r in _rows(book["咨询服务"]) for _ in range(r[1])) == sla["consultations"]
    inspections = {r[0]: r for r in _rows(book["安全检查与备份"])}
    assert [m for m, r in inspections.items() if r[7] == "是"] == ["2025-04", "2025-05"]
    assert sla["monitoring_months"] == 2
    satisfaction = _rows(book["满意度（按单位）"])
    assert {r[0]: r[3] for r in satisfaction} == {"都匀市": 1.0, "福泉市": 0.0}
    assert book["满意度（按单位）"].cell(row=2, column=4).number_format == "0.00%"

    tickets = _rows(book["工单明细"])
    assert len(tickets) == 6  # five counted and the cancelled one
    assert all(isinstance(r[8], datetime) for r in tickets)
    assert len(_rows(book["停机记录明细"])) == 2
    assert len(_rows(book["例行检查明细"])) == 5
    payments = _rows(book["支付记录"])
    assert payments[0][0] == at(6, 20).replace(tzinfo=None) and payments[0][3] == 218000
    budget = _rows(book["预算执行"])
    total = next(r for r in budget if r[0] == "合计")
    summary = _api(client, token, "/api/v1/indicators/summary", year="2025", as_of=AS_OF.isoformat())
    yw = next(p for p in summary if p["project_code"] == "YW-2025")
    assert _same(total[2], yw["paid"]) and _same(total[4] * 100, yw["execution_rate"])


def _docx_tables(data: bytes) -> tuple[Any, dict[str, list[list[str]]]]:
    """The document, and each captioned table's cell texts (an empty list is a sentence, not a table)."""
    document = read_docx(io.BytesIO(data))
    tables: dict[str, list[list[str]]] = {}
    current: str | None = None
    index = 0
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in child.iter() if t.tag.endswith("}t"))
            current = text[2:] if text.startswith("表：") else None
        elif tag == "tbl":
            if current is not None:
                tables[current] = [[cell.text for cell in row.cells] for row in document.tables[index].rows]
            index += 1
            current = None
    return document, tables


def _shown(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "percent":
        return f"{value:.2f}%"
    if kind == "int":
        return str(int(value))
    return f"{value:,.2f}"


def test_quarterly_docx_shows_the_api_figures_and_the_entered_texts(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], make_token: Callable[..., str]
) -> None:
    _load_q2()
    make_user("boss", "admin")
    login(client, "boss")
    saved = client.post("/reports/quarterly/2025Q2/texts",
                        data={"problems": "备份核验六月未完成。", "next_plan": "七月完成等保测评配合。"})  # fmt: skip
    assert saved.status_code == 302
    token = make_token("auditor")
    sla = _api(client, token, "/api/v1/sla", **{"from": "2025-04-01", "to": "2025-06-30", "as_of": AS_OF.isoformat()})
    document, tables = _docx_tables(_download(client, token, "/api/v1/reports/quarterly/2025Q2", "docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "2025年第二季度" in text and "备份核验六月未完成。" in text and "七月完成等保测评配合。" in text
    assert "OM-2023" in "\n".join(c.text for row in document.tables[0].rows for c in row.cells)

    from slatrack.reports.quarterly_format import KEY_FIGURES

    figures = tables["主要运维数据"]
    assert figures[0] == ["项目", "合计", "OM-2023", "OM-2025"]
    scopes = [sla, sla["contracts"]["OM-2023"], sla["contracts"]["OM-2025"]]
    for (key, label, kind), row in zip(KEY_FIGURES, figures[1:], strict=True):
        assert row == [label, *(_shown(scope[key], kind) for scope in scopes)], key
    outages = tables["停机记录"]
    assert len(outages) == 3 and outages[1][1] == "2025年4月10日 10:00" and outages[1][3] == "20.00"
    assert len(document.inline_shapes) == 3  # monthly availability, by category, by unit


def test_a_quarter_without_data_says_so(app: Flask, client: FlaskClient, make_token: Callable[..., str]) -> None:
    token = make_token("admin")
    as_of = datetime(2025, 4, 1, tzinfo=CST)
    sla = _api(client, token, "/api/v1/sla", **{"from": "2025-01-01", "to": "2025-03-31", "as_of": as_of.isoformat()})
    assert sla["tickets"] == 0 and sla["response_rate"] is None
    document, tables = _docx_tables(_download(client, token, "/api/v1/reports/quarterly/2025Q1", "docx", as_of))
    text = "\n".join(p.text for p in document.paragraphs)
    for message in (
        "本季度无停机记录。",
        "本季度无服务请求。",
        "本季度无满意度调查答卷。",
        "本季度无补丁、版本升级或功能优化工单。",
    ):
        assert message in text
    assert "停机记录" not in tables  # the empty list is a sentence, not an empty table
    book = load_workbook(io.BytesIO(_download(client, token, "/api/v1/reports/quarterly/2025Q1", "xlsx", as_of)))
    _check_key_figures(book["主要运维数据"], sla, ["OM-2023"])
    assert _rows(book["工单明细"]) == [("本季度无服务请求。",) + (None,) * 16]

    # A quarter outside every contract and fiscal year: no service time, no indicators, still a document.
    later = datetime(2026, 7, 1, tzinfo=CST)
    empty = _api(client, token, "/api/v1/sla", **{"from": "2026-04-01", "to": "2026-06-30", "as_of": later.isoformat()})
    assert empty["service_minutes"] == 0 and empty["failure_rate"] is None
    document, _ = _docx_tables(_download(client, token, "/api/v1/reports/quarterly/2026Q2", "docx", later))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "本季度不在任何运维合同期内" in text and "2026 年度没有预算项目和绩效指标。" in text


def test_bad_requests_roles_and_audit(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], make_token: Callable[..., str]
) -> None:
    admin = make_token("admin")
    bad_quarter = client.get("/api/v1/reports/quarterly/2025Q5", query_string={"format": "docx"}, headers=bearer(admin))
    assert bad_quarter.status_code == 422 and "quarter" in bad_quarter.get_json()["error"]["fields"]
    bad_format = client.get("/api/v1/reports/quarterly/2025Q2", query_string={"format": "pdf"}, headers=bearer(admin))
    assert bad_format.status_code == 422 and bad_format.get_json()["error"]["fields"] == {"format": "应为 docx 或 xlsx"}
    missing = client.get("/api/v1/reports/self-evaluation/2025", headers=bearer(admin))
    assert missing.status_code == 422 and "format" in missing.get_json()["error"]["fields"]
    bad_year = client.get(
        "/api/v1/reports/self-evaluation/20x5", query_string={"format": "xlsx"}, headers=bearer(admin)
    )
    assert bad_year.status_code == 422 and "year" in bad_year.get_json()["error"]["fields"]
    no_year = client.get("/api/v1/reports/self-evaluation/2031", query_string={"format": "xlsx"}, headers=bearer(admin))
    assert no_year.status_code == 404
    unit = make_token("unit")
    denied = client.get("/api/v1/reports/quarterly/2025Q2", query_string={"format": "docx"}, headers=bearer(unit))
    assert denied.status_code == 403
    make_user("county", "unit", "522701")
    login(client, "county")
    assert client.get("/reports").status_code == 403
    assert client.get("/reports/quarterly/2025Q2/download", query_string={"format": "docx"}).status_code == 403
    assert db.session.scalar(select(AuditRecord).where(AuditRecord.action == "download")) is None
    ok = client.get("/api/v1/reports/self-evaluation/2025", query_string={"format": "docx"}, headers=bearer(admin))
    assert ok.status_code == 200
    records = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "download")).all()
    assert [(r.object_type, r.object_id) for r in records] == [("report", "self-evaluation:2025")]


def test_cli_writes_the_files(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = app.test_cli_runner()
    target = tmp_path / "q2.xlsx"
    result = runner.invoke(args=["report", "quarterly", "2025Q2", "--format", "xlsx", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "主要运维数据" in load_workbook(target).sheetnames
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(args=["report", "self-evaluation", "2025", "--format", "docx"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "2025年度项目支出绩效自评表.docx").exists()
    bad = runner.invoke(args=["report", "quarterly", "2025Q9", "--format", "docx"])
    assert bad.exit_code != 0 and "季度" in bad.output
    audited = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "download")).all()
    assert len(audited) == 2 and all(r.actor.startswith("cli") for r in audited)


def test_submission_revisions_appear_on_the_page_and_in_the_report(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], make_token: Callable[..., str]
) -> None:
    _load_q2()
    make_user("boss", "admin")
    login(client, "boss")
    client.post("/reports/quarterly/2025Q2/submit")  # without the confirmation nothing is frozen
    assert "请先勾选确认" in client.get("/reports/quarterly/2025Q2").get_data(as_text=True)
    assert db.session.scalar(select(Report.status).where(Report.period == "2025Q2")) in (None, "draft")
    refused = client.post("/reports/quarterly/2025Q2/submit", data={"confirm": "1"})
    assert refused.status_code == 302
    assert "尚缺：存在的问题、下季度工作计划" in client.get("/reports/quarterly/2025Q2").get_data(as_text=True)
    assert db.session.scalar(select(Report.status).where(Report.period == "2025Q2")) == "draft"
    texts = {"problems": "六月备份核验延后。", "next_plan": "七月完成等保测评配合。"}
    assert client.post("/reports/quarterly/2025Q2/texts", data=texts).status_code == 302
    # Still refused: the contracts' vendor (乙方) and the two probe outages' cause and handling are missing.
    page = client.get("/reports/quarterly/2025Q2").get_data(as_text=True)
    assert "提交前尚需填写" in page and "OM-2023、OM-2025 的运维单位（乙方）名称" in page
    token = make_token("admin")
    response = client.post("/api/v1/reports/quarterly/2025Q2/submit", headers=bearer(token))
    assert response.status_code == 422
    body = response.get_json()["error"]
    assert set(body["fields"]) == {"vendor", "outages"}, body
    assert "门户网站 2025年4月10日 10:00" in body["message"] and "门户网站 2025年5月10日 10:00" in body["message"]
    _, tables = _docx_tables(_download(client, token, "/api/v1/reports/quarterly/2025Q2", "docx"))
    assert [row[0] for row in tables["待补充"][1:]] == ["门户网站", "门户网站"]
    assert tables["待补充"][1][2] == "原因、处理情况"
    for contract in db.session.scalars(select(Contract)):
        contract.vendor = "黔南州某信息技术有限公司"
    db.session.commit()
    outages = sorted(client.get("/api/v1/outages", headers=bearer(token)).get_json(), key=lambda o: o["start"])
    assert [o["handling"] for o in outages] == ["", ""]
    blank = client.put(f"/api/v1/outages/{outages[0]['id']}/cause", json={"cause": "数据库连接池耗尽"},
                       headers=bearer(token))  # fmt: skip
    assert blank.status_code == 422 and "handling" in blank.get_json()["error"]["fields"]
    done = client.put(f"/api/v1/outages/{outages[0]['id']}/cause", headers=bearer(token),
                      json={"cause": "数据库连接池耗尽", "handling": "扩大连接池并重启应用"})  # fmt: skip
    assert done.status_code == 200 and done.get_json()["handling"] == "扩大连接池并重启应用"
    refused = client.post("/api/v1/reports/quarterly/2025Q2/submit", headers=bearer(token))
    error = refused.get_json()["error"]
    assert refused.status_code == 422 and set(error["fields"]) == {"outages"}
    assert "5月10日" in error["message"] and "4月10日" not in error["message"]
    page_form = {f"c{outages[1]['id']}-cause": "服务器断电", f"c{outages[1]['id']}-handling": "恢复供电后重启"}
    assert client.post(f"/monitoring/outages/{outages[1]['id']}/cause", data=page_form).status_code == 302
    assert "服务器断电" in client.get("/monitoring/outages?year=2025").get_data(as_text=True)
    assert client.post("/reports/quarterly/2025Q2/submit", data={"confirm": "1"}).status_code == 302
    page = client.get("/reports/quarterly/2025Q2").get_data(as_text=True)
    assert "已提交" in page and "提交后有修订" not in page
    submitted_on = db.session.scalar(select(Report.submitted_at).where(Report.period == "2025Q2"))
    assert submitted_on is not None
    # The audit log keeps the stored document's digest, not the document itself.
    audited = [r.after for r in db.session.scalars(select(AuditRecord).where(AuditRecord.object_type == "reports"))]
    digests = [a["frozen_document"] for a in audited if a and a.get("frozen_document")]
    assert len(digests) == 1 and set(digests[0]) == {"sha256", "bytes"}
    refused = client.post("/reports/quarterly/2025Q2/texts", data={"problems": "改写", "next_plan": ""})
    assert refused.status_code == 302
    assert "不能再修改" in client.get("/reports/quarterly/2025Q2").get_data(as_text=True)
    assert db.session.scalar(select(Report.problems).where(Report.period == "2025Q2")) == "六月备份核验延后。"
    create_ticket(unit_code="522702", category="guidance", priority="P3", channel="微信", mode="远程",
                  title="补录：操作指导", reported_at=at(6, 10, 9))  # fmt: skip
    page = client.get("/reports/quarterly/2025Q2").get_data(as_text=True)
    assert "提交后有修订" in page and "<td>工单数</td>" in page
    index = client.get("/reports?year=2025").get_data(as_text=True)
    assert "提交后有修订" in index and "2025年第二季度" in index
    # Later changes to the outages' texts and the records never reach the submitted document's body.
    client.put(f"/api/v1/outages/{outages[0]['id']}/cause", headers=bearer(token),
               json={"cause": "改写后的原因", "handling": "改写后的处理"})  # fmt: skip
    document, tables = _docx_tables(
        _download(client, token, "/api/v1/reports/quarterly/2025Q2", "docx", datetime.now(CST))
    )
    revised = {(row[0], row[1]): row[2:] for row in tables["提交后修订"]}
    assert revised[("合计", "服务请求数")] == ["5", "6"]
    assert revised[("OM-2025", "服务请求数")] == ["3", "4"]
    figures = {row[0]: row[1:] for row in tables["主要运维数据"]}
    assert figures["服务请求数"] == ["5", "2", "3"]  # the body keeps the submitted figures
    details = tables["故障告警明细"]
    assert [row[5] for row in details[1:]] == ["数据库连接池耗尽", "服务器断电"]
    assert [row[6] for row in details[1:]] == ["扩大连接池并重启应用", "恢复供电后重启"]
    cover = {row.cells[0].text.rstrip("："): row.cells[1].text for row in document.tables[0].rows}
    local = submitted_on.astimezone(CST)
    assert cover["数据截至"].startswith(f"{local.year}年{local.month}月{local.day}日")
    assert cover["运维单位"] == "黔南州某信息技术有限公司" and cover["报告状态"] == "已提交"
    workbook = load_workbook(
        io.BytesIO(_download(client, token, "/api/v1/reports/quarterly/2025Q2", "xlsx", datetime.now(CST)))
    )
    rows = list(workbook["提交后修订"].iter_rows(min_row=2, values_only=True))
    assert ("合计", "服务请求数", 5, 6) in rows
    # The records as submitted: five requests and the cancelled one, not the ticket logged since.
    assert sum(1 for _ in workbook["工单明细"].iter_rows(min_row=2)) == 6
    client.post("/reports/quarterly/2025Q2/accept")  # the submitter may not accept it
    assert "须由另一位局方人员验收" in client.get("/reports/quarterly/2025Q2").get_data(as_text=True)
    client.post("/logout")
    make_user("deputy", "admin")
    login(client, "deputy")
    assert client.post("/reports/quarterly/2025Q2/accept").status_code == 302
    assert "已验收" in client.get("/reports/quarterly/2025Q2").get_data(as_text=True)
    document, _ = _docx_tables(_download(client, token, "/api/v1/reports/quarterly/2025Q2", "docx", datetime.now(CST)))
    assert {r.cells[0].text.rstrip("："): r.cells[1].text for r in document.tables[0].rows}["报告状态"] == "已验收"


def test_charts_use_the_cjk_font_and_leave_matplotlib_settings_alone() -> None:
    import matplotlib
    from matplotlib import font_manager

    from slatrack.reports.charts import FONT_FAMILY, bar_chart

    before = dict(matplotlib.rcParams)
    png = bar_chart("服务请求按类别分布", ["答疑", "数据处理"], [3.0, None], "工单数（件）")
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    assert dict(matplotlib.rcParams) == before
    found = font_manager.findfont(font_manager.FontProperties(family=FONT_FAMILY), fallback_to_default=False)
    assert "NotoSansCJK" in found


def test_openapi_documents_the_downloads(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    quarterly = paths["/api/v1/reports/quarterly/{quarter}"]["get"]
    assert XLSX in quarterly["responses"]["200"]["content"] and DOCX in quarterly["responses"]["200"]["content"]
    assert {p["name"] for p in quarterly["parameters"]} >= {"format", "as_of"}
    assert "/api/v1/reports/self-evaluation/{year}" in paths


def test_resource_use_of_host_checks_in_both_files(
    app: Flask, client: FlaskClient, make_token: Callable[..., str]
) -> None:
    """A host check's CPU, memory and disk use: mean and peak over the quarter, from the hourly aggregates
    (the raw results are pruned afterwards); without host checks the section says so and shows no table."""
    token = make_token("auditor")
    document, tables = _docx_tables(_download(client, token, "/api/v1/reports/quarterly/2025Q2", "docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "五、资源使用情况" in text and "本季度未配置主机资源检查" in text and "资源使用情况" not in tables

    create_target(
        {"name": "应用服务器", "kind": "host", "interval_seconds": 3600, "critical": False, "in_process": False,
         "monitored_since": at(4, 1)}
    )  # fmt: skip
    samples = [(at(4, 2, 9), 20.0, 40.0, 50.0), (at(5, 2, 9), 60.0, 50.0, 55.0), (at(6, 2, 9), 40.0, 90.0, 60.0)]
    items = [
        {"target": "应用服务器", "observed_at": moment.isoformat(), "ok": True, "latency_ms": None, "detail": "",
         "sample_id": f"h-{moment.timestamp():.0f}",
         "metrics": {"cpu_percent": cpu, "memory_percent": memory, "disk_percent": disk, "load_1m": 0.5}}
        for moment, cpu, memory, disk in samples
    ]  # fmt: skip
    # Outside the quarter: never counted.
    items.append({**items[0], "observed_at": at(7, 2, 9).isoformat(), "sample_id": "h-july",
                  "metrics": {"cpu_percent": 99.0, "memory_percent": 99.0, "disk_percent": 99.0}})  # fmt: skip
    for item in items:
        ingest_results([item], now=datetime.fromisoformat(item["observed_at"]) + timedelta(minutes=1))
    from slatrack.operations.monitoring.upkeep import aggregate_received_since

    aggregate_received_since(None)
    db.session.execute(delete(ProbeResult))  # pruned: the aggregates carry the figures on
    db.session.commit()
    _, tables = _docx_tables(_download(client, token, "/api/v1/reports/quarterly/2025Q2", "docx"))
    assert tables["资源使用情况"] == [
        ["主机", "检查次数", "CPU 平均", "CPU 峰值", "内存平均", "内存峰值", "磁盘平均", "磁盘峰值"],
        ["应用服务器", "3", "40.00%", "60.00%", "60.00%", "90.00%", "55.00%", "60.00%"],
    ]
    workbook = load_workbook(io.BytesIO(_download(client, token, "/api/v1/reports/quarterly/2025Q2", "xlsx")))
    sheet = workbook["资源使用情况"]
    row = [c.value for c in sheet[2]]
    assert row[:2] == ["应用服务器", 3] and sheet.cell(row=2, column=3).number_format == "0.00%"
    assert [round(v, 6) for v in row[2:]] == [0.4, 0.6, 0.6, 0.9, 0.55, 0.6]
