"""Approval forms (批复表) from .xlsx: a workbook laid out like the seed's 2025 forms recreates their 29
indicator rows; a form with a bad row writes nothing and names the row and the column."""

from __future__ import annotations

import io
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import func, select

from slatrack.extensions import db
from slatrack.models import Indicator, Project
from slatrack.operations.reference import forms_import
from slatrack.operations.reference.loading import DEFAULT_FILE
from tests.integration.conftest import bearer, login

SEED = tomllib.loads(Path(DEFAULT_FILE).read_text(encoding="utf-8"))
FUNDING = {"DK-2025": 338700, "YW-2025": 670000}


def _form(book: Workbook, code: str, year: int, blank_value_at: int | None = None) -> None:
    """One sheet as the bureau's form: title, labelled cells, then the indicator table with merged levels."""
    project = next(p for p in SEED["projects"] if p["code"] == code)
    sheet = book.create_sheet(code)
    sheet.append(["项目支出绩效目标批复表"])
    sheet.append([f"({year}年度)"])
    sheet.append(["项目名称", None, project["name"]])
    sheet.append(["主管部门及代码", None, project["department"], "实施单位", project["implementer"]])
    sheet.append(["资金来源", None, "年度资金情况"])
    money = FUNDING[code]
    for label, amount in (("资金总额(元):", money), ("财政拨款", money), ("其中: 上级补助", 0), ("本级安排", money),
                          ("其他资金", 0)):  # fmt: skip
        sheet.append([None, None, label, f"{amount:,}"])
    sheet.append(["年度总体目标", None, project["annual_goal"]])
    sheet.append(["绩效指标", "一级指标", "二级指标", "三级指标", "指标值", "说明"])
    previous = ("", "")
    rows = [i for i in SEED["indicators"] if i["project"] == code]
    for position, item in enumerate(rows):
        level1 = item["level1"] if item["level1"] != previous[0] else None
        level2 = item["level2"] if (item["level1"], item["level2"]) != previous else None
        value = None if position == blank_value_at else item["target_text"]
        sheet.append([None, level1, level2, item["name"], value, item.get("explanation", "")])
        cell = sheet.cell(row=sheet.max_row, column=5)
        cell.data_type = "s"  # "=1次" is text in the form, not a formula
        previous = (item["level1"], item["level2"])
    first = 13
    sheet.merge_cells(start_row=first, start_column=1, end_row=first + len(rows) - 1, end_column=1)


def _workbook(year: int = 2025, blank_value_at: int | None = None) -> bytes:
    book = Workbook()
    assert book.active is not None
    book.remove(book.active)
    _form(book, "DK-2025", year)
    _form(book, "YW-2025", year, blank_value_at)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _rows(project: str) -> list[tuple[Any, ...]]:
    return [
        (i.level1, i.level2, i.name, i.operator, i.target, i.target_text, i.unit, i.explanation, i.source)
        for i in db.session.scalars(
            select(Indicator).join(Project).where(Project.code == project).order_by(Indicator.position)
        )
    ]


def test_the_2025_forms_recreate_their_29_rows(app: Flask) -> None:
    data = _workbook(2026)
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
    result = forms_import.import_forms(io.BytesIO(_workbook(2026, blank_value_at=6)), "批复表.xlsx", commit=True)
    assert not result.ok and result.created == []
    assert [str(e) for e in result.errors] == ["第 19 行「指标值（E 列，工作表「YW-2025」）」：不能为空"]
    assert db.session.scalar(select(func.count(Project.id)).where(Project.fiscal_year == 2026)) == 0
    again = forms_import.import_forms(io.BytesIO(_workbook(2025)), "批复表.xlsx", commit=True)
    assert {str(e).split("：", 1)[1] for e in again.errors} == {
        "2025 年度已有该项目（DK-2025）",
        "2025 年度已有该项目（YW-2025）",
    }


def test_cli_previews_and_imports(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "批复表.xlsx"
    path.write_bytes(_workbook(2027))
    runner = app.test_cli_runner()
    preview = runner.invoke(args=["forms", "import", str(path)])
    assert preview.exit_code == 0, preview.output
    assert "YW-2027" in preview.output and "29" in preview.output and "未写入" in preview.output
    assert db.session.scalar(select(func.count(Project.id)).where(Project.fiscal_year == 2027)) == 0
    done = runner.invoke(args=["forms", "import", str(path), "--commit"])
    assert done.exit_code == 0, done.output
    assert db.session.scalar(select(func.count(Project.id)).where(Project.fiscal_year == 2027)) == 2
    path.write_bytes(_workbook(2028, blank_value_at=0))
    bad = runner.invoke(args=["forms", "import", str(path), "--commit"])
    assert bad.exit_code != 0 and "第 13 行" in bad.output and "指标值" in bad.output


def test_upload_page_previews_then_imports(
    client: FlaskClient, make_user: Callable[..., Any], make_token: Callable[..., str]
) -> None:
    make_user("boss", "admin")
    login(client, "boss")
    data = _workbook(2026)
    preview = client.post(
        "/admin/forms/import", data={"file": (io.BytesIO(data), "批复表.xlsx")}, content_type="multipart/form-data"
    )
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "系统故障率" in page and "共 29 个指标" in page
    assert db.session.scalar(select(func.count(Project.id)).where(Project.fiscal_year == 2026)) == 0
    done = client.post(
        "/admin/forms/import",
        data={"file": (io.BytesIO(data), "批复表.xlsx"), "commit": "1"},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert done.status_code == 200 and "已导入" in done.get_data(as_text=True)
    listed = client.get("/api/v1/projects", query_string={"year": 2026}, headers=bearer(make_token("admin")))
    assert [p["code"] for p in listed.get_json()] == ["DK-2026", "YW-2026"]
