"""Every page follows the year it is (SLATRACK_NOW puts the application on a given day), the one year/quarter
selector remembered across pages, the outages page by period, holiday calendars entered through the API and
the page (2027: a year chinesecalendar does not know), and the dashboard's warnings about the years ahead."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from slatrack.audit import acting_as
from slatrack.clock import utcnow
from slatrack.config import ConfigError
from slatrack.extensions import db
from slatrack.models import AuditRecord, Contract, Outage, Project, SlaTerm, Ticket
from slatrack.operations.monitoring.targets import create_target
from slatrack.operations.tickets.lifecycle import create_ticket
from tests.integration.conftest import bearer, login

ARRANGEMENT_2027 = (
    "2027-01-01 元旦 放假\n2027-02-05 至 2027-02-11 春节 放假\n2027-02-14 春节 上班\n2027-02-20 春节 上班\n"
)


def _signed_in(app: Flask, make_user: Callable[..., Any], role: str = "admin") -> FlaskClient:
    client = app.test_client()
    make_user(f"{role}-user", role)
    login(client, f"{role}-user")
    return client


def _project(year: int) -> None:
    db.session.add(
        Project(
            code=f"XM-{year}",
            fiscal_year=year,
            name=f"{year} 年度运维项目",
            department="州委督查考评局",
            implementer="州委督查考评局",
            total_amount=Decimal("100000.00"),
            fiscal_allocation=Decimal("100000.00"),
            annual_goal="保障系统稳定运行",
        )
    )
    db.session.commit()


def _contract(code: str, start: date, end: date, calendar: str = "7x24") -> Contract:
    contract = Contract(
        code=code, name=f"运维合同 {code}", vendor="乙方", start_date=start, end_date=end, calendar=calendar
    )
    contract.terms = [SlaTerm(priority="P2", response_minutes=60, resolution_minutes=240)]
    db.session.add(contract)
    db.session.commit()
    return contract


# ---------------------------------------------------------------- the clock


def test_slatrack_now_starts_the_clock_at_that_day_and_is_refused_behind_tls(make_app: Callable[..., Flask]) -> None:
    app = make_app(NOW="2026-12-15")
    with app.app_context():
        now = utcnow()
        assert datetime(2026, 12, 15, 2, 0, tzinfo=UTC) <= now < datetime(2026, 12, 15, 2, 5, tzinfo=UTC)
    with pytest.raises(ConfigError, match="production"):
        make_app(NOW="2026-12-15", SESSION_COOKIE_SECURE=True)
    with pytest.raises(ConfigError, match="SLATRACK_NOW"):
        make_app(NOW="yesterday")
    with pytest.raises(ConfigError, match="offset"):
        make_app(NOW="2026-12-15T10:00:00")


# ---------------------------------------------------------------- the dashboard follows the year it is


def test_the_dashboard_in_december_2026_shows_2026q4_and_what_is_missing(
    make_app: Callable[..., Flask], make_user: Callable[..., Any]
) -> None:
    app = make_app(NOW="2026-12-15T10:00:00+08:00")
    with app.app_context():
        client = _signed_in(app, make_user)
        html = client.get("/").get_data(as_text=True)
        assert "2026 年度 · 本季度 2026Q4" in html
        assert "2026 年度尚未设置" in html  # what is missing, never 2025's figures
        assert "预算项目和绩效指标" in html and "覆盖本年度的运维合同" in html
        assert "本年度的节假日安排" not in html  # chinesecalendar knows 2026
        assert "¥670,000.00" not in html and "2025Q4" not in html.split("<main")[1].split("period-selector")[0]
        assert "演示时钟：本系统按 2026年12月15日" in html  # the demo clock is announced on every page
        _project(2026)
        html = client.get("/").get_data(as_text=True)
        assert "2026 年度 · 本季度 2026Q4" in html and "尚未设置" not in html


def test_commands_default_to_the_current_year(make_app: Callable[..., Flask]) -> None:
    app = make_app(NOW="2026-12-15T10:00:00+08:00")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["indicators"])
    assert "2026 年度没有预算项目和指标" in result.output
    result = runner.invoke(args=["sla", "--json"])
    assert result.exit_code == 0, result.output
    assert '"from": "2026-01-01"' in result.output and '"to": "2026-12-15"' in result.output
    result = runner.invoke(args=["indicators", "--year", "2025"])
    assert result.exit_code == 0 and "总分" in result.output


# ---------------------------------------------------------------- one selector, remembered


def test_the_selector_is_remembered_across_pages(make_app: Callable[..., Flask], make_user: Callable[..., Any]) -> None:
    app = make_app(NOW="2026-12-15T10:00:00+08:00")
    with app.app_context():
        client = _signed_in(app, make_user)
        assert "2026 年例行检查" in client.get("/inspections").get_data(as_text=True)
        assert "2025 年例行检查" in client.get("/inspections?year=2025").get_data(as_text=True)
        # Every other page now shows 2025 until the choice changes.
        assert "2025 年度预算执行" in client.get("/budget").get_data(as_text=True)
        assert "2025 年度绩效指标" in client.get("/indicators").get_data(as_text=True)
        assert "2025 年度运维报告" in client.get("/reports").get_data(as_text=True)
        assert "2025 满意度调查" in client.get("/survey").get_data(as_text=True)
        assert "停机记录（2025 年）" in client.get("/monitoring/outages").get_data(as_text=True)
        assert "2025 年度 · 2025年第4季度 ·" in client.get("/").get_data(as_text=True)
        # A quarter chosen on the dashboard holds on the outages page; "回到本期" leads back.
        html = client.get("/?year=2025&quarter=2").get_data(as_text=True)
        assert "2025 年度 · 2025年第2季度 ·" in html and "回到本期（2026Q4）" in html
        assert "停机记录（2025 年第 2 季度）" in client.get("/monitoring/outages").get_data(as_text=True)
        # Forms default to a date inside the shown year.
        assert 'value="2025-06"' in client.get("/inspections/new").get_data(as_text=True)
        client.get("/?year=2026&quarter=4")
        assert "2026 年度预算执行" in client.get("/budget").get_data(as_text=True)
        # A bad choice is refused, saying what is wrong, and changes nothing.
        refused = client.get("/budget?year=1999")
        assert refused.status_code == 422 and "超出范围" in refused.get_data(as_text=True)
        assert client.get("/monitoring/outages?quarter=5").status_code == 422
        assert "停机记录（2026 年第 4 季度）" in client.get("/monitoring/outages").get_data(as_text=True)


def test_a_year_without_projects_shows_how_to_set_it_up_never_a_404(
    make_app: Callable[..., Flask], make_user: Callable[..., Any]
) -> None:
    app = make_app(NOW="2026-12-15T10:00:00+08:00")
    with app.app_context():
        client = _signed_in(app, make_user)
        for path in ("/reports", "/budget", "/indicators"):
            page = client.get(path)
            assert page.status_code == 200 and "2026 年度尚未设置" in page.get_data(as_text=True), path
        html = client.get("/reports").get_data(as_text=True)
        assert "/reports/quarterly/2026Q" not in html  # no links to quarters of a year without projects
        # The selector offers the years with projects and this one.
        assert '<option value="2025"' in html and '<option value="2026" selected' in html


def test_the_outages_page_lists_the_shown_period(make_app: Callable[..., Flask], make_user: Callable[..., Any]) -> None:
    app = make_app(NOW="2026-12-15T10:00:00+08:00")
    with app.app_context():
        target, _ = create_target({"name": "门户", "kind": "http", "url": "http://127.0.0.1:9/"})
        for start, cause in (
            ("2025-05-10T09:00:00+08:00", "2025 年二季度断电"),
            ("2026-11-02T09:00:00+08:00", "2026 年四季度宕机"),
        ):
            moment = datetime.fromisoformat(start)
            db.session.add(
                Outage(target_id=target.id, source="probe", start=moment, end=moment + timedelta(hours=1), cause=cause)
            )
        db.session.commit()
        client = _signed_in(app, make_user)
        html = client.get("/monitoring/outages").get_data(as_text=True)
        assert "2026 年四季度宕机" in html and "2025 年二季度断电" not in html
        html = client.get("/monitoring/outages?year=2025&quarter=0").get_data(as_text=True)
        assert "2025 年二季度断电" in html and "2026 年四季度宕机" not in html
        html = client.get("/monitoring/outages?year=2025&quarter=3").get_data(as_text=True)
        assert "该时段内没有停机记录" in html


# ---------------------------------------------------------------- holiday calendars


def test_2027_entered_through_the_api_gives_working_days_deadlines(
    make_app: Callable[..., Flask], make_token: Callable[..., str]
) -> None:
    app = make_app(NOW="2027-02-25T10:00:00+08:00")
    with app.app_context():
        client = app.test_client()
        admin, vendor = bearer(make_token("admin")), bearer(make_token("vendor"))
        _contract("OM-2027", date(2027, 1, 1), date(2027, 12, 31), calendar="workdays")
        assert client.get("/api/v1/holiday-calendars/2027", headers=vendor).get_json()["source"] == "none"
        assert client.get("/api/v1/holiday-calendars/2026", headers=vendor).get_json()["source"] == "library"

        def ticket(reported_at: str) -> Ticket:
            with acting_as("test"):
                return create_ticket(
                    unit_code="522701", category="fault", priority="P2", channel="电话", mode="远程",
                    title="门户无法登录", reported_at=datetime.fromisoformat(reported_at),
                )  # fmt: skip

        from slatrack.operations import OperationError

        with pytest.raises(OperationError, match="节假日数据不包含 2027 年"):
            ticket("2027-02-04T16:30:00+08:00")
        db.session.rollback()

        # The vendor may read but not write; a bad arrangement changes nothing and says which line is wrong.
        assert (
            client.put("/api/v1/holiday-calendars/2027", json={"text": ARRANGEMENT_2027}, headers=vendor).status_code
            == 403
        )
        bad = client.put("/api/v1/holiday-calendars/2027", json={"text": "2027-02-15 上班\n明天 放假"}, headers=admin)
        assert bad.status_code == 422
        message = bad.get_json()["error"]["message"]
        assert "调休上班日应为周六或周日" in message and "第 2 行" in message
        assert client.put("/api/v1/holiday-calendars/2027", json={}, headers=admin).status_code == 422
        assert client.get("/api/v1/holiday-calendars/2027", headers=admin).get_json()["source"] == "none"

        saved = client.put(
            "/api/v1/holiday-calendars/2027",
            json={"text": ARRANGEMENT_2027, "note": "国办发明电〔2026〕X号"},
            headers=admin,
        )
        assert saved.status_code == 200, saved.get_json()
        body = saved.get_json()
        assert body["source"] == "entered" and len(body["days"]) == 10 and body["note"] == "国办发明电〔2026〕X号"
        assert db.session.scalar(select(AuditRecord).where(AuditRecord.object_type == "holiday_calendar_days"))

        # Hand-computed (09:00–12:00, 13:30–17:30): Thu 02-04 16:30 + 60 min → 17:30; + 240 min → 60 that day,
        # 02-05..02-11 off, Fri 02-12 09:00 + 180 → 12:00.
        first = ticket("2027-02-04T16:30:00+08:00")
        assert first.response_due_at == datetime.fromisoformat("2027-02-04T17:30:00+08:00")
        assert first.resolution_due_at == datetime.fromisoformat("2027-02-12T12:00:00+08:00")
        # Fri 02-19 17:00 + 240: 30 that day, then the make-up Saturday 02-20 09:00 + 210 → 13:30 + 30 = 14:00.
        second = ticket("2027-02-19T17:00:00+08:00")
        assert second.resolution_due_at == datetime.fromisoformat("2027-02-20T14:00:00+08:00")

        # Replaced through the list form: without the make-up Saturday the second ticket's deadline moves to
        # Monday 02-22 14:00, and the stored deadline follows.
        days = [d for d in body["days"] if d["date"] != "2027-02-20"]
        again = client.put("/api/v1/holiday-calendars/2027", json={"days": days}, headers=admin)
        assert again.status_code == 200, again.get_json()
        db.session.expire_all()
        assert db.session.get(Ticket, second.id).resolution_due_at == datetime.fromisoformat(
            "2027-02-22T14:00:00+08:00"
        )


def test_the_admin_pastes_an_arrangement_on_the_page(
    make_app: Callable[..., Flask], make_user: Callable[..., Any]
) -> None:
    app = make_app(NOW="2026-12-15T10:00:00+08:00")
    with app.app_context():
        client = _signed_in(app, make_user)
        page = client.get("/admin/holidays").get_data(as_text=True)
        assert "2027 年" in page and "无数据" in page and "内置数据" in page
        refused = client.post("/admin/holidays/2027", data={"text": "2027-02-05 至 2027-02-11 春节"})
        assert refused.status_code == 422 and "第 1 行" in refused.get_data(as_text=True)
        saved = client.post("/admin/holidays/2027", data={"text": ARRANGEMENT_2027, "note": ""}, follow_redirects=True)
        html = saved.get_data(as_text=True)
        assert "已保存 2027 年节假日安排：放假 8 天，调休上班 2 天" in html
        assert "2027-02-05 至 2027-02-11 春节 放假" in html
        auditor = app.test_client()
        make_user("auditor-user", "auditor")
        login(auditor, "auditor-user")
        assert auditor.get("/admin/holidays/2027").status_code == 200
        assert auditor.post("/admin/holidays/2027", data={"text": ARRANGEMENT_2027}).status_code == 403


# ---------------------------------------------------------------- warnings about the years ahead


def test_from_november_the_dashboard_warns_until_next_year_has_a_calendar(
    make_app: Callable[..., Flask], make_user: Callable[..., Any], make_token: Callable[..., str]
) -> None:
    october = make_app(NOW="2026-10-20T10:00:00+08:00")
    with october.app_context():
        assert "节假日数据不包含 2027 年" not in _signed_in(october, make_user).get("/").get_data(as_text=True)
    november = make_app(NOW="2026-11-02T10:00:00+08:00")
    with november.app_context():
        client = _signed_in(november, make_user, "vendor")
        html = client.get("/").get_data(as_text=True)
        assert "节假日数据不包含 2027 年，也尚未录入 2027 年的放假和调休安排" in html
        token = bearer(make_token("admin"))
        assert (
            client.put("/api/v1/holiday-calendars/2027", json={"text": ARRANGEMENT_2027}, headers=token).status_code
            == 200
        )
        assert "节假日数据不包含 2027 年" not in client.get("/").get_data(as_text=True)


def test_a_contract_ending_without_successor_and_a_gap_are_reported(
    make_app: Callable[..., Flask], make_user: Callable[..., Any]
) -> None:
    app = make_app(NOW="2025-12-10T10:00:00+08:00")
    with app.app_context():
        client = _signed_in(app, make_user)
        html = client.get("/").get_data(as_text=True)
        assert "合同 OM-2025 将于 2025-12-31 到期（21 天后），尚无后续合同" in html
        assert "没有有效合同" not in html  # 2025 is covered: OM-2023 to 04-13, OM-2025 from 04-14
        _contract("OM-2026", date(2026, 1, 5), date(2026, 12, 31))
        assert "将于 2025-12-31 到期" in client.get("/").get_data(as_text=True)  # 01-01 still uncovered
    later = make_app(NOW="2026-03-01T10:00:00+08:00")
    with later.app_context():
        client = _signed_in(later, make_user, "auditor")
        html = client.get("/").get_data(as_text=True)
        assert "2026-01-01 至 2026-01-04 没有有效合同：其所在月份按未服务统计" in html
        assert "尚无后续合同" not in html


def test_a_gap_between_contracts_counts_as_months_not_served(app: Flask) -> None:
    from slatrack.operations.figures.indicators import evaluate_indicators

    def service_row() -> dict[str, Any]:
        rows = evaluate_indicators(2025, datetime(2026, 1, 10, tzinfo=UTC)).rows
        return next(row for row in rows if row["source"] == "metric:service_months")

    assert service_row()["actual"] == 12 and service_row()["note"] == ""
    contract = db.session.scalar(select(Contract).where(Contract.code == "OM-2025"))
    contract.start_date = date(2025, 4, 20)  # six days of April without a contract
    db.session.commit()
    row = service_row()
    assert row["actual"] == 11
    assert row["note"] == "无合同覆盖：2025-04-14 至 2025-04-19（所在月份按未服务计）"
