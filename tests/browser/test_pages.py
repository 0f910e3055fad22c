"""Real-browser scenarios: logins per role, the vendor's ticket, the dashboard, maintenance approval,
unit isolation, the quarterly report download, error pages, a phone-sized layout, and the screenshots."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, external_references, screenshot_folder

pytestmark = pytest.mark.browser

ROLE_USERS = {
    "admin": ("admin", ["总览", "服务工单", "监测对象", "计划维护", "用户", "API 令牌", "任务日志", "运维报告"]),
    "vendor": ("vendor", ["总览", "服务工单", "监测对象", "计划维护", "例行检查"]),
    "unit": ("duyun", ["总览", "服务工单", "满意度", "绩效指标"]),
    "auditor": ("auditor", ["总览", "审计日志", "监测对象"]),
}
NOT_FOR = {
    "vendor": ["用户", "审计日志", "预算支付"],
    "unit": ["监测对象", "停机记录", "用户", "审计日志", "任务日志"],
    "auditor": ["用户", "API 令牌", "计划维护"],
    "admin": ["审计日志"],
}


def nav_labels(page: Any) -> list[str]:
    return [text.strip() for text in page.locator("#sidenav a").all_inner_texts()]


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_each_role_logs_in_and_sees_its_navigation(open_session: Any, role: str) -> None:
    username, expected = ROLE_USERS[role]
    session = open_session(username)
    page = session.page
    assert page.locator("h1").first.inner_text() == "总览"
    labels = nav_labels(page)
    for label in expected:
        assert label in labels, f"{role} should see {label}: {labels}"
    for label in NOT_FOR[role]:
        assert label not in labels, f"{role} should not see {label}"
    # Every link of the navigation opens a page, never a refusal.
    for href in page.locator("#sidenav a").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        response = session.goto(href)
        assert response.status == 200, f"{role}: {href} -> {response.status}"
        assert page.locator("h1").count() >= 1


def test_vendor_logs_a_ticket_records_its_response_and_the_dashboard_shows_it(open_session: Any) -> None:
    vendor = open_session("vendor")
    page = vendor.page
    vendor.goto("/tickets/new")
    page.get_by_label("标题").fill("浏览器测试：督考系统首页打不开")
    page.get_by_label("单位").select_option("522701")
    page.get_by_label("类别").select_option("fault")
    page.get_by_label("优先级").select_option("P2")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert re.search(r"/tickets/\d+$", page.url), page.url
    number = page.locator("h1").inner_text()
    ticket_path = urlpath(page.url)
    # Record the response.
    page.get_by_label("事件").select_option("respond")
    page.get_by_role("button", name="登记").click()
    page.wait_for_load_state()
    assert "已响应" in page.content() or "处理中" in page.content()
    # The dashboard lists the ticket among those due soonest, with a countdown; so does its fragment.
    vendor.goto("/")
    row = page.locator("#h-tickets").locator("xpath=ancestor::section").locator("tr", has_text="浏览器测试")
    assert row.count() == 1, page.content()[:2000]
    assert "解决" in row.inner_text()
    assert re.search(r"剩余|已超时", row.inner_text())
    assert row.locator("a").get_attribute("href") == ticket_path
    assert number.split()[0] in row.inner_text() or row.locator("a").inner_text() in number


def urlpath(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_dashboard_refreshes_itself_from_the_fragment(open_session: Any) -> None:
    session = open_session("admin")
    page = session.page
    box = page.locator("#dashboard")
    assert box.get_attribute("data-refresh-url").startswith("/dashboard/fragment")
    # Shorten the wait instead of sleeping 60 s: the same script, the same fragment.
    page.evaluate("document.querySelector('#dashboard').innerHTML = '<p id=stale>旧内容</p>'")
    page.evaluate(
        """() => fetch(document.querySelector('#dashboard').dataset.refreshUrl, {credentials: 'same-origin'})
             .then(r => r.text()).then(html => { document.querySelector('#dashboard').innerHTML = html; })"""
    )
    page.wait_for_selector("#h-targets")
    assert page.locator("#stale").count() == 0
    with page.expect_response(re.compile(r"/dashboard/fragment")) as info:
        page.evaluate("window.dispatchEvent(new Event('focus')); document.dispatchEvent(new Event('visibilitychange'))")
    assert info.value.status == 200
    page.wait_for_function("() => document.getElementById('refresh-status').textContent.includes('已自动刷新')")


def test_admin_approves_a_maintenance_window(open_session: Any) -> None:
    vendor = open_session("vendor")
    vendor.goto("/monitoring/maintenance")
    page = vendor.page
    page.get_by_label("开始").fill("2026-12-20T01:00")
    page.get_by_label("结束").fill("2026-12-20T03:00")
    page.get_by_label("维护内容").fill("浏览器测试：数据库补丁升级")
    page.get_by_role("button", name=re.compile("提交|申请|保存")).click()
    page.wait_for_load_state()
    assert "浏览器测试：数据库补丁升级" in page.content()
    admin = open_session("admin")
    admin.goto("/monitoring/maintenance")
    row = admin.page.locator("tr", has_text="浏览器测试：数据库补丁升级")
    assert row.count() == 1
    row.get_by_role("button", name=re.compile("批准")).click()
    admin.page.wait_for_load_state()
    row = admin.page.locator("tr", has_text="浏览器测试：数据库补丁升级")
    assert "已批准" in row.inner_text()
    assert row.get_by_role("button", name=re.compile("批准")).count() == 0


def test_a_unit_user_cannot_open_another_units_ticket(open_session: Any) -> None:
    owner = open_session("duyun")
    owner.goto("/tickets")
    link = owner.page.locator("table a[href^='/tickets/']").first
    href = link.get_attribute("href")
    assert href and re.fullmatch(r"/tickets/\d+", href)
    assert owner.goto(href).status == 200
    other = open_session("fuquan")
    response = other.goto(href)
    assert response.status == 404
    assert "找不到" in other.page.content()
    assert other.page.get_by_role("link", name="返回首页").count() == 1


def test_admin_downloads_the_quarterly_report(open_session: Any, tmp_path: Any) -> None:
    admin = open_session("admin")
    page = admin.page
    admin.goto("/reports?year=2025")
    link = page.locator("a[href*='/reports/quarterly/'][href*='download']").first
    assert link.count() == 1, page.content()[:2000]
    with page.expect_download() as info:
        link.click()
    download = info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.stat().st_size > 1000
    assert target.suffix in (".docx", ".xlsx")
    assert target.read_bytes()[:2] == b"PK"  # an Office Open XML package


def test_error_pages_speak_chinese_with_a_way_back(open_session: Any) -> None:
    vendor = open_session("vendor")
    response = vendor.goto("/admin/users")
    assert response.status == 403
    assert "没有访问此页面的权限" in vendor.page.content()
    assert vendor.goto("/no-such-page").status == 404
    assert "找不到" in vendor.page.content()
    vendor.page.get_by_role("link", name="返回首页").click()
    vendor.page.wait_for_load_state()
    assert vendor.page.locator("h1").first.inner_text() == "总览"


def test_form_errors_appear_next_to_the_field(open_session: Any) -> None:
    admin = open_session("admin")
    page = admin.page
    admin.goto("/admin/users")
    page.get_by_label("用户名").fill("weakling")
    page.get_by_label("初始密码").fill("short")
    page.get_by_label("确认密码").fill("short")
    page.get_by_role("button", name="创建用户").click()
    page.wait_for_load_state()
    field = page.locator(".field.has-error", has=page.get_by_label("初始密码"))
    assert field.count() == 1
    assert "密码长度至少为 8 位" in field.locator(".error").inner_text()
    assert page.get_by_label("初始密码").get_attribute("aria-invalid") == "true"


def test_auditor_filters_and_exports_the_audit_log(open_session: Any, live_server: LiveServer) -> None:
    auditor = open_session("auditor")
    page = auditor.page
    auditor.goto("/audit")
    page.get_by_label("用户").fill("admin")
    page.get_by_label("事件").select_option("login")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state()
    assert "actor=admin" in page.url and "action=login" in page.url
    rows = page.locator("table tbody tr")
    assert rows.count() >= 1
    assert all("admin" in text for text in rows.all_inner_texts())
    with page.expect_download() as info:
        page.get_by_role("link", name="导出 CSV").click()
    content = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert content.splitlines()[0].startswith("时间,用户,事件")
    assert all(",admin,登录," in line for line in content.splitlines()[1:])  # events in words (slatrack.labels)
    auditor.goto("/audit?action=export")
    assert "导出审计日志" in page.content()


def test_the_layout_works_on_a_phone(open_session: Any) -> None:
    phone = open_session("vendor", viewport={"width": 390, "height": 844})
    page = phone.page
    menu = page.get_by_role("button", name="菜单")
    assert menu.is_visible()
    assert not page.locator("#sidenav").is_visible()
    menu.click()
    assert page.locator("#sidenav").is_visible()
    assert menu.get_attribute("aria-expanded") == "true"
    # Nothing wider than the screen except inside scrollable tables.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, width


def test_keyboard_users_can_skip_to_the_content(open_session: Any) -> None:
    session = open_session("admin")
    page = session.page
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "跳到正文"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_the_guard_catches_outside_requests_and_references(open_session: Any) -> None:
    """The fixture's guard itself: a page (faked on the server's address) that loads an outside image."""
    session = open_session()
    html = '<html><body><img src="https://cdn.example.com/logo.png"><a href="/">本站</a></body></html>'
    session.context.route(
        "**/guard-check", lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8")
    )
    session.goto("/guard-check")
    session.page.wait_for_load_state("networkidle")
    caught = list(session.external)
    session.external.clear()  # expected here: do not fail the fixture
    assert "https://cdn.example.com/logo.png" in caught  # the request, aborted
    assert any("references https://cdn.example.com/logo.png" in item for item in caught)  # the HTML scan


def test_no_page_references_another_host() -> None:
    html = '<img src="https://cdn.example.com/x.png"><a href="http://127.0.0.1:5000/">ok</a>'
    assert external_references(html) == ["https://cdn.example.com/x.png"]
    assert external_references('<link href="//fonts.example.org/a.css">') == ["//fonts.example.org/a.css"]
    assert external_references("<style>body{background:url('https://x.example/b.png')}</style>") == [
        "https://x.example/b.png"
    ]


def test_screenshots(open_session: Any, tmp_path: Path) -> None:
    """The dashboard, the ticket queue and the targets page, as committed under docs/screenshots/.

    The committed pictures are refreshed only on request (SLATRACK_UPDATE_SCREENSHOTS=1, SQLite run).
    """
    folder = screenshot_folder(tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    session = open_session("admin", viewport={"width": 1366, "height": 900})
    page = session.page
    for path, name in (("/", "dashboard"), ("/tickets", "tickets"), ("/monitoring/targets", "targets")):
        assert session.goto(path).status == 200
        # The dashboard's figures may still be measured on the server: its script fills them in.
        page.wait_for_function("() => !document.querySelector('[data-pending]')", timeout=30_000)
        page.evaluate("document.fonts.ready")
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        assert (folder / f"{name}.png").stat().st_size > 20_000
    phone = open_session("vendor", viewport={"width": 390, "height": 844})
    phone.goto("/")
    phone.page.wait_for_function("() => !document.querySelector('[data-pending]')", timeout=30_000)
    phone.page.screenshot(path=str(folder / "dashboard-phone.png"), full_page=False)
