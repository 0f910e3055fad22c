"""Monthly inspections: the API, the page with evidence upload and download, and auto_backup_checks."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from slatrack.extensions import db
from slatrack.models import AuditRecord, EvidenceSegment, Inspection, Target
from slatrack.operations.records.inspections import (
    auto_backup_checks,
    auto_backup_checks_recent,
    ended_months,
    inspection_grid,
    record_inspection,
)
from tests.integration.conftest import bearer, login

SH = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


def count() -> int:
    return db.session.scalar(select(func.count(Inspection.id))) or 0


def body(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "month": "2025-05",
        "kind": "security",
        "performed_at": "2025-05-20T10:00:00+08:00",
        "passed": True,
        "findings": "未发现高危漏洞",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


# ---------------------------------------------------------------- API


def test_admin_and_vendor_record_inspections_audited(client: FlaskClient, make_token: Callable[..., str]) -> None:
    response = client.post("/api/v1/inspections", json=body(), headers=bearer(make_token("admin")))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["month"] == "2025-05" and data["kind"] == "security" and data["passed"] is True
    assert data["performed_at"] == "2025-05-20T02:00:00+00:00"
    assert data["performed_by"].startswith("u-admin-")  # defaults to the recording user
    assert data["origin"] == "manual"
    vendor = client.post(
        "/api/v1/inspections",
        json=body(kind="backup", passed=False, performed_by="张工"),
        headers=bearer(make_token("vendor")),
    )
    assert vendor.status_code == 201
    assert vendor.get_json()["performed_by"] == "张工"
    assert count() == 2
    audits = db.session.scalars(
        select(AuditRecord).where(AuditRecord.object_type == "inspections", AuditRecord.action == "create")
    ).all()
    assert len(audits) == 2
    assert audits[0].actor.startswith("u-admin-")
    assert audits[0].after is not None and audits[0].after["findings"] == "未发现高危漏洞"


@pytest.mark.parametrize("role", ["unit", "auditor"])
def test_other_roles_cannot_record(client: FlaskClient, make_token: Callable[..., str], role: str) -> None:
    response = client.post("/api/v1/inspections", json=body(), headers=bearer(make_token(role)))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"month": "2025-13"}, "month"),
        ({"month": "May"}, "month"),
        ({"month": "2099-01", "performed_at": "2025-05-20T10:00:00+08:00"}, "month"),
        ({"kind": "firewall"}, "kind"),
        ({"performed_at": "2099-05-20T10:00:00+08:00"}, "performed_at"),
        ({"performed_at": "2025-05-20T10:00:00"}, "performed_at"),
        ({"performed_at": "2025-04-30T10:00:00+08:00"}, "performed_at"),
        ({"passed": "maybe"}, "passed"),
        ({"passed": None}, "passed"),
        ({"month": None}, "month"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    client: FlaskClient, make_token: Callable[..., str], overrides: dict[str, Any], field: str
) -> None:
    payload = body(**overrides)
    for key, value in overrides.items():
        if value is None:
            payload.pop(key, None)
    response = client.post("/api/v1/inspections", json=payload, headers=bearer(make_token("admin")))
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert field in error["fields"], error
    assert error["message"]
    assert count() == 0
    assert db.session.scalar(select(func.count(AuditRecord.id)).where(AuditRecord.object_type == "inspections")) == 0


def test_later_record_supersedes_and_both_are_kept(client: FlaskClient, make_token: Callable[..., str]) -> None:
    headers = bearer(make_token("admin"))
    first = client.post("/api/v1/inspections", json=body(passed=False, findings="备份失败"), headers=headers)
    second = client.post(
        "/api/v1/inspections", json=body(passed=True, performed_at="2025-05-28T10:00:00+08:00"), headers=headers
    )
    assert first.status_code == second.status_code == 201
    listed = client.get("/api/v1/inspections?year=2025", headers=headers).get_json()
    assert [(row["id"], row["current"]) for row in listed] == [
        (second.get_json()["id"], True),
        (first.get_json()["id"], False),
    ]
    grid = inspection_grid(2025, now=local(2025, 6, 15, 0, 0))
    may = grid[4]
    assert may["month"] == "2025-05"
    assert may["cells"]["security"].state == "passed"
    assert may["cells"]["security"].records == 2
    assert may["cells"]["backup"].state == "missing"
    assert grid[6]["cells"]["security"].state == "upcoming"
    # June is under way: its checks are not due before the 25th (未到期), then missing (缺失) without a record.
    assert grid[5]["cells"]["backup"].state == "upcoming"
    late = inspection_grid(2025, now=local(2025, 6, 25, 9, 0))
    assert late[5]["cells"]["backup"].state == "missing" and late[6]["cells"]["backup"].state == "upcoming"
    assert client.get("/api/v1/inspections?year=2024", headers=headers).get_json() == []


def test_list_requires_a_year(client: FlaskClient, make_token: Callable[..., str]) -> None:
    response = client.get("/api/v1/inspections", headers=bearer(make_token("auditor")))
    assert response.status_code == 422
    assert "year" in response.get_json()["error"]["fields"]


# ---------------------------------------------------------------- pages and evidence


def test_page_lists_the_year_and_form_records_with_evidence(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    make_user("vendor1", "vendor")
    login(client, "vendor1")
    page = client.get("/inspections?year=2025")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2025 年例行检查" in html and "2025-12" in html and "安全检查" in html and "备份核验" in html
    form = client.get("/inspections/new?month=2025-05&kind=backup")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.get_data(as_text=True)
    response = client.post(
        "/inspections/new",
        data={
            "month": "2025-05",
            "kind": "backup",
            "performed_at": "2025-05-31T09:30",
            "passed": "1",
            "findings": "备份可恢复",
            "evidence": (io.BytesIO(b"%PDF-1.4 evidence"), "五月备份核验报告.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    inspection = db.session.scalars(select(Inspection)).one()
    assert inspection.performed_at == datetime(2025, 5, 31, 1, 30, tzinfo=UTC)
    assert inspection.evidence_file is not None
    assert "五月备份核验报告" in inspection.evidence_file and inspection.evidence_file.endswith(".pdf")
    stored = Path(app.config["UPLOAD_FOLDER"]) / "inspections" / inspection.evidence_file
    assert stored.read_bytes() == b"%PDF-1.4 evidence"
    listing = client.get("/inspections?year=2025").get_data(as_text=True)
    assert f"/inspections/{inspection.id}/evidence" in listing and "通过" in listing

    download = client.get(f"/inspections/{inspection.id}/evidence")
    assert download.status_code == 200
    assert download.data == b"%PDF-1.4 evidence"
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()
    assert (
        db.session.scalar(
            select(func.count(AuditRecord.id)).where(
                AuditRecord.action == "download", AuditRecord.object_type == "inspections"
            )
        )
        == 1
    )


def test_evidence_download_for_auditor_but_not_unit(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    inspection = record_inspection(
        month="2025-06",
        kind="security",
        performed_at=local(2025, 6, 3, 10, 0),
        passed=True,
        evidence=(io.BytesIO(b"PK\x03\x04zip"), "../../etc/passwd.zip"),
    )
    assert inspection.evidence_file is not None and "/" not in inspection.evidence_file
    assert ".." not in inspection.evidence_file
    make_user("audit1", "auditor")
    make_user("unit1", "unit")
    login(client, "audit1")
    download = client.get(f"/inspections/{inspection.id}/evidence")
    assert download.data == b"PK\x03\x04zip"
    download.close()
    other = app.test_client()
    login(other, "unit1")
    assert other.get(f"/inspections/{inspection.id}/evidence").status_code == 403
    assert other.get("/inspections").status_code == 403


def test_api_evidence_upload_replaces_and_checks_the_file(
    app: Flask, client: FlaskClient, make_token: Callable[..., str]
) -> None:
    vendor = bearer(make_token("vendor"))
    created = client.post("/api/v1/inspections", json=body(), headers=vendor).get_json()
    url = f"/api/v1/inspections/{created['id']}/evidence"
    first = client.post(url, data={"file": (io.BytesIO(b"\x89PNG first"), "scan.png")}, headers=vendor)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["has_evidence"] is True and first.get_json()["current"] is True
    folder = Path(app.config["UPLOAD_FOLDER"]) / "inspections"
    assert [p.read_bytes() for p in folder.iterdir()] == [b"\x89PNG first"]
    second = client.post(url, data={"file": (io.BytesIO(b"%PDF second"), "report.pdf")}, headers=vendor)
    assert second.status_code == 201
    assert [p.read_bytes() for p in folder.iterdir()] == [b"%PDF second"]  # the replaced file is gone
    bad = client.post(url, data={"file": (io.BytesIO(b"#!/bin/sh"), "run.sh")}, headers=vendor)
    assert bad.status_code == 422 and "evidence" in bad.get_json()["error"]["fields"]
    missing = client.post(url, data={}, headers=vendor)
    assert missing.status_code == 422 and "file" in missing.get_json()["error"]["fields"]
    assert (
        client.post(url, data={"file": (io.BytesIO(b"x"), "a.pdf")}, headers=bearer(make_token("auditor"))).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/inspections/999/evidence", data={"file": (io.BytesIO(b"x"), "a.pdf")}, headers=vendor
        ).status_code
        == 404
    )
    stored = db.session.get(Inspection, created["id"])
    assert stored is not None and stored.evidence_file is not None and stored.evidence_file.endswith("-report.pdf")
    assert [p.read_bytes() for p in folder.iterdir()] == [b"%PDF second"]


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [("report.exe", b"MZ", "只允许"), ("report.pdf", b"x" * 2048, "不能超过"), ("empty.pdf", b"", "文件为空")],
)
def test_bad_evidence_is_refused_and_nothing_written(
    make_app: Callable[..., Flask], make_user: Callable[..., Any], filename: str, content: bytes, message: str
) -> None:
    app = make_app(EVIDENCE_MAX_BYTES=1024)
    with app.app_context():
        make_user("vendor2", "vendor")
        client = app.test_client()
        login(client, "vendor2")
        response = client.post(
            "/inspections/new",
            data={
                "month": "2025-05",
                "kind": "security",
                "performed_at": "2025-05-20T10:00",
                "passed": "0",
                "evidence": (io.BytesIO(content), filename),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert message in html and 'class="error"' in html
        assert count() == 0
        folder = Path(app.config["UPLOAD_FOLDER"]) / "inspections"
        assert not folder.exists() or list(folder.iterdir()) == []


def test_form_errors_are_shown_next_to_the_field(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    make_user("admin1", "admin")
    login(client, "admin1")
    response = client.post(
        "/inspections/new",
        data={"month": "2099-01", "kind": "security", "performed_at": "2025-05-20T10:00", "passed": "1"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "不能是将来的月份" in html
    assert count() == 0


def test_form_carries_a_csrf_token(make_app: Callable[..., Flask], make_user: Callable[..., Any]) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user("vendor3", "vendor")
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/login", data={"username": "vendor3", "password": "Test@Passw0rd", "csrf_token": token})
        html = client.get("/inspections/new").get_data(as_text=True)
        assert 'name="csrf_token"' in html
        refused = client.post(
            "/inspections/new",
            data={"month": "2025-05", "kind": "security", "performed_at": "2025-05-20T10:00", "passed": "1"},
        )
        assert refused.status_code == 400
        assert count() == 0


# ---------------------------------------------------------------- automatic backup check


def backup_target(name: str = "nightly-backup", kind: str = "backup") -> Target:
    target = Target(
        name=name,
        kind=kind,
        path="/backup/latest.dump" if kind == "backup" else None,
        url="https://portal.example" if kind == "http" else None,
        interval_seconds=3600,
        confirm_failures=3,
        monitored_since=local(2025, 1, 1, 0, 0),
    )
    db.session.add(target)
    db.session.commit()
    return target


def segment(target: Target, state: str, start: datetime, end: datetime, count: int) -> None:
    db.session.add(
        EvidenceSegment(
            target_id=target.id,
            state=state,
            start=start,
            end=end,
            count=count,
            last_observed=end - timedelta(hours=1),
        )
    )
    db.session.commit()


NOW = local(2025, 7, 2, 3, 0)


def test_auto_backup_check_passes_on_success_evidence(app: Flask) -> None:
    target = backup_target()
    segment(target, "up", local(2025, 5, 1, 2, 0), local(2025, 5, 20, 2, 0), 19)
    segment(target, "fail", local(2025, 5, 20, 2, 0), local(2025, 5, 22, 6, 0), 52)  # 52 h, confirmed
    segment(target, "up", local(2025, 5, 22, 6, 0), local(2025, 6, 1, 2, 0), 10)
    segment(target, "up", local(2025, 6, 1, 2, 0), local(2025, 6, 30, 2, 0), 29)
    # The fail run above is longer than 48 h: May fails; June passes.
    may = auto_backup_checks("2025-05", now=NOW)
    june = auto_backup_checks("2025-06", now=NOW)
    assert may is not None and june is not None
    assert may.passed is False and "超过 48 小时" in may.findings and "nightly-backup" in may.findings
    assert june.passed is True and "无超过 48 小时的确认故障" in june.findings
    for inspection in (may, june):
        assert inspection.origin == "auto" and inspection.performed_by == "系统自动" and inspection.kind == "backup"
    audit = db.session.scalars(
        select(AuditRecord).where(AuditRecord.object_type == "inspections", AuditRecord.object_id == str(june.id))
    ).one()
    assert audit.actor == "job:auto_backup_checks"


def test_auto_backup_check_ignores_short_and_transient_failures(app: Flask) -> None:
    target = backup_target(kind="push")
    segment(target, "up", local(2025, 5, 1, 0, 0), local(2025, 5, 10, 0, 0), 9)
    segment(target, "fail", local(2025, 5, 10, 0, 0), local(2025, 5, 13, 0, 0), 2)  # 72 h but only 2 < 3 failures
    segment(target, "fail", local(2025, 5, 14, 0, 0), local(2025, 5, 15, 0, 0), 24)  # confirmed, 24 h
    inspection = auto_backup_checks("2025-05", now=NOW)
    assert inspection is not None and inspection.passed is True


def test_auto_backup_check_clips_an_outage_to_the_month(app: Flask) -> None:
    target = backup_target()
    segment(target, "fail", local(2025, 4, 27, 0, 0), local(2025, 5, 2, 0, 0), 120)  # 24 h inside May
    segment(target, "up", local(2025, 5, 2, 0, 0), local(2025, 5, 31, 0, 0), 29)
    inspection = auto_backup_checks("2025-05", now=NOW)
    assert inspection is not None and inspection.passed is True


def test_auto_backup_check_leaves_months_alone_when_it_should(app: Flask) -> None:
    # No backup/push evidence at all (an http target's does not count): nothing recorded.
    web = backup_target("portal", kind="http")
    segment(web, "up", local(2025, 5, 1, 0, 0), local(2025, 5, 31, 0, 0), 700)
    assert auto_backup_checks("2025-05", now=NOW) is None
    target = backup_target()
    segment(target, "up", local(2025, 5, 1, 0, 0), local(2025, 5, 31, 0, 0), 30)
    segment(target, "up", local(2025, 7, 1, 0, 0), local(2025, 7, 2, 0, 0), 1)
    # The current month has not ended.
    assert auto_backup_checks("2025-07", now=NOW) is None
    # A month that already has a backup inspection (manual) keeps it.
    record_inspection(month="2025-05", kind="backup", performed_at=local(2025, 5, 31, 9, 0), passed=False, now=NOW)
    assert auto_backup_checks("2025-05", now=NOW) is None
    assert count() == 1
    # Run twice: the second run finds the first one's record.
    segment(target, "up", local(2025, 6, 1, 0, 0), local(2025, 6, 30, 0, 0), 30)
    assert auto_backup_checks("2025-06", now=NOW) is not None
    assert auto_backup_checks("2025-06", now=NOW) is None
    assert count() == 2


def test_recent_months_for_the_daily_job(app: Flask) -> None:
    assert ended_months(local(2025, 1, 15, 0, 0), 3) == ["2024-10", "2024-11", "2024-12"]
    target = backup_target()
    segment(target, "up", local(2025, 4, 1, 0, 0), local(2025, 7, 1, 12, 0), 90)
    made = auto_backup_checks_recent(NOW, count=3)
    assert [(i.month, i.passed) for i in made] == [("2025-04", True), ("2025-05", True), ("2025-06", True)]
    assert made[0].performed_at == local(2025, 4, 30, 23, 59, 59)
    assert auto_backup_checks_recent(NOW, count=3) == []
