"""The bureau approves or rejects a vendor's maintenance request with a reason; a rejected one never counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import AuditRecord
from slatrack.operations.figures.loading import load_maintenance
from tests.integration.conftest import bearer, login


def _request(client: FlaskClient, vendor: dict[str, str], day: int) -> dict[str, Any]:
    start = datetime(2025, 5, day, 22, tzinfo=UTC)
    body = {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat(), "reason": "数据库升级"}
    response = client.post("/api/v1/maintenance-windows", json=body, headers=vendor)
    assert response.status_code == 201
    created: dict[str, Any] = response.get_json()
    return created


def test_reject_needs_a_reason_and_is_never_counted(client: FlaskClient, make_token: Callable[..., str]) -> None:
    vendor, admin = bearer(make_token("vendor")), bearer(make_token("admin"))
    window = _request(client, vendor, 10)
    url = f"/api/v1/maintenance-windows/{window['id']}"
    assert client.post(f"{url}/reject", json={"reason": "x"}, headers=vendor).status_code == 403
    missing = client.post(f"{url}/reject", json={"reason": " "}, headers=admin)
    assert missing.status_code == 422 and "reason" in missing.get_json()["error"]["fields"]
    rejected = client.post(f"{url}/reject", json={"reason": "与月末结算冲突"}, headers=admin)
    assert rejected.status_code == 200
    body = rejected.get_json()
    assert body["rejected"] is True and body["approved"] is False and body["decision_reason"] == "与月末结算冲突"
    assert client.post(f"{url}/approve", headers=admin).status_code == 409
    assert load_maintenance(datetime(2025, 5, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC)) == []
    audit = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "maintenance.reject")).one()
    assert "与月末结算冲突" in audit.detail
    other = _request(client, vendor, 12)
    approved = client.post(
        f"/api/v1/maintenance-windows/{other['id']}/approve", json={"reason": "已通知各单位"}, headers=admin
    )
    assert approved.status_code == 200 and approved.get_json()["decision_reason"] == "已通知各单位"
    assert len(load_maintenance(datetime(2025, 5, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC))) == 1


def test_the_page_rejects_with_a_reason(
    client: FlaskClient, make_user: Callable[..., Any], make_token: Callable[..., str]
) -> None:
    window = _request(client, bearer(make_token("vendor")), 14)
    make_user("maint-admin", "admin")
    login(client, "maint-admin")
    url = f"/monitoring/maintenance/{window['id']}/approve"
    empty = client.post(url, data={"decision": "reject", "reason": ""}, follow_redirects=True)
    assert "驳回计划维护必须填写理由" in empty.get_data(as_text=True)
    done = client.post(url, data={"decision": "reject", "reason": "时间冲突"}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "已驳回计划维护" in page and "已驳回（maint-admin）：时间冲突" in page
