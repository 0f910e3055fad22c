"""The dashboard tells the truth at a glance, and every page fits a phone.

- The system's card turns red within one refresh when a critical target's outage is confirmed, naming the
  target and since when, and shows the year's figure against its target with this quarter beside it.
- At 390 px, no page of the unit or the vendor scrolls sideways (dashboard, queue, a ticket, new request,
  indicators); wide tables become cards.
- At 1366 px, ticket numbers and statuses never wrap.
- Pictures for docs/screenshots/ (phone and desktop), refreshed only with SLATRACK_UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browser.conftest import LiveServer, screenshot_folder

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
CARD = "[data-metric='failure_rate']"


def _api(server: LiveServer) -> dict[str, str]:
    token = server.cli("token", "create", f"truth-{uuid.uuid4().hex[:6]}", "--user", "admin").stdout.strip().split()[-1]
    return {"Authorization": f"Bearer {token}"}


def _results(server: LiveServer, headers: dict[str, str], name: str, oks: list[bool], ago: int = 0) -> None:
    """Checks 20 s apart, the last ``ago`` seconds before now."""
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=ago)
    items = [
        {
            "target": name,
            "observed_at": (now - timedelta(seconds=20 * (len(oks) - 1 - i))).isoformat(),
            "ok": ok,
            "latency_ms": 15.0 if ok else None,
            "detail": "" if ok else "连接被拒绝",
            "sample_id": f"{name}-{uuid.uuid4().hex[:8]}",
        }
        for i, ok in enumerate(oks)
    ]
    response = requests.post(f"{server.url}/api/v1/probe-results", json=items, headers=headers, timeout=60)
    assert response.status_code in (200, 201), response.text


def _refresh(page: Any) -> None:
    """One refresh of the dashboard, as its script does every 60 s (brought forward by a visibility change)."""
    with page.expect_response(re.compile(r"/dashboard/fragment")) as info:
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    assert info.value.status == 200
    page.wait_for_function("() => document.getElementById('refresh-status').textContent.includes('已自动刷新')")


def test_the_card_turns_red_within_one_refresh_when_a_critical_target_goes_down(
    open_session: Any, live_server: LiveServer
) -> None:
    headers = _api(live_server)
    name = f"关键业务库-{uuid.uuid4().hex[:4]}"
    body = {
        "name": name,
        "kind": "tcp",
        "host": "127.0.0.1",
        "port": 5999,
        "critical": True,
        "in_process": False,
        "interval_seconds": 60,
        "monitored_since": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
    }
    created = requests.post(f"{live_server.url}/api/v1/targets", json=body, headers=headers, timeout=30)
    assert created.status_code == 201, created.text
    _results(live_server, headers, name, [True, True], ago=300)
    session = open_session("admin")
    page = session.page
    page.wait_for_function("() => !document.querySelector('[data-pending]')", timeout=30_000)
    card = page.locator(CARD)
    # The year to date against the target, judged in the indicator table's words, this quarter beside it.
    label = card.locator(".label").inner_text()
    assert "系统故障率" in label and "目标 ≤5%" in label
    assert re.fullmatch(r"\d+(\.\d+)?%", card.locator(".value > span").first.inner_text().strip())
    assert re.fullmatch(r"\d{4} 年度累计", card.locator(".scope").inner_text().strip())
    assert re.sub(r"^[✓✕!] ", "", card.locator(".value .badge").inner_text().strip()) in {
        "达成",
        "有风险",
        "未达成",
        "待定",
    }
    assert "本季度" in card.locator(".quarter").inner_text()
    year_badge = card.locator(".value .badge").get_attribute("class")
    table_badge = (
        page.locator("#h-indicators")
        .locator("xpath=ancestor::section")
        .locator("tr", has_text="系统故障率")
        .locator("td")
        .nth(5)
        .locator(".badge")
        .get_attribute("class")
    )
    assert year_badge == table_badge  # the card never disagrees with the table below it
    assert name not in card.inner_text()
    # Three failed checks in a row: the outage is confirmed; the next refresh shows it.
    _results(live_server, headers, name, [False, False, False, False])
    _refresh(page)
    card = page.locator(CARD)
    assert card.get_attribute("data-state") == "missed"
    assert "bad" in (card.get_attribute("class") or "")
    alarm = card.locator(".alarm", has_text=name)
    assert alarm.count() == 1
    assert re.search(r"停机中，自 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d 起", alarm.inner_text())
    # The red is the page's own "bad" colour (--bad), the indicator table's 未达成.
    colour = card.evaluate("el => getComputedStyle(el).borderLeftColor")
    assert colour == "rgb(168, 35, 27)", colour


def _first_ticket(page: Any) -> str:
    href = page.locator("table.tickets a").first.get_attribute("href")
    assert href and re.fullmatch(r"/tickets/\d+", href), href
    return href


@pytest.mark.parametrize("username", ["duyun", "vendor"])
def test_no_page_scrolls_sideways_on_a_phone(open_session: Any, username: str) -> None:
    session = open_session(username, viewport=PHONE)
    page = session.page
    session.goto("/tickets")
    ticket = _first_ticket(page)
    for path in ["/", "/tickets", ticket, "/tickets/new", "/indicators"]:
        assert session.goto(path).status == 200, path
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        viewport = page.evaluate("window.innerWidth")
        assert width <= viewport, f"{username} {path}: {width} px wide in a {viewport} px screen"
    # The queue's table became cards: one per ticket, each labelled by its column headings.
    session.goto("/tickets")
    row = page.locator("table.tickets tbody tr").first
    assert row.evaluate("tr => getComputedStyle(tr).display") == "block"
    assert row.locator("td[data-label='状态']").count() == 1


def test_the_unit_dashboard_leads_with_its_tickets_and_a_new_request(open_session: Any) -> None:
    session = open_session("duyun", viewport=PHONE)
    page = session.page
    page.wait_for_function("() => !document.querySelector('[data-pending]')", timeout=30_000)
    new = page.get_by_role("link", name=re.compile("新建请求"))
    box = new.bounding_box()
    assert box is not None and box["y"] < 844, box  # on the first screen, one tap away
    tickets = page.locator("#h-tickets")
    indicators = page.locator("#h-indicators")
    assert tickets.inner_text() == "我的待办"
    assert tickets.bounding_box()["y"] < indicators.bounding_box()["y"]
    # On the phone: the new request first, then 我的待办, then the figures.
    assert box["y"] < tickets.bounding_box()["y"] < page.locator(".tile.headline").first.bounding_box()["y"]
    new.click()
    page.wait_for_load_state()
    assert page.url.endswith("/tickets/new")


def test_ticket_numbers_and_statuses_do_not_wrap_at_1366(open_session: Any) -> None:
    session = open_session("admin", viewport={"width": 1366, "height": 900})
    page = session.page
    session.goto("/tickets")
    lines = page.evaluate(
        """() => [...document.querySelectorAll('table.tickets td.nowrap')].map(td => {
             const range = document.createRange(); range.selectNodeContents(td);
             return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; })"""
    )
    assert lines and max(lines) == 1, lines


def test_phone_and_desktop_screenshots(open_session: Any, tmp_path: Path) -> None:
    """The unit's phone views and the admin's cards, as committed under docs/screenshots/."""
    folder = screenshot_folder(tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    phone = open_session("duyun", viewport=PHONE)
    for path, name in (
        ("/", "unit-dashboard-phone"),
        ("/tickets", "tickets-phone"),
        ("/indicators", "indicators-phone"),
    ):
        assert phone.goto(path).status == 200
        phone.page.wait_for_function("() => !document.querySelector('[data-pending]')", timeout=30_000)
        phone.page.screenshot(path=str(folder / f"{name}.png"), full_page=False)
        assert (folder / f"{name}.png").stat().st_size > 10_000
    desktop = open_session("admin", viewport={"width": 1366, "height": 900})
    desktop.page.wait_for_function("() => !document.querySelector('[data-pending]')", timeout=30_000)
    desktop.page.locator(".tiles").screenshot(path=str(folder / "dashboard-cards.png"))
    assert (folder / "dashboard-cards.png").stat().st_size > 5_000
