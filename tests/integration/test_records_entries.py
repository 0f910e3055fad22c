"""Manual indicator entries and the yearly review: API rules per indicator source, roles, pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from slatrack.extensions import db
from slatrack.models import AuditRecord, IndicatorEntry, IndicatorReview
from slatrack.operations.records.entries import entry_indicators
from tests.integration.conftest import bearer, login


def count() -> int:
    return db.session.scalar(select(func.count(IndicatorEntry.id))) or 0


def test_counts_for_manual_and_grades_for_graded_indicators(
    client: FlaskClient, make_token: Callable[..., str]
) -> None:
    headers = bearer(make_token("admin"))
    quantity = client.post(
        "/api/v1/indicators/DK-2025-01/entries",
        json={"year": 2025, "occurred_on": "2025-03-15", "quantity": 2, "note": "春耕专项督查"},
        headers=headers,
    )
    assert quantity.status_code == 201, quantity.get_json()
    assert quantity.get_json()["quantity"] == 2.0 and quantity.get_json()["grade"] is None
    grade = client.post(
        "/api/v1/indicators/DK-2025-10/entries",
        json={"year": 2025, "occurred_on": "2025-12-20", "grade": "优"},
        headers=headers,
    )
    assert grade.status_code == 201 and grade.get_json()["grade"] == "优"
    derived = client.post(
        "/api/v1/indicators/YW-2025-06/entries",
        json={"year": 2025, "occurred_on": "2025-12-20", "grade": "良", "note": "一次故障超时"},
        headers=headers,
    )
    assert derived.status_code == 201
    listed = client.get(
        "/api/v1/indicators/DK-2025-01/entries?year=2025", headers=bearer(make_token("unit"))
    ).get_json()
    assert [(e["indicator"], e["quantity"], e["note"]) for e in listed] == [("DK-2025-01", 2.0, "春耕专项督查")]
    assert count() == 3
    audits = db.session.scalar(
        select(func.count(AuditRecord.id)).where(
            AuditRecord.object_type == "indicator_entries", AuditRecord.action == "create"
        )
    )
    assert audits == 3


@pytest.mark.parametrize(
    ("code", "payload", "field"),
    [
        ("DK-2025-01", {"grade": "优"}, "grade"),
        ("DK-2025-01", {}, "quantity"),
        ("DK-2025-01", {"quantity": -1}, "quantity"),
        ("DK-2025-01", {"quantity": "lots"}, "quantity"),
        ("DK-2025-10", {"quantity": 1}, "quantity"),
        ("DK-2025-10", {"grade": "A"}, "grade"),
        ("DK-2025-10", {}, "grade"),
        ("DK-2025-12", {"quantity": 1}, "code"),
        ("DK-2025-01", {"quantity": 1, "occurred_on": "2024-12-31"}, "occurred_on"),
        ("DK-2025-01", {"quantity": 1, "occurred_on": "2099-01-01", "year": 2099}, "year"),
        ("DK-2025-01", {"quantity": 1, "year": 2026, "occurred_on": "2026-01-05"}, "year"),
        ("DK-2025-01", {"quantity": 1, "occurred_on": "soon"}, "occurred_on"),
    ],
)
def test_bad_entries_name_the_field_and_write_nothing(
    client: FlaskClient, make_token: Callable[..., str], code: str, payload: dict[str, Any], field: str
) -> None:
    data = {"year": 2025, "occurred_on": "2025-05-01", **payload}
    response = client.post(f"/api/v1/indicators/{code}/entries", json=data, headers=bearer(make_token("admin")))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert count() == 0


def test_unknown_indicator_is_404_and_roles_are_enforced(client: FlaskClient, make_token: Callable[..., str]) -> None:
    payload = {"year": 2025, "occurred_on": "2025-05-01", "quantity": 1}
    assert (
        client.post("/api/v1/indicators/NOPE/entries", json=payload, headers=bearer(make_token("admin"))).status_code
        == 404
    )
    for role in ("vendor", "unit", "auditor"):
        response = client.post("/api/v1/indicators/DK-2025-01/entries", json=payload, headers=bearer(make_token(role)))
        assert response.status_code == 403
    assert count() == 0


def test_review_is_written_once_per_year_and_replaced(client: FlaskClient, make_token: Callable[..., str]) -> None:
    headers = bearer(make_token("admin"))
    first = client.put(
        "/api/v1/indicators/YW-2025-03/review",
        json={"year": 2025, "deviation_reason": "二季度故障较多", "improvement": "增加巡检频次"},
        headers=headers,
    )
    assert first.status_code == 200, first.get_json()
    second = client.put(
        "/api/v1/indicators/YW-2025-03/review",
        json={"year": 2025, "deviation_reason": "二季度两次宕机", "improvement": "增加巡检频次并演练"},
        headers=headers,
    )
    assert second.get_json()["deviation_reason"] == "二季度两次宕机"
    assert db.session.scalar(select(func.count(IndicatorReview.id))) == 1
    read = client.get(
        "/api/v1/indicators/YW-2025-03/review?year=2025", headers=bearer(make_token("auditor"))
    ).get_json()
    assert read["improvement"] == "增加巡检频次并演练" and read["updated_at"] is not None
    refused = client.put(
        "/api/v1/indicators/YW-2025-03/review",
        json={"year": 2025, "deviation_reason": "x", "improvement": "y"},
        headers=bearer(make_token("vendor")),
    )
    assert refused.status_code == 403
    missing = client.put(
        "/api/v1/indicators/YW-2025-03/review", json={"year": 2025, "improvement": "y"}, headers=headers
    )
    assert missing.status_code == 422 and "deviation_reason" in missing.get_json()["error"]["fields"]
    wrong_year = client.put(
        "/api/v1/indicators/YW-2025-03/review",
        json={"year": 2024, "deviation_reason": "x", "improvement": "y"},
        headers=headers,
    )
    assert wrong_year.status_code == 422 and "year" in wrong_year.get_json()["error"]["fields"]
    updates = db.session.scalar(
        select(func.count(AuditRecord.id)).where(
            AuditRecord.object_type == "indicator_reviews", AuditRecord.action == "update"
        )
    )
    assert updates == 1
    read = client.get("/api/v1/indicators/YW-2025-03/review?year=2025", headers=headers).get_json()
    assert read["deviation_reason"] == "二季度两次宕机"


def test_entry_pages(app: Flask, client: FlaskClient, make_user: Callable[..., Any]) -> None:
    make_user("admin1", "admin")
    login(client, "admin1")
    listing = client.get("/indicator-entries?year=2025").get_data(as_text=True)
    assert "按照州委州政府安排" in listing and "系统故障处理" in listing and "（派生）" in listing
    assert "项目或定额成本控制率" not in listing  # measured indicators take no entries
    detail = client.get("/indicator-entries/DK-2025-01?year=2025").get_data(as_text=True)
    assert "新增记录" in detail and "偏差原因及改进措施" in detail
    bad = client.post(
        "/indicator-entries/DK-2025-01/entries?year=2025", data={"occurred_on": "2025-04-01", "quantity": "-2"}
    )
    assert bad.status_code == 200 and "不能为负" in bad.get_data(as_text=True)
    assert count() == 0
    good = client.post(
        "/indicator-entries/DK-2025-01/entries?year=2025",
        data={"occurred_on": "2025-04-01", "quantity": "3", "note": "x"},
    )
    assert good.status_code == 302 and count() == 1
    graded = client.post(
        "/indicator-entries/DK-2025-10/entries?year=2025", data={"occurred_on": "2025-12-01", "grade": "良"}
    )
    assert graded.status_code == 302
    rows = {row["indicator"].code: row for row in entry_indicators(2025)}
    assert rows["DK-2025-01"]["total"] == 3 and rows["DK-2025-10"]["latest_grade"] == "良"
    review = client.post(
        "/indicator-entries/DK-2025-01/review?year=2025", data={"deviation_reason": "未达标", "improvement": "加强调度"}
    )
    assert review.status_code == 302
    stored = db.session.scalars(select(IndicatorReview)).one()
    assert stored.deviation_reason == "未达标" and stored.improvement == "加强调度"
    assert "加强调度" in client.get("/indicator-entries/DK-2025-01").get_data(as_text=True)
    # A refused entry keeps the stored review on the page.
    refused = client.post("/indicator-entries/DK-2025-01/entries?year=2025", data={"occurred_on": "2025-04-01"})
    assert "缺少数量" in refused.get_data(as_text=True) and "加强调度" in refused.get_data(as_text=True)


def test_vendor_reads_entry_pages_without_forms(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    make_user("vendor1", "vendor")
    login(client, "vendor1")
    detail = client.get("/indicator-entries/DK-2025-10?year=2025")
    assert detail.status_code == 200 and "新增记录" not in detail.get_data(as_text=True)
    posted = client.post(
        "/indicator-entries/DK-2025-10/entries?year=2025", data={"occurred_on": "2025-12-01", "grade": "优"}
    )
    assert posted.status_code == 403 and count() == 0
    assert client.get("/indicator-entries/NOPE").status_code == 404


def test_entry_form_carries_a_csrf_token(make_app: Callable[..., Flask], make_user: Callable[..., Any]) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user("a3", "admin")
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/login", data={"username": "a3", "password": "Test@Passw0rd", "csrf_token": token})
        html = client.get("/indicator-entries/DK-2025-01?year=2025").get_data(as_text=True)
        assert html.count('name="csrf_token"') >= 3  # logout, entry form, review form
