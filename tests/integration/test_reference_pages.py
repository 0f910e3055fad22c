"""The admin's reference pages: a contract round, a year copied and edited, refusals beside their fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from slatrack.extensions import db
from slatrack.models import Contract, Indicator, IndicatorRevision, Project
from tests.integration.conftest import login

CONTRACT = {
    "code": "OM-2026",
    "name": "2026年度运维服务",
    "vendor": "贵州某信息技术有限公司",
    "start": "2025-12-01",
    "end": "2026-12-31",
    "amount": "452000",
    "project": "",
    "calendar": "workdays",
    "note": "",
    **{f"P{n}_response_minutes": "30" for n in range(1, 5)},
    **{f"P{n}_resolution_minutes": str(m) for n, m in zip(range(1, 5), (120, 240, 480, 4320), strict=True)},
}


def _admin(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    make_user("boss", "admin")
    login(client, "boss")


def test_contract_round_from_the_page(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    _admin(client, make_user)
    page = client.get("/admin/contracts")
    assert page.status_code == 200 and "OM-2025" in page.get_data(as_text=True)
    overlap = client.post("/admin/contracts", data=CONTRACT)
    text = overlap.get_data(as_text=True)
    assert overlap.status_code == 409 and "与合同 OM-2025" in text and 'value="贵州某信息技术有限公司"' in text
    assert db.session.scalar(select(func.count(Contract.id)).where(Contract.code == "OM-2026")) == 0
    created = client.post("/admin/contracts", data={**CONTRACT, "start": "2026-01-01"}, follow_redirects=True)
    assert created.status_code == 200 and "已新建合同 OM-2026" in created.get_data(as_text=True)
    contract = db.session.scalar(select(Contract).where(Contract.code == "OM-2026"))
    assert contract is not None and contract.calendar == "workdays" and contract.terms[3].resolution_minutes == 4320
    bad = client.post("/admin/contracts/OM-2026", data={**CONTRACT, "P3_resolution_minutes": "abc"})
    assert bad.status_code == 422 and "P3 解决时限" in bad.get_data(as_text=True)
    refused = client.post("/admin/contracts/OM-2025/delete", follow_redirects=True)
    assert "不能删除" in refused.get_data(as_text=True)


def test_only_the_admin_manages_reference_data(app: Flask, make_user: Callable[..., Any]) -> None:
    make_user("eng", "vendor")
    vendor = app.test_client()
    login(vendor, "eng")
    for path in ("/admin/contracts", "/admin/projects", "/admin/forms/import", "/admin/projects/YW-2025"):
        assert vendor.get(path).status_code == 403, path
    assert vendor.post("/admin/years/copy", data={"year": "2026", "previous": "2025"}).status_code == 403
    assert db.session.scalar(select(func.count(Project.id)).where(Project.fiscal_year == 2026)) == 0


def test_year_copied_and_edited_from_the_pages(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    _admin(client, make_user)
    copied = client.post("/admin/years/copy", data={"year": "2026", "previous": "2025"}, follow_redirects=True)
    assert "已从 2025 年度复制：DK-2026、YW-2026" in copied.get_data(as_text=True)
    page = client.get("/admin/projects/YW-2026").get_data(as_text=True)
    assert "YW-2026-TAIL" in page and "系统故障率" in page
    lines = {
        "fiscal_year": "2026", "name": "黔南州督考绩效管理综合运用系统运维经费",
        "department": "[112]中共黔南州委督查考评局", "implementer": "中共黔南州委督查考评局", "overall_goal": "目标",
        "line_code": ["YW-2026-NEW", "", "YW-2026-X"], "line_name": ["2026年度运维服务", "", "其他"],
        "line_amount": ["452000", "", "-5"], "line_source": ["current", "current", "other"],
        "line_contract": ["", "", ""], "line_condition": ["", "", ""],
    }  # fmt: skip
    bad = client.post("/admin/projects/YW-2026", data=lines)
    assert bad.status_code == 422 and "第 2 个预算行" in bad.get_data(as_text=True)
    project = db.session.scalar(select(Project).where(Project.code == "YW-2026"))
    assert project is not None and project.total_amount == 670000  # unchanged
    lines["line_amount"] = ["452000", "", "5000"]
    saved = client.post("/admin/projects/YW-2026", data=lines, follow_redirects=True)
    assert "已保存项目 YW-2026" in saved.get_data(as_text=True)
    db.session.refresh(project)
    assert project.total_amount == 457000 and project.fiscal_allocation == 452000
    rate = db.session.scalar(select(Indicator).where(Indicator.code == "YW-2026-08"))
    assert rate is not None
    form = {
        "level1": "产出指标", "level2": "质量指标", "name": "服务响应率", "operator": ">=", "target": "99",
        "target_text": "≥98%", "unit": "%", "weight": "", "source": "metric:response_rate", "explanation": "",
    }  # fmt: skip
    changed = client.post(f"/admin/indicators/{rate.id}", data=form, follow_redirects=True)
    assert "已保存指标 YW-2026-08" in changed.get_data(as_text=True)
    db.session.refresh(rate)
    assert (rate.target, rate.target_text) == (99, "≥99%")
    assert db.session.scalar(select(func.count(IndicatorRevision.id))) == 0  # 2026 has nothing submitted
    added = client.post(
        "/admin/projects/YW-2026/indicators",
        data={**form, "name": "系统可用率", "source": "manual", "target": "99.9", "target_text": ""},
        follow_redirects=True,
    )
    assert "已添加指标 YW-2026-15" in added.get_data(as_text=True)
