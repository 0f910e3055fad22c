"""The demo's 2026 to date carries monitoring evidence (issue 12's leftover): with the clock in April 2026,
`load_demo` gives 2026 a measured 系统故障率 on the indicators and the dashboard, the March portal outage
with its cause, handling and answered fault ticket, and a submitted 2026Q1 report (which needs them)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

from slatrack.audit import acting_as
from slatrack.extensions import db
from slatrack.models import Outage, Report
from slatrack.operations.demo.current_monitoring import evidence_end
from slatrack.operations.demo.history import DEMO_PORTAL
from slatrack.operations.demo.loading import load_demo
from slatrack.operations.figures.dashboard import build_dashboard
from slatrack.operations.figures.indicators import indicator_rows
from slatrack.operations.tickets.queries import Viewer
from tests.integration.conftest import login

SH = ZoneInfo("Asia/Shanghai")


def test_the_2026_demo_measures_its_failure_rate(make_app: Callable[..., Flask], make_user: Callable[..., Any]) -> None:
    app = make_app(NOW="2026-04-10T10:02:00+08:00")
    with app.app_context():
        with acting_as("cli:test"):
            load_demo()
        rate = next(r for r in indicator_rows(2026) if r["source"] == "metric:failure_rate")
        assert rate["project_code"] == "YW-2026"
        assert rate["actual"] is not None and 0 < rate["actual"] < 1  # the March outage, measured
        board = build_dashboard(Viewer(role="admin"), 2026)
        card = next(c for c in board.cards if c.metric == "failure_rate")
        assert card.year_actual is not None and card.year_actual == rate["actual"]

        outages = db.session.scalars(select(Outage).where(Outage.start >= datetime(2026, 1, 1, tzinfo=SH))).all()
        portal = [o for o in outages if o.target is not None and o.target.name == DEMO_PORTAL]
        assert [o.start.astimezone(SH) for o in portal] == [datetime(2026, 3, 9, 9, 10, tzinfo=SH)]
        assert all(o.cause and o.handling for o in outages)
        assert all(t.first_response_at is not None for o in outages for t in o.tickets)
        first = db.session.scalar(select(Report).where(Report.period == "2026Q1"))
        assert first is not None and first.submitted_at is not None
        assert evidence_end(datetime(2026, 4, 10, 10, 2, tzinfo=SH)) == datetime(2026, 4, 10, 10, 0, tzinfo=SH)

        client = app.test_client()
        make_user("demo-boss", "admin")
        login(client, "demo-boss")
        html = client.get("/?year=2026").get_data(as_text=True)
        tile = re.search(r'data-metric="failure_rate".*?<div class="value"><span>([^<]*)</span>', html, re.S)
        assert tile is not None and re.fullmatch(r"\d+\.\d{2}%", tile.group(1)), tile
        page = client.get("/indicators?year=2026").get_data(as_text=True)
        row = re.search(r"<td>系统故障率[^<]*</td><td>[^<]*</td>\s*<td>([^<]*)", page)
        assert row is not None and row.group(1).strip() != "" and "待计算" not in row.group(1), row
        assert timedelta(0) < board.now - datetime(2026, 4, 10, 10, 0, tzinfo=SH) < timedelta(minutes=10)
