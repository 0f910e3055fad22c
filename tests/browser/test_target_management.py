"""Browser: the admin adds an http target in the form (pointing at a real local web site), presses 立即检查
and sees the result, pauses and resumes it. Also takes the screenshots of docs/monitoring.md."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browser.conftest import screenshot_folder
from tests.local_site import LocalSite, local_site

pytestmark = pytest.mark.browser
NAME = "州政务服务门户"


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with local_site() as running:
        yield running


def test_admin_adds_an_http_target_checks_it_now_pauses_and_resumes_it(
    open_session: Any, site: LocalSite, tmp_path: Path
) -> None:
    folder = screenshot_folder(tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    admin = open_session("admin")
    page = admin.page
    assert admin.goto("/monitoring/targets").status == 200
    page.get_by_role("link", name="新建监测对象").click()
    assert page.locator("h1").first.inner_text() == "新建监测对象"

    # The kind chooses the sections shown: a TCP target asks for host and port, not a URL.
    page.get_by_label("类型", exact=True).select_option("tcp")
    assert page.get_by_label("端口", exact=True).is_visible() and not page.get_by_label("网址（URL）").is_visible()
    page.get_by_label("类型", exact=True).select_option("http")
    assert page.get_by_label("网址（URL）").is_visible() and not page.get_by_label("端口", exact=True).is_visible()

    # A wrong address and interval are refused next to their fields, in Chinese; nothing is saved.
    page.get_by_label("名称", exact=True).fill(NAME)
    page.get_by_label("网址（URL）").fill("portal.qiannan.gov")
    page.get_by_label("检查间隔（秒）").fill("3")
    page.get_by_role("button", name="添加监测对象").click()
    page.wait_for_load_state()
    assert page.locator("#url-error").inner_text() == "必须是 http:// 或 https:// 开头的完整地址"
    assert page.locator("#interval_seconds-error").inner_text() == "必须是不小于 5 的整数"
    assert page.get_by_label("名称", exact=True).input_value() == NAME  # what was typed stays
    page.get_by_label("页面关键字").fill("运维门户")
    page.screenshot(path=str(folder / "target-form.png"), full_page=True)

    page.get_by_label("网址（URL）").fill(site.url("/"))
    page.get_by_label("检查间隔（秒）").fill("60")
    page.get_by_label("正常的 HTTP 状态码").fill("200")
    page.get_by_label("响应时间上限（毫秒）").fill("3000")
    page.get_by_label("TLS 证书到期提前告警（天）").fill("30")
    page.get_by_role("button", name="添加监测对象").click()
    page.wait_for_load_state()
    assert page.locator("h1").first.inner_text().startswith(NAME)
    assert f"已添加监测对象「{NAME}」" in page.locator(".flash").first.inner_text()
    assert "尚无探测结果" in page.content()

    page.get_by_role("button", name="立即检查").click()
    page.wait_for_load_state()
    message = page.locator(".flash").first.inner_text()
    assert re.match(r"立即检查：成功，耗时 \d+ 毫秒。HTTP 200", message), message
    assert site.paths == ["/"]  # the server really asked the site
    first = page.locator("table", has_text="检查时间").locator("tbody tr").first.inner_text()
    assert "成功" in first and "HTTP 200" in first
    page.screenshot(path=str(folder / "target-page.png"), full_page=True)

    page.get_by_role("button", name="暂停检查").click()
    page.wait_for_load_state()
    assert f"已暂停检查「{NAME}」" in page.locator(".flash").first.inner_text()
    assert "（已暂停）" in page.locator("dl.facts").inner_text()
    page.get_by_role("button", name="恢复检查").click()
    page.wait_for_load_state()
    assert f"已恢复检查「{NAME}」" in page.locator(".flash").first.inner_text()
    assert page.get_by_role("button", name="暂停检查").is_visible()
    assert admin.goto("/monitoring/targets").status == 200
    row = page.locator("tr", has_text=NAME).inner_text()
    assert "正常" in row and "服务器" in row


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_monitoring_management_pages_fit_a_phone(open_session: Any) -> None:
    admin = open_session("admin", viewport={"width": 390, "height": 844})
    page = admin.page
    assert admin.goto("/monitoring/targets/new").status == 200 and _fits(page)
    page.get_by_label("类型", exact=True).select_option("push")
    assert not page.get_by_label("网址（URL）").is_visible() and not page.get_by_label("由谁检查").is_visible()
    page.get_by_label("名称", exact=True).fill("州数据交换心跳")
    page.get_by_label("检查间隔（秒）").fill("300")
    page.get_by_role("button", name="添加监测对象").click()
    page.wait_for_load_state()
    url = page.locator("#heartbeat-url").inner_text()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/v1/heartbeat/\S{30,}", url) and _fits(page)
    assert requests.post(url, timeout=30).status_code == 200  # the address shown works as it is (no session)
    page.get_by_role("link", name="已保存，查看监测对象").click()
    page.wait_for_load_state()
    assert url not in page.content() and "收到心跳" in page.content() and _fits(page)
    assert admin.goto("/monitoring/agents").status == 200 and _fits(page)
