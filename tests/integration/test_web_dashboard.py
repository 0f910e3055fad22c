"""The dashboard (总览): targets now, indicators judged met / at risk / missed, due tickets, outages,
charts drawn on the server, the refresh fragment, per-role sections, the indicators page and navigation."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from slatrack.audit import acting_as
from slatrack.measure.indicators import AT_RISK, MET, MISSED, UNKNOWN, elapsed_share, judge
from slatrack.measure.periods import year_period
from slatrack.models import utcnow
from slatrack.operations.figures.dashboard import build_dashboard
from slatrack.operations.figures.live import countdown_text
from slatrack.operations.monitoring.ingest import ingest_results
from slatrack.operations.monitoring.targets import create_target
from slatrack.operations.reference.years import quarter_of
from slatrack.operations.tickets.lifecycle import create_ticket
from slatrack.operations.tickets.queries import Viewer
from slatrack.web.charts import Bar, availability_columns, horizontal_bars
from tests.integration.conftest import login

# ---------------------------------------------------------------- judging an indicator


@pytest.mark.parametrize(
    ("operator", "target", "unit", "actual", "share", "expected"),
    [
        # ≥ a count: met once reached; at risk while on pace; missed when behind or the period is over.
        (">=", 100, "次", 120, 0.5, MET),
        (">=", 100, "次", 55, 0.5, AT_RISK),
        (">=", 100, "次", 40, 0.5, MISSED),
        (">=", 100, "次", 99, 1.0, MISSED),
        # ≥ a rate: at risk when more than 80 % of the allowed shortfall (100 − target) is used.
        (">=", 98, "%", 99.8, 0.5, MET),
        (">=", 98, "%", 98.2, 0.5, AT_RISK),
        (">=", 98, "%", 97.9, 0.5, MISSED),
        # ≤ a limit: at risk above 80 % of it.
        ("<=", 5, "%", 3.9, 0.5, MET),
        ("<=", 5, "%", 4.5, 0.5, AT_RISK),
        ("<=", 5, "%", 5.1, 0.5, MISSED),
        ("<=", 67, "万元", 60, 0.9, AT_RISK),
        # = : met when equal; a count below target but on pace is at risk.
        ("=", 12, "月", 12, 0.2, MET),
        ("=", 4, "次", 2, 0.5, AT_RISK),
        ("=", 4, "次", 1, 0.5, MISSED),
        ("=", 100, "%", 99, 0.5, MISSED),
        # No value yet.
        (">=", 100, "次", None, 0.5, UNKNOWN),
    ],
)
def test_judge(operator: str, target: float, unit: str, actual: float | None, share: float, expected: str) -> None:
    assert judge(operator, target, unit, actual, None, share) == expected


def test_judge_qualitative_follows_the_grade() -> None:
    assert judge("qualitative", None, "", None, True, 0.5) == MET
    assert judge("qualitative", None, "", None, False, 0.5) == MISSED
    assert judge("qualitative", None, "", None, None, 0.5) == UNKNOWN


def test_elapsed_share_and_quarter_of(app: Flask) -> None:
    year = year_period(2025)
    assert elapsed_share(year, datetime(2024, 6, 1, tzinfo=UTC)) == 0.0
    assert elapsed_share(year, datetime(2026, 6, 1, tzinfo=UTC)) == 1.0
    assert elapsed_share(year, datetime(2025, 7, 2, 4, tzinfo=UTC)) == pytest.approx(0.5, abs=0.01)
    assert quarter_of(2025, datetime(2025, 5, 10, tzinfo=UTC)) == "2025Q2"
    assert quarter_of(2025, datetime(2026, 2, 1, tzinfo=UTC)) == "2025Q4"  # a past year: its last quarter
    # 2025-03-31 17:00 UTC is already 1 April in Shanghai.
    assert quarter_of(2025, datetime(2025, 3, 31, 17, tzinfo=UTC)) == "2025Q2"


def test_countdown_text() -> None:
    assert countdown_text(2 * 3600 + 15 * 60 + 30) == "剩余 2小时15分"
    assert countdown_text(-(27 * 3600)) == "已超时 1天3小时"
    assert countdown_text(59) == "剩余 0分"
    assert countdown_text(None) == "—"


# ---------------------------------------------------------------- charts


def test_charts_are_svg_with_their_values_written_out() -> None:
    bars = horizontal_bars([Bar("答疑", 12, "12 件"), Bar("<故障>", 3, "3 件")], title="各类服务请求")
    assert bars.startswith('<svg class="chart" role="img"')
    assert "12 件" in bars and "&lt;故障&gt;" in bars and "<故障>" not in bars
    assert 'aria-label="各类服务请求：答疑 12 件；&lt;故障&gt; 3 件"' in bars
    columns = availability_columns([("4月", 99.5), ("5月", 90.0), ("6月", None)], title="可用率", goal=95.0)
    assert "99.50%" in columns and "90.00%" in columns and "无数据" in columns
    # Below the goal in red, above it in green; the goal line is drawn.
    assert columns.count('fill="#b3261e"') == 1 and columns.count('fill="#1e7d32"') == 1
    assert "目标 95%" in columns
    assert "<script" not in bars + columns


# ---------------------------------------------------------------- the page


def _target(name: str, *, results: list[bool], now: datetime, critical: bool = True) -> None:
    with acting_as("test"):
        create_target(
            {
                "name": name,
                "kind": "tcp",
                "host": "127.0.0.1",
                "port": 5432,
                "interval_seconds": 60,
                "critical": critical,
                "in_process": False,
                "monitored_since": (now - timedelta(days=2)).isoformat(),
            }
        )
        items = [
            {
                "target": name,
                "observed_at": (now - timedelta(minutes=len(results) - 1 - i)).isoformat(),
                "ok": ok,
                "latency_ms": 21.0 if ok else None,
                "detail": "" if ok else "拒绝连接",
                "sample_id": f"{name}-{i}",
            }
            for i, ok in enumerate(results)
        ]
        ingest_results(items, now=now)


def _ticket(unit: str, title: str, minutes_ago: int) -> Any:
    with acting_as("test"):
        return create_ticket(
            unit_code=unit,
            category="fault",
            priority="P2",
            channel="电话",
            mode="远程",
            title=title,
            reported_at=utcnow() - timedelta(minutes=minutes_ago),
        )


@pytest.fixture
def busy(app: Flask) -> dict[str, Any]:
    now = utcnow().replace(microsecond=0)
    _target("门户网站", results=[True] * 6, now=now)
    _target("数据库", results=[True, True, False, False, False, False], now=now)
    fresh = _ticket("522701", "都匀：门户无法登录", 10)
    late = _ticket("522702", "福泉：报表导出失败", 60 * 30)
    return {"now": now, "fresh": fresh, "late": late}


def test_admin_dashboard_shows_every_section(client: FlaskClient, make_user: Callable[..., Any], busy: Any) -> None:
    make_user("boss", "admin")
    login(client, "boss")
    page = client.get("/?year=2025")  # the year with projects (the dashboard opens on the year it is)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>总览</h1>" in html
    # Targets now, down first, with the latest check.
    assert html.index("数据库") < html.index("门户网站")
    assert "停机" in html and "拒绝连接" in html and "21 ms" in html
    # The indicators of both forms, each judged.
    assert "系统故障率" in html and "服务响应率" in html
    assert re.search(r'class="badge (met|at_risk|missed|unknown)"', html)
    # The due tickets with their countdown, the overdue one marked.
    assert "都匀：门户无法登录" in html and "福泉：报表导出失败" in html
    assert re.search(r'countdown overdue">已超时', html)
    assert "剩余" in html
    # The ongoing outage, the inspection months, the quarters' reports, budget execution and charts.
    assert "进行中" in html
    assert html.count('class="m ') == 24
    assert "2025Q1" in html and "2025Q4" in html
    assert "¥670,000.00" in html
    assert html.count('<svg class="chart" role="img"') == 2
    # The script that refreshes it, served locally.
    assert 'data-refresh-url="/dashboard/fragment' in html
    assert '<script src="/static/slatrack.js" defer>' in html


def test_dashboard_judges_the_year_against_every_indicator(app: Flask, busy: Any) -> None:
    board = build_dashboard(Viewer(role="admin"), 2025, now=datetime(2025, 7, 1, tzinfo=UTC))
    assert board.quarter == "2025Q3"
    names = {line.name for line in board.indicators}
    assert {"系统故障率", "服务响应率", "系统运行监控", "系统咨询服务及相关工作"} <= names
    by_name = {line.name: line for line in board.indicators}
    # Quarter figures only for the SLA metrics; budget lines are judged over the year.
    assert by_name["系统故障率"].quarter_state is not None
    assert by_name["系统运维服务资金"].quarter_state is None
    assert sum(board.judgements.values()) == len(board.indicators)


def test_a_unit_user_sees_only_its_own_tickets_and_no_monitoring(
    client: FlaskClient, make_user: Callable[..., Any], busy: Any
) -> None:
    make_user("duyun", "unit", "522701")
    login(client, "duyun")
    html = client.get("/?year=2025").get_data(as_text=True)
    assert "都匀：门户无法登录" in html
    assert "福泉：报表导出失败" not in html
    assert "监测对象当前状态" not in html and "数据库" not in html
    assert "预算执行" not in html
    assert "系统故障率" in html  # the approval form's indicators are public to every role


def test_vendor_sees_no_budget(client: FlaskClient, make_user: Callable[..., Any], busy: Any) -> None:
    make_user("eng", "vendor")
    login(client, "eng")
    html = client.get("/").get_data(as_text=True)
    assert "监测对象当前状态" in html
    assert "预算执行" not in html


def test_the_fragment_is_the_body_alone_and_not_cached(
    client: FlaskClient, make_user: Callable[..., Any], busy: Any
) -> None:
    make_user("boss", "admin")
    login(client, "boss")
    response = client.get("/dashboard/fragment?year=2025")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert "<html" not in body and "<nav" not in body
    assert "监测对象当前状态" in body and "都匀：门户无法登录" in body


def test_the_fragment_needs_a_session(client: FlaskClient) -> None:
    response = client.get("/dashboard/fragment")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_dashboard_works_with_no_data(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    make_user("boss", "admin")
    login(client, "boss")
    html = client.get("/").get_data(as_text=True)
    assert "尚未配置监测对象" in html
    assert "没有待办工单" in html
    assert "近 30 天没有停机" in html


def test_a_year_without_projects_says_so(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    make_user("boss", "admin")
    login(client, "boss")
    html = client.get("/?year=2031").get_data(as_text=True)
    assert "2031 年度尚未设置" in html and "2031 年度没有预算项目和指标" in html
    absurd = client.get("/?year=99999")
    assert absurd.status_code == 422 and "超出范围" in absurd.get_data(as_text=True)


# ---------------------------------------------------------------- indicators page, navigation, errors


def test_indicators_have_their_own_page(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    make_user("duyun", "unit", "522701")
    login(client, "duyun")
    html = client.get("/indicators?year=2025").get_data(as_text=True)
    assert "2025 年度绩效指标" in html and "系统故障率" in html


@pytest.mark.parametrize("role", ["admin", "vendor", "unit", "auditor"])
def test_navigation_links_only_to_pages_the_role_may_open(
    client: FlaskClient, make_user: Callable[..., Any], role: str
) -> None:
    make_user(f"nav-{role}", role)
    login(client, f"nav-{role}")
    html = client.get("/").get_data(as_text=True)
    nav = html[html.index('<nav id="sidenav"') : html.index("</nav>")]
    links = re.findall(r'<a href="([^"]+)"', nav)
    assert links[0] == "/"
    assert len(links) == len(set(links))
    for link in links:
        assert client.get(link).status_code == 200, link
    expected = {"admin": "/admin/users", "auditor": "/audit", "vendor": "/monitoring/maintenance", "unit": "/survey"}
    assert expected[role] in links
    if role != "auditor":
        assert "/audit" not in links
    if role != "admin":
        assert "/admin/users" not in links


def test_error_pages_are_in_chinese_with_a_way_back(
    make_app: Callable[..., Flask], make_user: Callable[..., Any]
) -> None:
    from slatrack.policy import public

    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @public
    def broken() -> str:
        raise RuntimeError("boom")

    app.add_url_rule("/broken", view_func=broken)
    with app.app_context():
        make_user("eng", "vendor")
        client = app.test_client()
        login(client, "eng")
        missing = client.get("/nowhere")
        assert missing.status_code == 404
        assert "找不到您要访问的页面" in missing.get_data(as_text=True)
        assert 'href="/">返回首页' in missing.get_data(as_text=True)
        assert '<nav id="sidenav"' in missing.get_data(as_text=True)  # still signed in: the navigation stays
        refused = client.get("/admin/users")
        assert refused.status_code == 403 and "没有访问此页面的权限" in refused.get_data(as_text=True)
        crashed = client.get("/broken")
        assert crashed.status_code == 500
        text = crashed.get_data(as_text=True)
        assert "服务器处理请求时出错" in text and "boom" not in text


def test_outside_testing_the_figures_are_measured_after_the_response(
    make_app: Callable[..., Flask], make_user: Callable[..., Any]
) -> None:
    import time

    from slatrack.operations.figures import dashboard_figures as dashboard

    app = make_app(TESTING=False)
    with app.app_context():
        make_user("boss", "admin")
        client = app.test_client()
        login(client, "boss")
        dashboard.clear_cache()
        first = client.get("/?year=2025").get_data(as_text=True)  # the year the database has projects for
        # No figures yet: the live sections now, the figures to follow (the script looks again in seconds).
        assert 'data-pending="1"' in first and "正在统计" in first
        assert "系统故障率" not in first
        assert "监测对象当前状态" in first and "即将到期的工单" in first
        deadline = time.monotonic() + 60
        while 'data-pending="1"' in (body := client.get("/dashboard/fragment").get_data(as_text=True)):
            assert time.monotonic() < deadline, "the background measurement never finished"
            time.sleep(0.1)
        assert "系统故障率" in body
        # A change of business data (the data version moves): the page shows the figures it has, marked,
        # while they are measured again. A new account is not business data (it moves nothing).
        with acting_as("test"):
            create_ticket(unit_code="522701", category="consult", priority="P3", channel="电话", mode="远程",
                          title="新工单", reported_at=utcnow() - timedelta(hours=1))  # fmt: skip
        again = client.get("/").get_data(as_text=True)
        assert "系统故障率" in again and 'data-pending="1"' in again and "重新统计" in again
        while 'data-pending="1"' in client.get("/dashboard/fragment").get_data(as_text=True):
            assert time.monotonic() < deadline, "the background measurement never finished"
            time.sleep(0.1)
        dashboard.clear_cache()
