"""Payments and the budget page: API validation and roles, budget execution, overspending shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from slatrack.extensions import db
from slatrack.models import AuditRecord, Payment
from slatrack.operations.records.payments import budget_overview, parse_amount, record_payment
from tests.integration.conftest import bearer, login


def count() -> int:
    return db.session.scalar(select(func.count(Payment.id))) or 0


def body(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "contract": "OM-2025",
        "amount": "100000.50",
        "paid_on": "2025-06-30",
        "voucher": "记-0615",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def test_admin_pays_by_contract_or_line_audited(client: FlaskClient, make_token: Callable[..., str]) -> None:
    headers = bearer(make_token("admin"))
    by_contract = client.post("/api/v1/payments", json=body(note="首付款"), headers=headers)
    assert by_contract.status_code == 201, by_contract.get_json()
    data = by_contract.get_json()
    assert data["line"] == "YW-2025-NEW" and data["contract"] == "OM-2025"
    assert data["amount"] == "100000.50" and data["paid_on"] == "2025-06-30" and data["voucher"] == "记-0615"
    tail = client.post("/api/v1/payments", json=body(contract="OM-2023", amount=218000), headers=headers)
    assert tail.status_code == 201 and tail.get_json()["line"] == "YW-2025-TAIL"
    by_line = client.post("/api/v1/payments", json=body(contract=None, line="DK-2025", amount=12.5), headers=headers)
    assert by_line.status_code == 201 and by_line.get_json()["amount"] == "12.50"
    assert count() == 3
    listed = client.get("/api/v1/payments?year=2025", headers=headers).get_json()
    assert {p["line"] for p in listed} == {"YW-2025-NEW", "YW-2025-TAIL", "DK-2025"}
    assert client.get("/api/v1/payments?year=2024", headers=headers).get_json() == []
    audit = db.session.scalars(select(AuditRecord).where(AuditRecord.object_type == "payments")).all()
    assert len(audit) == 3 and audit[0].after is not None and audit[0].after["amount"] == "100000.50"


@pytest.mark.parametrize("role", ["vendor", "unit", "auditor"])
def test_only_admin_records_payments(client: FlaskClient, make_token: Callable[..., str], role: str) -> None:
    response = client.post("/api/v1/payments", json=body(), headers=bearer(make_token(role)))
    assert response.status_code == 403
    assert count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "1.234"}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"contract": None}, "contract"),
        ({"contract": "OM-1999"}, "contract"),
        ({"contract": None, "line": "NOPE"}, "line"),
        ({"line": "DK-2025"}, "line"),
        ({"contract": "OM-2023", "paid_on": "2024-12-31"}, "contract"),
        ({"contract": None, "line": "DK-2025", "paid_on": "2024-12-31"}, "paid_on"),
        ({"paid_on": "2099-01-01"}, "paid_on"),
        ({"paid_on": "30/06/2025"}, "paid_on"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    client: FlaskClient, make_token: Callable[..., str], overrides: dict[str, Any], field: str
) -> None:
    payload = body(**overrides)
    for key, value in overrides.items():
        if value is None:
            payload.pop(key, None)
    response = client.post("/api/v1/payments", json=payload, headers=bearer(make_token("admin")))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert count() == 0


def test_parse_amount_accepts_yuan_forms() -> None:
    assert parse_amount("218,000.00") == Decimal("218000.00")
    assert parse_amount(452000) == Decimal("452000.00")
    assert parse_amount("1.50") == Decimal("1.50")
    assert parse_amount("1.500") == Decimal("1.50")


def test_budget_execution_and_overspending(client: FlaskClient, make_token: Callable[..., str]) -> None:
    headers = bearer(make_token("admin"))
    client.post("/api/v1/payments", json=body(contract="OM-2023", amount="218000"), headers=headers)
    client.post("/api/v1/payments", json=body(amount="226000"), headers=headers)
    projects = {p["project"]: p for p in client.get("/api/v1/budget?year=2025", headers=headers).get_json()}
    yw = projects["YW-2025"]
    assert yw["budget"] == "670000.00" and yw["paid"] == "444000.00"
    assert yw["execution_rate"] == pytest.approx(66.27)
    assert yw["cost_control_rate"] == 100.0 and yw["overspent"] is False
    lines = {line["line"]: line for line in yw["lines"]}
    assert lines["YW-2025-TAIL"]["execution_rate"] == 100.0
    assert lines["YW-2025-NEW"]["execution_rate"] == 50.0
    # Overspending is allowed, and shown.
    over = client.post("/api/v1/payments", json=body(amount="248000", voucher="记-0616"), headers=headers)
    assert over.status_code == 201
    overview = {item["project"].code: item for item in budget_overview(2025)}
    assert overview["YW-2025"]["overspent"] is True
    figures = overview["YW-2025"]["figures"]
    assert figures.paid_total == Decimal("692000.00")
    assert figures.cost_control_rate == pytest.approx(95.36)  # worst line: 452000 / 474000
    # The same voucher again for the contract is refused; a reversal (never a deletion) undoes the payment.
    duplicate = client.post("/api/v1/payments", json=body(amount="248000", voucher="记-0616"), headers=headers)
    assert duplicate.status_code == 409 and "voucher" in duplicate.get_json()["error"]["fields"]
    url = f"/api/v1/payments/{over.get_json()['id']}/reverse"
    assert client.post(url, json={"reason": " "}, headers=headers).status_code == 422
    reversed_ = client.post(url, json={"reason": "重复支付，已退回"}, headers=headers)
    assert reversed_.status_code == 201
    counter = reversed_.get_json()
    assert counter["amount"] == "-248000.00" and counter["reverses"] == over.get_json()["id"]
    assert counter["reason"] == "重复支付，已退回"
    assert client.post(url, json={"reason": "再冲"}, headers=headers).status_code == 409
    after = {p["project"]: p for p in client.get("/api/v1/budget?year=2025", headers=headers).get_json()}
    assert after["YW-2025"]["paid"] == "444000.00" and after["YW-2025"]["execution_rate"] == pytest.approx(66.27)
    assert after["YW-2025"]["overspent"] is False
    listed = client.get("/api/v1/payments?year=2025", headers=headers).get_json()
    assert len(listed) == 4  # both entries stay on record
    audit = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "payment.reverse")).one()
    assert "重复支付，已退回" in audit.detail
    auditor = client.get("/api/v1/budget?year=2025", headers=bearer(make_token("auditor")))
    assert auditor.status_code == 200
    assert client.get("/api/v1/budget?year=2025", headers=bearer(make_token("vendor"))).status_code == 403


def test_budget_page_reverses_a_payment(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    make_user("admin2", "admin")
    login(client, "admin2")
    payment = record_payment(amount="1000", paid_on=date(2025, 6, 1), contract="OM-2025", voucher="记-0701")
    page = client.get("/budget?year=2025").get_data(as_text=True)
    assert "冲销" in page and "记-0701" in page
    done = client.post(
        f"/payments/{payment.id}/reverse", data={"reason": "录入错误", "year": "2025"}, follow_redirects=True
    )
    html = done.get_data(as_text=True)
    assert f"已冲销支付记录 #{payment.id}" in html and "原因：录入错误" in html and "已冲销" in html


def test_budget_page_and_payment_form(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    make_user("admin1", "admin")
    login(client, "admin1")
    page = client.get("/budget?year=2025")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2025年度新一轮系统运维服务采购" in html and "¥452,000.00" in html and "登记支付" in html
    bad = client.post(
        "/budget/payments?year=2025", data={"line": "YW-2025-NEW", "amount": "1.234", "paid_on": "2025-07-01"}
    )
    assert bad.status_code == 200 and "最多两位小数" in bad.get_data(as_text=True)
    assert count() == 0
    good = client.post(
        "/budget/payments?year=2025",
        data={"line": "YW-2025-NEW", "amount": "500,000.00", "paid_on": "2025-07-01", "voucher": "记-1"},
    )
    assert good.status_code == 302
    assert count() == 1
    after = client.get("/budget?year=2025").get_data(as_text=True)
    assert "超支" in after and "¥500,000.00" in after and "110.62%" in after


def test_auditor_reads_the_budget_page_without_the_form(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    make_user("audit1", "auditor")
    login(client, "audit1")
    html = client.get("/budget").get_data(as_text=True)
    assert "预算执行" in html and "登记支付" not in html
    assert (
        client.post("/budget/payments", data={"line": "DK-2025", "amount": "1", "paid_on": "2025-01-02"}).status_code
        == 403
    )
    assert count() == 0


def test_budget_form_carries_a_csrf_token(make_app: Callable[..., Flask], make_user: Callable[..., Any]) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user("a2", "admin")
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/login", data={"username": "a2", "password": "Test@Passw0rd", "csrf_token": token})
        assert 'name="csrf_token"' in client.get("/budget?year=2025").get_data(as_text=True)
