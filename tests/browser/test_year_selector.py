"""The one year/quarter selector in a real browser: chosen once, honoured by every period page, and the way
back to the current period."""

from __future__ import annotations

from typing import Any

import pytest

from slatrack.clock import local_today

pytestmark = pytest.mark.browser


def test_the_year_chosen_on_one_page_holds_on_the_others(open_session: Any) -> None:
    today = local_today()
    session = open_session("admin")
    page = session.page
    session.goto("/")
    assert f"{today.year} 年度 · 本季度 {today.year}Q{(today.month - 1) // 3 + 1}" in page.content()
    session.goto("/inspections")
    page.select_option("#period-year", str(today.year - 1))
    page.get_by_role("button", name="查看").click()
    page.wait_for_load_state()
    assert f"{today.year - 1} 年例行检查" in page.content()
    # Through the navigation, as a person would: every period page shows the chosen year.
    for label, heading in (
        ("预算支付", f"{today.year - 1} 年度预算执行"),
        ("绩效指标", f"{today.year - 1} 年度绩效指标"),
        ("运维报告", f"{today.year - 1} 年度运维报告"),
        ("停机记录", f"停机记录（{today.year - 1} 年"),
        ("总览", f"{today.year - 1} 年度 · {today.year - 1}年第4季度"),
    ):
        page.locator("#sidenav").get_by_role("link", name=label, exact=True).click()
        page.wait_for_load_state()
        assert heading in page.content(), label
    # On the dashboard, a quarter; then back to the current period.
    page.select_option("#period-quarter", "2")
    page.get_by_role("button", name="查看").click()
    page.wait_for_load_state()
    assert f"{today.year - 1}年第2季度" in page.content() and "本季度" not in page.content()
    page.get_by_role("link", name="回到本期").click()
    page.wait_for_load_state()
    assert f"{today.year} 年度 · 本季度 {today.year}Q" in page.content()
