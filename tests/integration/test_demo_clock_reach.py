"""The demonstration clock (SLATRACK_NOW) reaches every default that reads "now": the ticket queue's time
left, the export's file name, ticket imports (the future check and the entry time) and a survey answer's
time. With the clock at 2025-05-08 12:00 in Beijing, the real date (later) would give different results."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

from slatrack.audit import acting_as
from slatrack.extensions import db
from slatrack.models import SurveyResponse, Ticket, TicketEvent
from slatrack.operations.tickets.importing import import_tickets
from slatrack.operations.tickets.lifecycle import create_ticket
from slatrack.operations.tickets.vendor_import import check_vendor_file
from tests.integration.conftest import login
from tests.integration.test_tickets_io import xlsx
from tests.integration.vendor_logs import vendor_xlsx

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 5, 8, 12, 0, tzinfo=SH)


def _near_now(moment: datetime) -> bool:
    return NOW <= moment.astimezone(UTC) < NOW + timedelta(minutes=5)


def _row(reported: datetime, title: str) -> list[Any]:
    naive = reported.replace(tzinfo=None)
    responded = naive + timedelta(minutes=20)
    return ["都匀市", naive, "答疑", "P3", "电话", "远程", title, "", "", responded, "", ""]


def test_ticket_imports_check_the_future_and_stamp_entries_by_the_demo_clock(make_app: Callable[..., Flask]) -> None:
    app = make_app(NOW=NOW.isoformat())
    with app.app_context(), acting_as("test"):
        later = import_tickets(xlsx([_row(datetime(2025, 5, 9, 9, 0, tzinfo=SH), "明天的请求")]), "late.xlsx")
        assert {(e.row, e.column, e.reason) for e in later.errors} == {
            (2, "报告时间", "不能晚于当前时间"),
            (2, "响应时间", "不能晚于当前时间"),
        }
        done = import_tickets(xlsx([_row(datetime(2025, 5, 8, 9, 0, tzinfo=SH), "今天上午的请求")]), "ok.xlsx")
        assert done.ok and done.created == 1, done.errors
        ticket = db.session.scalars(select(Ticket)).one()
        assert _near_now(ticket.created_at)
        events = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).all()
        assert len(events) == 1 and all(_near_now(e.recorded_at) for e in events)

        # The vendor log's 8 May 08:10 row is before the demo's now; its June rows are not.
        checked = check_vendor_file(io.BytesIO(vendor_xlsx()), "log.xlsx", None)
        errors = checked.result.errors
        assert errors and all(e.reason == "不能晚于当前时间" and "工作表「6月」" in e.column for e in errors)


def test_the_queue_counts_time_left_and_the_export_is_named_by_the_demo_clock(
    make_app: Callable[..., Flask], make_user: Callable[..., Any]
) -> None:
    app = make_app(NOW=NOW.isoformat())
    with app.app_context():
        with acting_as("test"):
            create_ticket(
                unit_code="522701",
                category="consult",
                priority="P2",
                channel="电话",
                mode="远程",
                title="刚报告的请求",
                reported_at=NOW - timedelta(minutes=10),
            )
        client = app.test_client()
        make_user("clock-admin", "admin")
        login(client, "clock-admin")
        html = client.get("/tickets?year=2025").get_data(as_text=True)
        assert "刚报告的请求" in html and "剩余 " in html and "已超 " not in html
        response = client.get("/tickets/export?format=csv")
        assert response.status_code == 200
        assert "工单-20250508-12" in unquote(response.headers["Content-Disposition"])


def test_a_survey_answer_is_stamped_by_the_demo_clock(
    make_app: Callable[..., Flask], make_user: Callable[..., Any]
) -> None:
    app = make_app(NOW=NOW.isoformat())
    with app.app_context():
        client = app.test_client()
        make_user("clock-unit", "unit", "522701")
        login(client, "clock-unit")
        response = client.post("/survey", data={"unit": "522701", "period": "2025", "score": "5", "comment": "好"})
        assert response.status_code == 302, response.get_data(as_text=True)
        stored = db.session.scalars(select(SurveyResponse)).one()
        assert _near_now(stored.responded_at)
