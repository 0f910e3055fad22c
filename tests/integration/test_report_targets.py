"""The quarterly report's targets come from the quarter's year's indicators, as its indicator table does.

The 2025 reference data with three targets changed the way the 2026 forms changed them (服务响应率 ≥99%,
系统咨询服务 ≥120次, 满意度 ≥95%) and the 系统故障率 indicator removed; a consultation in August and a survey
answer in September. The prose names the changed targets and leaves out the target the year does not have.

The year-to-date column of 2025Q3 pro-rates only counts that accumulate (≥120次 → ≥90次): 系统运维服务期限
=12月 (12 months of contracts in 2025) stays =12月 and is met, 系统运维数量 =1套 and 系统正常使用年限 ≥1年
stay as they are.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from docx import Document as read_docx
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import Indicator, SurveyResponse, Unit
from slatrack.operations.reference.indicator_edits import delete_indicator, update_indicator
from slatrack.operations.tickets.lifecycle import create_ticket, record_event
from tests.integration.conftest import bearer

CST = timezone(timedelta(hours=8))
AS_OF = datetime(2025, 10, 1, tzinfo=CST)


def _indicator(code: str) -> Indicator:
    indicator = db.session.scalar(select(Indicator).where(Indicator.code == code))
    assert indicator is not None
    return indicator


def _change_targets() -> None:
    update_indicator(_indicator("YW-2025-04"), {"target": Decimal(120)})  # 系统咨询服务及相关工作
    update_indicator(_indicator("YW-2025-08"), {"target": Decimal(99)})  # 服务响应率
    update_indicator(_indicator("YW-2025-14"), {"target": Decimal(95)})  # 满意度
    delete_indicator(_indicator("YW-2025-07"))  # 系统故障率
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    answered = datetime(2025, 9, 20, tzinfo=CST)
    db.session.add(SurveyResponse(unit_id=units["522701"].id, period="2025Q3", score=5, responded_at=answered))
    db.session.commit()
    asked = datetime(2025, 8, 5, 9, tzinfo=CST)
    consult = create_ticket(unit_code="522701", category="consult", priority="P3", channel="电话", mode="远程",
                            title="考核模块如何导出", reported_at=asked)  # fmt: skip
    record_event(consult, "respond", asked + timedelta(minutes=10), "", None, now=AS_OF)


def _download(client: FlaskClient, token: str, fmt: str) -> bytes:
    response = client.get(
        "/api/v1/reports/quarterly/2025Q3",
        query_string={"format": fmt, "as_of": AS_OF.isoformat()},
        headers=bearer(token),
    )
    assert response.status_code == 200, response.data[:300]
    return response.data


def test_the_prose_names_the_years_targets_and_leaves_out_missing_ones(
    app: Flask, client: FlaskClient, make_token: Callable[..., str]
) -> None:
    _change_targets()
    document = read_docx(io.BytesIO(_download(client, make_token("auditor"), "docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "服务响应率" in text and "（目标 ≥99%）" in text
    assert "（年度目标 ≥120次）" in text
    assert "满意度 100.00%（目标 ≥95%）" in text
    assert "系统故障率" in text and "目标 ≤" not in text  # the year has no 系统故障率 indicator any more
    for stale in ("≥98%", "≥100 次", "≥90%"):
        assert stale not in text, stale


def test_the_year_to_date_target_scales_only_accumulating_counts(
    app: Flask, client: FlaskClient, make_token: Callable[..., str]
) -> None:
    _change_targets()
    token = make_token("auditor")
    indicators = client.get("/api/v1/indicators", query_string={"year": "2025", "as_of": AS_OF.isoformat()},
                            headers=bearer(token)).get_json()  # fmt: skip
    term = next(r for r in indicators if r["name"] == "系统运维服务期限")
    assert term["actual"] == 12  # OM-2023 and OM-2025 cover 2025 from January to December

    book = load_workbook(io.BytesIO(_download(client, token, "xlsx")))
    sheet = book["绩效指标完成情况"]
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) for name in ("三级指标", "累计目标", "累计实际", "累计进度")}
    rows: dict[str, Any] = {r[col["三级指标"]]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    ytd = {name: (row[col["累计目标"]], row[col["累计进度"]]) for name, row in rows.items()}
    assert ytd["系统运维服务期限"] == ("=12月", "达标")
    assert ytd["系统运维数量"][0] == "=1套"
    assert ytd["系统正常使用年限"][0] == "≥1年"
    assert ytd["系统咨询服务及相关工作"][0] == "≥90次"  # ≥120 a year: three quarters by the end of Q3
    assert ytd["系统运维报告"][0] == "≥3次"
    assert ytd["服务响应率"][0] == "≥99%"
