"""Real browser: a unit's request is resolved by the vendor and confirmed (or returned) by the unit itself."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def _unit_submits_and_vendor_resolves(open_session: Any, title: str) -> tuple[Any, str]:
    unit = open_session("duyun")
    page = unit.page
    unit.goto("/tickets/new")
    assert page.locator("#reported_at").count() == 0 and page.locator("#priority").count() == 0
    page.get_by_label("标题").fill(title)
    page.get_by_label("类别").select_option("fault")
    page.get_by_label("建议优先级").select_option("P2")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert re.search(r"/tickets/\d+$", page.url), page.url
    path = "/" + page.url.split("/", 3)[3]
    assert "单位建议，待运维方确认" in page.content()

    vendor = open_session("vendor")
    vendor.goto(path)
    for kind in ("respond", "resolve"):
        vendor.page.get_by_label("事件").select_option(kind)
        vendor.page.get_by_role("button", name="登记").click()
        vendor.page.wait_for_load_state()
    assert "已解决" in vendor.page.content()
    assert vendor.page.locator("#confirm-resolution").count() == 0  # the vendor does not close it
    unit.goto(path)
    return unit, path


def test_the_unit_confirms_the_resolution_and_rates_it(open_session: Any) -> None:
    unit, _ = _unit_submits_and_vendor_resolves(open_session, "浏览器测试：确认解决")
    page = unit.page
    page.locator("#confirm-resolution").click()
    page.wait_for_load_state()
    content = page.content()
    assert "已确认解决，请为本次服务评分" in content and "已关闭" in content
    assert page.get_by_label("评分").count() == 1  # the rating is asked at that moment


def test_the_unit_returns_the_request_with_a_reason(open_session: Any) -> None:
    unit, _ = _unit_submits_and_vendor_resolves(open_session, "浏览器测试：退回")
    page = unit.page
    page.locator("#return-reason").fill("问题依旧，仍无法打开")
    page.locator("#return-resolution").click()
    page.wait_for_load_state()
    content = page.content()
    assert "已退回，运维方将继续处理" in content and "使用单位退回：问题依旧，仍无法打开" in content
    assert page.locator("#confirm-resolution").count() == 0
