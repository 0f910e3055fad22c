"""Approval forms (批复表) from .xlsx: a workbook laid out like the seed's 2025 forms recreates their 29
indicator rows; a form with a bad row writes nothing and names the row and the column."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from slatrack.extensions import db
from slatrack.models import Indicator, Project
from slatrack.operations.reference import forms_import
from tests.integration.approval_forms import SEED, approval_workbook
from tests.integration.conftest import bearer, login


def _rows(project: str) -> list[tuple[Any, ...]]:
    return [
        (i.level1, i.level2, i.name, i.operator, i.target, i.target_text, i.unit, i.explanation, i.source)
        for i in db.session.scalars(
            select(Indicator).join(Project).where(Project.code == project).order_by(Indicator.position)
        )
    ]


def test_the_2025_forms_recreate_their_29_rows(app: Flask) -> None:
    data = approval_workbook(2026)
    preview = forms_import.import_forms(io.BytesIO(data), "批复表.xlsx")
    assert preview.errors == [] and preview.created == []
    assert [(f.code, f.year, len(f.indicators)) for f in preview.forms] == [
        ("DK-2026", 2026, 15),
        ("YW-2026", 2026, 14),
    ]
    assert preview.indicator_count == 29
    assert db.session.scalar(select(func.count(Project.id)).where(Project.fiscal_year == 2026)) == 0  # a preview

    done = forms_import.import_forms(io.BytesIO(data), "批复表.xlsx", commit=True)
    assert done.created == ["DK-2026", "YW-2026"]
    for code in ("DK", "YW"):
        recreated, seeded = _rows(f"{code}-2026"), _rows(f"{code}-2025")
        assert len(recreated) == len(seeded) and recreated == seeded
    project = db.session.scalar(select(Project).where(Project.code == "YW-2026"))
    assert (
        project is not None and project.total_amount == 670000 and project.department == "[112]中共黔南州委督查考评局"
    )
    # Without an earlier year to learn from, the names alone give every seeded data source.
    for item in SEED["indicators"]:
        operator, _, unit = forms_import.parse_target(item["target_text"])
        assert forms_import._source(item["name"], operator, unit, {}) == item["source"], item["name"]


def test_a_bad_row_writes_nothing(app: Flask, make_user: Callable[..., Any]) -> None:
    result = forms_import.import_forms(
        io.BytesIO(approval_workbook(2026, blank_value_at=6)), "批复表.xlsx", commit=True
    )
    assert not result.ok and result.created == []
    assert [str(e) for e in result.errors] == ["第 19 行「指标值（E 列，工作表「YW-2025」）」：不能为空"]
    assert db.session.scalar(select(func.count(Project.id)).where(Project.fiscal_year == 2026)) == 0
    again = forms_import.import_forms(io.BytesIO(approval_workbook(2025)), "批复表.xlsx", commit=True)
    assert {str(e).split("：", 1)[1] for e in again.errors} == {
        "2025 年度已有该项目（DK-2025）",
        "2025 年度已有该项目（YW-2025）",
    }


def test_cli_previews_and_imports(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "批复表.xlsx"
    path.write_bytes(approval_workbook(2027))
    runner = app.test_cli_runner()
    preview = runner.invoke(args=["forms", "import", str(path)])
    assert preview.exit_code == 0, preview.output
    assert "YW-2027" in preview.output and "29" in preview.output and "未写入" in preview.output
    assert db.session.scalar(select(func.count(Project.id)).where(Project.fiscal_year == 2027)) == 0
    done = runner.invoke(args=["forms", "import", str(path), "--commit"])
    assert done.exit_code == 0, done.output
    assert db.session.scalar(select(func.count(Project.id)).where(Project.fiscal_year == 2027)) == 2
    path.write_bytes(approval_workbook(2028, blank_value_at=0))
    bad = runner.invoke(args=["forms", "import", str(path), "--commit"])
    assert bad.exit_code != 0 and "第 13 行" in bad.output and "指标值" in bad.output


def test_upload_page_previews_then_imports(
    client: FlaskClient, make_user: Callable[..., Any], make_token: Callable[..., str]
) -> None:
    make_user("boss", "admin")
    login(client, "boss")
    data = approval_workbook(2026)
    preview = client.post(
        "/admin/forms/import", data={"file": (io.BytesIO(data), "批复表.xlsx")}, content_type="multipart/form-data"
    )
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "系统故障率" in page and "共 29 个指标" in page
    assert db.session.scalar(select(func.count(Project.id)).where(Project.fiscal_year == 2026)) == 0
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page)
    assert token is not None
    stale = client.post("/admin/forms/import", data={"token": "0" * 32, "commit": "1"})
    assert stale.status_code == 422 and "预览已过期" in stale.get_data(as_text=True)
    done = client.post(
        "/admin/forms/import",
        data={"token": token.group(1), "filename": "批复表.xlsx", "commit": "1"},
        follow_redirects=True,
    )
    assert done.status_code == 200 and "已导入" in done.get_data(as_text=True)
    listed = client.get("/api/v1/projects", query_string={"year": 2026}, headers=bearer(make_token("admin")))
    assert [p["code"] for p in listed.get_json()] == ["DK-2026", "YW-2026"]
