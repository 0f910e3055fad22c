"""The dashboard's top cards tell the truth at a glance: the year to date against the target, judged as the
indicator table judges it, this quarter beside it, and red the moment a critical target is down; each role
sees its own sections only (the vendor no 督查 rows, the unit its own tickets first and no import buttons)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from slatrack.measure.indicators import MISSED
from slatrack.models import utcnow
from slatrack.operations.figures.dashboard import build_dashboard
from slatrack.operations.tickets.queries import Viewer
from slatrack.web.filters import local_time
from tests.integration.conftest import login
from tests.integration.test_web_dashboard import _target, _ticket

CARD = re.compile(r'<div class="tile headline (\w+)" data-metric="(\w+)" data-state="(\w+)">(.*?)\n  </div>', re.S)


def _cards(html: str) -> dict[str, tuple[str, str, str]]:
    return {metric: (tone, state, body) for tone, metric, state, body in CARD.findall(html)}


def test_the_cards_show_the_year_against_the_target_as_the_table_judges_it(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    now = utcnow().replace(microsecond=0)
    _target("门户网站", results=[True] * 6, now=now)
    make_user("boss", "admin")
    login(client, "boss")
    html = client.get("/?year=2025").get_data(as_text=True)
    cards = _cards(html)
    assert set(cards) >= {"failure_rate", "response_rate"}
    with client.application.app_context():
        board = build_dashboard(Viewer(role="admin"), 2025)
    lines = {line.metric: line for line in board.indicators if line.metric}
    for metric, (tone, state, body) in cards.items():
        line = lines[metric]
        assert state == line.year_state  # no target down: the card is the year's verdict
        assert tone == {"met": "good", "at_risk": "warn", "missed": "bad", "unknown": "neutral"}[state]
        assert f"目标 {line.target_text}" in body
        assert f"{board.year} 年度累计" in body
        assert f"{board.quarter_heading}：" in body and "本季度" not in body  # 2025 is a past year
        # The year's verdict in the table's words and colours.
        assert f'<span class="badge {line.year_state}">' in body
    assert "（目标 ≤5%）" in cards["failure_rate"][2] and "（目标 ≥98%）" in cards["response_rate"][2]
    assert "停机中" not in html


def test_a_critical_target_down_turns_the_system_card_red_with_since_when(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    now = utcnow().replace(microsecond=0)
    _target("门户网站", results=[True] * 6, now=now)
    # Four failures in a row, three needed: confirmed down since the first failure (3 minutes ago).
    _target("数据库", results=[True, True, False, False, False, False], now=now)
    # A non-critical target down does not turn the card red by itself.
    _target("测试机", results=[False] * 6, now=now, critical=False)
    make_user("boss", "admin")
    login(client, "boss")
    tone, state, body = _cards(client.get("/?year=2025").get_data(as_text=True))["failure_rate"]
    assert (tone, state) == ("bad", MISSED)
    assert "关键对象“数据库”停机中" in body and "测试机" not in body
    assert re.search(r"自 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2} 起", body)
    assert f"自 {local_time(now - timedelta(minutes=3))} 起" in body  # the first failed check
    # The other cards keep their own verdict.
    assert "停机中" not in _cards(client.get("/?year=2025").get_data(as_text=True))["response_rate"][2]


def test_a_failing_check_not_yet_confirmed_is_not_down(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    now = utcnow().replace(microsecond=0)
    _target("数据库", results=[True, True, True, True, False, False], now=now)
    make_user("boss", "admin")
    login(client, "boss")
    html = client.get("/?year=2025").get_data(as_text=True)
    assert "停机中" not in _cards(html)["failure_rate"][2]


def test_the_unit_sees_the_alarm_without_the_monitoring_details(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    now = utcnow().replace(microsecond=0)
    _target("数据库", results=[True, False, False, False], now=now)
    _ticket("522701", "都匀：门户无法登录", 10)
    make_user("duyun", "unit", "522701")
    login(client, "duyun")
    html = client.get("/?year=2025").get_data(as_text=True)
    tone, _, body = _cards(html)["failure_rate"]
    assert tone == "bad" and "关键系统停机中" in body and "数据库" not in html
    # The unit's dashboard leads with a one-tap new request and its own tickets (我的待办).
    tiles = html[html.index('<div class="tiles role-unit">') :]
    assert tiles.index('href="/tickets/new"') < tiles.index("tile headline")
    assert "＋ 新建请求" in html and 'id="h-tickets">我的待办</h2>' in html
    # No import buttons for a unit.
    queue = client.get("/tickets").get_data(as_text=True)
    assert "下载导入模板" not in queue and "/tickets/import" not in queue


def test_the_vendor_sees_no_bureau_supervision_rows(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    make_user("boss", "admin")
    make_user("eng", "vendor")
    login(client, "boss")
    admin_html = client.get("/?year=2025").get_data(as_text=True)
    assert "督查考评事务管理项目" in admin_html
    client.post("/logout")
    login(client, "eng")
    vendor_html = client.get("/?year=2025").get_data(as_text=True)
    assert "督查考评事务管理项目" not in vendor_html and "督查调研" not in vendor_html
    assert "系统故障率" in vendor_html and "黔南州督考绩效管理综合运用系统运维经费" in vendor_html
    queue = client.get("/tickets").get_data(as_text=True)
    assert "下载导入模板" in queue  # the vendor imports tickets


def test_the_vendor_board_keeps_only_the_contract_projects(app: Flask) -> None:
    vendor = build_dashboard(Viewer(role="vendor"), 2025)
    admin = build_dashboard(Viewer(role="admin"), 2025)
    assert {line.project_code for line in vendor.indicators} == {"YW-2025"}
    assert {line.project_code for line in admin.indicators} == {"YW-2025", "DK-2025"}
