"""Satisfaction survey: the API with unit scoping, the pages, the spreadsheet import and its CLI command."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import func, select

from slatrack.extensions import db
from slatrack.models import AuditRecord, SurveyResponse
from slatrack.operations import OperationError
from slatrack.operations.records.survey import record_response, survey_summary
from slatrack.operations.records.survey_import import SurveyImportRejected, import_responses
from tests.integration.conftest import bearer, login

SH = ZoneInfo("Asia/Shanghai")


def count() -> int:
    return db.session.scalar(select(func.count(SurveyResponse.id))) or 0


def body(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "unit": "522701",
        "period": "2025Q2",
        "score": 4,
        "comment": "响应及时",
        "responded_at": "2025-06-28T10:00:00+08:00",
    }
    values.update(overrides)
    return values


# ---------------------------------------------------------------- API


def test_unit_user_answers_for_own_unit_only(client: FlaskClient, make_token: Callable[..., str]) -> None:
    token = make_token("unit", "522701")
    response = client.post("/api/v1/survey-responses", json=body(), headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["unit"] == "522701" and data["unit_name"] == "都匀市"
    assert data["score"] == 4 and data["score_label"] == "满意" and data["period"] == "2025Q2"
    other = client.post("/api/v1/survey-responses", json=body(unit="522702"), headers=bearer(token))
    assert other.status_code == 403
    assert "unit" in other.get_json()["error"]["fields"]
    assert count() == 1
    audit = db.session.scalars(select(AuditRecord).where(AuditRecord.object_type == "survey_responses")).one()
    assert audit.action == "create" and audit.after is not None and audit.after["score"] == 4


def test_admin_answers_for_any_unit_and_vendor_cannot(client: FlaskClient, make_token: Callable[..., str]) -> None:
    admin = client.post("/api/v1/survey-responses", json=body(unit="522732"), headers=bearer(make_token("admin")))
    assert admin.status_code == 201
    for role in ("vendor", "auditor"):
        refused = client.post("/api/v1/survey-responses", json=body(), headers=bearer(make_token(role)))
        assert refused.status_code == 403
    assert count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"score": 6}, "score"),
        ({"score": 0}, "score"),
        ({"score": "5"}, "score"),
        ({"period": "2025Q5"}, "period"),
        ({"period": "2025-05"}, "period"),
        ({"unit": "999999"}, "unit"),
        ({"responded_at": "2099-01-01T00:00:00+08:00"}, "responded_at"),
        ({"responded_at": "2025-06-28 10:00"}, "responded_at"),
        ({"responded_at": "2025-03-31T10:00:00+08:00"}, "responded_at"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    client: FlaskClient, make_token: Callable[..., str], overrides: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/survey-responses", json=body(**overrides), headers=bearer(make_token("admin")))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert count() == 0


def test_the_same_response_twice_is_a_conflict(client: FlaskClient, make_token: Callable[..., str]) -> None:
    headers = bearer(make_token("admin"))
    assert client.post("/api/v1/survey-responses", json=body(), headers=headers).status_code == 201
    again = client.post("/api/v1/survey-responses", json=body(score=1), headers=headers)
    assert again.status_code == 409
    assert count() == 1


def test_listing_is_limited_to_the_unit(client: FlaskClient, make_token: Callable[..., str]) -> None:
    admin = bearer(make_token("admin"))
    client.post("/api/v1/survey-responses", json=body(unit="522701"), headers=admin)
    client.post("/api/v1/survey-responses", json=body(unit="522702", score=2), headers=admin)
    client.post(
        "/api/v1/survey-responses",
        json=body(unit="522702", period="2024", responded_at="2024-12-01T00:00:00+08:00"),
        headers=admin,
    )
    everyone = client.get("/api/v1/survey-responses?period=2025", headers=admin).get_json()
    assert sorted(r["unit"] for r in everyone) == ["522701", "522702"]
    assert len(client.get("/api/v1/survey-responses", headers=admin).get_json()) == 3
    unit = client.get("/api/v1/survey-responses?period=2025", headers=bearer(make_token("unit", "522702"))).get_json()
    assert [(r["unit"], r["score"]) for r in unit] == [("522702", 2)]
    bad = client.get("/api/v1/survey-responses?period=25", headers=admin)
    assert bad.status_code == 422 and "period" in bad.get_json()["error"]["fields"]


def test_summary_rate_and_coverage(app: Flask) -> None:
    for unit, score, hour in (("522701", 5, 9), ("522701", 2, 10), ("522702", 3, 9)):
        record_response(unit=unit, period="2025", score=score, responded_at=datetime(2025, 12, 1, hour, tzinfo=SH))
    summary = survey_summary("2025")
    assert summary["responses"] == 3 and summary["satisfied"] == 2
    assert summary["rate"] == pytest.approx(66.67)
    assert summary["units_answered"] == 2 and summary["unit_count"] == 13
    rows = {row["unit"]: row for row in summary["per_unit"]}
    assert len(rows) == 13
    assert rows["522701"]["rate"] == 50.0 and rows["522732"]["responses"] == 0


# ---------------------------------------------------------------- import


HEADER = ["单位", "期间", "评分", "意见", "填报时间"]
CLEAN = [
    ["都匀市", "2025", "5", "很好", "2025-12-10 09:00"],
    ["522702", "2025", "满意", "", "2025-12-11T10:00:00+08:00"],
    ["三都水族自治县", "2025Q4", "3", "一般", "2025-12-12 15:30"],
]


def csv_bytes(rows: list[list[Any]]) -> bytes:
    lines = [",".join(HEADER)] + [",".join(str(cell) for cell in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_clean_file_imports_and_the_same_file_twice_adds_nothing(app: Flask) -> None:
    data = csv_bytes(CLEAN)
    first = import_responses(io.BytesIO(data), "survey.csv")
    assert (first.created, first.skipped) == (3, 0)
    second = import_responses(io.BytesIO(data), "survey.csv")
    assert (second.created, second.skipped) == (0, 3)
    assert count() == 3
    stored = db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.responded_at)).all()
    assert [(r.unit.code, r.period, r.score) for r in stored] == [
        ("522701", "2025", 5),
        ("522702", "2025", 4),
        ("522732", "2025Q4", 3),
    ]
    assert stored[0].responded_at == datetime(2025, 12, 10, 9, 0, tzinfo=SH)


def test_xlsx_with_real_dates_imports(app: Flask) -> None:
    # Spreadsheet cells hold naive date-times: they are read as local time.
    rows = [
        ["荔波县", 2025, 4, "好", datetime(2025, 11, 3, 8, 30)],  # noqa: DTZ001
        ["522723", "2025Q4", 5, None, datetime(2025, 11, 4)],  # noqa: DTZ001
    ]
    result = import_responses(io.BytesIO(xlsx_bytes(rows)), "survey.xlsx")
    assert result.created == 2
    first = db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.responded_at)).first()
    assert first is not None and first.unit.code == "522722" and first.period == "2025"
    assert first.responded_at == datetime(2025, 11, 3, 8, 30, tzinfo=SH)


def test_file_with_bad_rows_is_rejected_whole(app: Flask) -> None:
    rows = [
        ["都匀市", "2025", 5, "好", "2025-12-10 09:00"],
        ["火星县", "2025", 9, "", "2025-12-10 09:00"],
        ["福泉市", "2025Q7", 4, "", "2099-01-01 00:00"],
        ["都匀市", "2025", 4, "重复", "2025-12-10 09:00"],
        ["荔波县", "2025", 4, "", "昨天"],
    ]
    with pytest.raises(SurveyImportRejected) as caught:
        import_responses(io.BytesIO(xlsx_bytes(rows)), "survey.xlsx")
    found = {(p.row, p.column) for p in caught.value.problems}
    assert found == {(3, "单位"), (3, "评分"), (4, "期间"), (4, "填报时间"), (5, "填报时间"), (6, "填报时间")}
    duplicate = next(p for p in caught.value.problems if p.row == 5)
    assert "第 2 行" in duplicate.reason
    assert "第 3 行「单位」" in caught.value.message
    assert count() == 0


def test_missing_column_and_wrong_type_are_refused(app: Flask) -> None:
    with pytest.raises(SurveyImportRejected) as caught:
        import_responses(io.BytesIO("单位,期间,意见\n都匀市,2025,好\n".encode()), "survey.csv")
    assert {(p.row, p.column) for p in caught.value.problems} == {(1, "评分"), (1, "填报时间")}
    with pytest.raises(OperationError, match=r"只支持 \.xlsx 或 \.csv"):
        import_responses(io.BytesIO(b"x"), "survey.txt")
    assert count() == 0


def test_cli_survey_import(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "满意度.csv"
    path.write_bytes(csv_bytes(CLEAN))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["survey", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "新增 3 条" in result.output
    again = runner.invoke(args=["survey", "import", str(path)])
    assert "新增 0 条" in again.output and "跳过 3 条" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["都匀市", "2025", "7", "", "2025-12-01 10:00"]]))
    failed = runner.invoke(args=["survey", "import", str(bad)])
    assert failed.exit_code != 0
    assert "第 2 行「评分」" in failed.output
    assert count() == 3
    audit = db.session.scalars(select(AuditRecord).where(AuditRecord.object_type == "survey_responses")).first()
    assert audit is not None and audit.actor.startswith("cli")


# ---------------------------------------------------------------- pages


def test_unit_user_answers_on_the_page(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    make_user("dyunit", "unit", "522701")
    login(client, "dyunit")
    page = client.get("/survey?period=2025")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for label in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert label in html
    assert 'type="radio"' in html and "都匀市" in html and "福泉市" not in html
    response = client.post("/survey", data={"unit": "522701", "period": "2025", "score": "5", "comment": "好"})
    assert response.status_code == 302
    stored = db.session.scalars(select(SurveyResponse)).one()
    assert stored.unit.code == "522701" and stored.score == 5 and stored.period == "2025"
    # The choice list offers only the user's unit; a forged one is refused and nothing is written.
    forged = client.post("/survey", data={"unit": "522702", "period": "2025", "score": "5"})
    assert forged.status_code == 200 and "只能填报本单位" in forged.get_data(as_text=True)
    assert count() == 1
    missing = client.post("/survey", data={"unit": "522701", "period": "2025"})
    assert "请选择满意度" in missing.get_data(as_text=True) and count() == 1


def test_admin_page_shows_coverage_and_imports(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    record_response(unit="522701", period="2025", score=5, responded_at=datetime(2025, 12, 1, 9, tzinfo=SH))
    make_user("admin1", "admin")
    login(client, "admin1")
    html = client.get("/survey?period=2025").get_data(as_text=True)
    assert "1/13" in html and "100.00%" in html and "未填报" in html and "导入答卷" in html
    bad = client.post(
        "/survey/import?period=2025",
        data={"file": (io.BytesIO(csv_bytes([["火星县", "2025", "5", "", "2025-12-01 10:00"]])), "s.csv")},
        content_type="multipart/form-data",
    )
    text = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "第 2 行" in text and "未导入任何记录" in text
    assert count() == 1
    good = client.post(
        "/survey/import?period=2025",
        data={"file": (io.BytesIO(csv_bytes(CLEAN)), "s.csv")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    assert count() == 4
    assert "3/13" in client.get("/survey?period=2025").get_data(as_text=True)  # 都匀市 answered twice


def test_survey_form_carries_a_csrf_token(make_app: Callable[..., Flask], make_user: Callable[..., Any]) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user("u1", "unit", "522701")
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/login", data={"username": "u1", "password": "Test@Passw0rd", "csrf_token": token})
        assert 'name="csrf_token"' in client.get("/survey").get_data(as_text=True)
