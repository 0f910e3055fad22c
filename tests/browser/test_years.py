"""A new fiscal year from the admin's pages in a real browser: copy next year's projects from this year, enter
the next contract round, preview an approval form; then the dashboard of that year shows the project.
The pictures are those of docs/years.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, Session, clock_server, screenshot_folder
from tests.integration.approval_forms import approval_workbook

pytestmark = pytest.mark.browser
PROJECT = "黔南州督考绩效管理综合运用系统运维经费"


def _shot(page: Any, folder: Path, name: str) -> None:
    page.evaluate("document.fonts.ready")
    page.screenshot(path=str(folder / name), full_page=True)
    assert (folder / name).stat().st_size > 20_000


def test_admin_sets_up_the_next_year(open_session: Any, browser: Any, live_server: LiveServer, tmp_path: Path) -> None:
    folder = screenshot_folder(tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    session = open_session("admin", viewport={"width": 1366, "height": 900})
    page = session.page

    # The next year's projects, copied from this year's (the demo holds 2025 and 2026).
    assert session.goto("/admin/projects").status == 200
    assert page.input_value("#copy-year") == "2027" and page.input_value("#copy-from") == "2026"
    page.get_by_role("button", name="复制年度").click()
    page.wait_for_selector("text=已从 2026 年度复制：DK-2027、YW-2027")
    assert page.locator("#h-year-2027").count() == 1
    _shot(page, folder, "years-projects.png")

    # Its budget and a changed target.
    page.locator("section", has=page.locator("#h-year-2027")).get_by_role("link", name="修改").last.click()
    page.wait_for_selector("h1:has-text('2027 年度')")
    assert page.get_by_label("第 1 行编号").input_value() == "YW-2027-TAIL"  # 2026's lines, renamed
    page.get_by_label("第 1 行金额").fill("60000")
    page.get_by_role("button", name="保存项目").click()
    page.wait_for_selector("text=已保存项目 YW-2027")
    assert "项目总额 ¥512,000.00" in page.content()  # 60,000 carried over + 452,000 of the year
    row = page.locator("tr", has=page.get_by_role("cell", name="服务响应率", exact=True))
    row.locator("summary").click()
    row.get_by_label("指标值", exact=True).fill("99.5")
    row.get_by_role("button", name="保存指标").click()
    page.wait_for_selector("text=已保存指标")
    assert row.locator("td").nth(4).inner_text() == "≥99.5%"
    _shot(page, folder, "years-project.png")

    # The next contract round: the terms start as the latest contract's; an overlap is refused beside the dates.
    assert session.goto("/admin/contracts").status == 200
    page.get_by_label("合同编号").fill("OM-2027")
    page.get_by_label("合同名称").fill("黔南州督考绩效管理综合运用系统运维服务(2027年度采购)")
    page.get_by_label("乙方（服务单位）").fill("贵州某信息技术有限公司")
    page.get_by_label("开始日期").fill("2026-12-01")
    page.get_by_label("结束日期").fill("2027-12-31")
    page.get_by_label("支付该合同的预算项目").select_option("YW-2027")
    page.get_by_role("button", name="新建合同").click()
    page.wait_for_selector("text=与合同 OM-2026")
    assert page.locator(".has-error #f-start").count() == 1
    page.get_by_label("开始日期").fill("2027-01-01")
    page.get_by_role("button", name="新建合同").click()
    page.wait_for_selector("text=已新建合同 OM-2027")
    contract = page.locator("tr", has=page.get_by_role("cell", name="OM-2027", exact=True))
    assert contract.locator("td").nth(5).inner_text() == "YW-2027"
    _shot(page, folder, "years-contracts.png")

    # An approval form uploaded: the preview of what it will create, nothing written yet.
    source = tmp_path / "2028年批复表.xlsx"
    source.write_bytes(approval_workbook(2028))
    assert session.goto("/admin/forms/import").status == 200
    page.set_input_files("input[name=file]", str(source))
    page.get_by_role("button", name="检查并预览").click()
    page.wait_for_selector("text=预览：将创建 2 个项目，共 29 个指标")
    _shot(page, folder, "years-forms-import.png")
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_selector("text=已导入：DK-2028、YW-2028，共 29 个指标")

    # The dashboard of that year shows the new project.
    assert session.goto("/?year=2027").status == 200
    assert page.locator("select[name=year] option", has_text="2027").count() == 1
    # The year's indicators are drawn once counted (the page fetches them): the new project's rows among them.
    page.wait_for_selector(f"tr.indicator-project:has-text('{PROJECT}')", timeout=90_000)
    assert "2027 年度" in page.content()

    # And on a day of that year (the application's clock set to 2027-01-20, within the passwords' 90 days),
    # the dashboard opens on 2027 and its first quarter by itself, with the new project's indicators.
    with clock_server(live_server, "2027-01-20") as later:
        other = Session(browser, later)
        try:
            other.login("admin")
            other.page.goto("/")
            other.page.wait_for_selector(f"tr.indicator-project:has-text('{PROJECT}')", timeout=90_000)
            content = other.page.content()
            assert "2027 年度" in content and "2027Q1" in content
            assert other.external == [] and other.csp_violations == []
        finally:
            other.close()
