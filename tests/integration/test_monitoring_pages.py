"""The monitoring pages: a 90-day availability strip as server-side SVG, outage adjudication and
maintenance windows through the forms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

from slatrack.audit import acting_as
from slatrack.extensions import db
from slatrack.models import Exclusion, MaintenanceWindow, Target
from slatrack.operations.monitoring.ingest import ingest_results
from slatrack.operations.monitoring.targets import create_target
from tests.integration.conftest import login

MINUTE = timedelta(minutes=1)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _setup() -> datetime:
    """A target with a confirmed 5-minute outage yesterday (local time), and one-minute checks around it."""
    yesterday = datetime.now(SHANGHAI).date() - timedelta(days=1)
    t0 = datetime(yesterday.year, yesterday.month, yesterday.day, 10, 0, tzinfo=SHANGHAI).astimezone(UTC)
    create_target(
        {
            "name": "portal",
            "kind": "http",
            "url": "https://portal.example.cn/",
            "critical": True,
            "in_process": False,
            "monitored_since": t0 - timedelta(days=3),
        }
    )
    pattern = "+" * 10 + "-----" + "+" * 10
    items: list[dict[str, Any]] = [
        {"target": "portal", "observed_at": (t0 + i * MINUTE).isoformat(), "ok": mark == "+", "sample_id": f"p{i}"}
        for i, mark in enumerate(pattern)
    ]
    with acting_as("test"):
        ingest_results(items)
    return t0


def test_targets_page_draws_the_daily_strip(app: Flask, make_user: Callable[..., Any]) -> None:
    _setup()
    make_user("auditor1", "auditor")
    client = app.test_client()
    login(client, "auditor1")
    page = client.get("/monitoring/targets")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<rect ") == 90
    assert "停机 5 分钟" in html  # yesterday's rectangle, red, with its figures in the tooltip
    assert html.count('fill="#b3261e"') == 1
    assert "未监测" in html  # the days before monitored_since
    target = db.session.scalars(select(Target)).one()
    detail = client.get(f"/monitoring/targets/{target.id}")
    assert detail.status_code == 200
    text = detail.get_data(as_text=True)
    assert "连续 3 次失败确认为停机" in text
    assert text.count("<rect ") == 90 and "持续中" not in text
    assert client.get("/monitoring/targets/999").status_code == 404


def test_an_admin_excludes_an_outage_from_the_outages_page(app: Flask, make_user: Callable[..., Any]) -> None:
    _setup()
    make_user("boss", "admin")
    make_user("vendor1", "vendor")
    client = app.test_client()
    login(client, "vendor1")
    page = client.get("/monitoring/outages").get_data(as_text=True)
    assert "portal" in page and "裁定排除" not in page  # vendors see outages, only admins adjudicate
    outage_id = int(page.split('id="outage-')[1].split('"')[0])
    assert client.post(f"/monitoring/outages/{outage_id}/exclusions", data={}).status_code == 403

    login(client, "boss")
    page = client.get("/monitoring/outages").get_data(as_text=True)
    assert "裁定排除" in page
    refused = client.post(
        f"/monitoring/outages/{outage_id}/exclusions",
        data={f"o{outage_id}-category": "customer", f"o{outage_id}-reason": ""},
        follow_redirects=True,
    )
    assert "请填写理由" in refused.get_data(as_text=True)
    saved = client.post(
        f"/monitoring/outages/{outage_id}/exclusions",
        data={f"o{outage_id}-category": "force_majeure", f"o{outage_id}-reason": "暴雨导致机房停电"},
        follow_redirects=True,
    )
    assert "已记录排除裁定" in saved.get_data(as_text=True)
    exclusion = db.session.scalars(select(Exclusion)).one()
    assert exclusion.category == "force_majeure" and exclusion.decided_by_id is not None
    assert exclusion.end - exclusion.start == 5 * MINUTE


def test_maintenance_requested_by_a_vendor_is_approved_by_an_admin(app: Flask, make_user: Callable[..., Any]) -> None:
    make_user("boss", "admin")
    make_user("vendor1", "vendor")
    client = app.test_client()
    login(client, "vendor1")
    form = {"start": "2025-06-01T22:00", "end": "2025-06-02T02:00", "reason": "数据库版本升级"}
    answer = client.post("/monitoring/maintenance", data=form, follow_redirects=True)
    assert "等待管理员批准" in answer.get_data(as_text=True)
    window = db.session.scalars(select(MaintenanceWindow)).one()
    assert window.approved_at is None
    assert window.start == datetime(2025, 6, 1, 14, 0, tzinfo=UTC)  # entered in Asia/Shanghai
    bad = client.post("/monitoring/maintenance", data={**form, "end": "2025-06-01T21:00"}, follow_redirects=True)
    assert "结束时间必须晚于开始时间" in bad.get_data(as_text=True)
    assert client.post(f"/monitoring/maintenance/{window.id}/approve").status_code == 403

    login(client, "boss")
    approved = client.post(f"/monitoring/maintenance/{window.id}/approve", follow_redirects=True)
    assert "已批准计划维护" in approved.get_data(as_text=True)
    db.session.refresh(window)
    assert window.approved_at is not None
