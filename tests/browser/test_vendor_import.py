"""The vendor-log import page in a real browser: choose the file, preview with the guessed mapping
(the picture in docs/tickets.md), then keep the guessed mapping as a MAP.toml download."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import screenshot_folder
from tests.integration.vendor_logs import vendor_xlsx

pytestmark = pytest.mark.browser


def test_mapping_page_previews_a_vendor_log(open_session: Any, tmp_path: Path) -> None:
    source = tmp_path / "2025年运维服务记录.xlsx"
    source.write_bytes(vendor_xlsx())
    session = open_session("vendor", viewport={"width": 1366, "height": 900})
    page = session.page
    assert session.goto("/tickets/import/mapped").status == 200
    page.set_input_files("input[name=file]", str(source))
    page.click("button[value=preview]")
    page.wait_for_selector("text=预览：共 5 行，没有错误")
    # The guessed mapping is on the page to be edited: date and time joined, 现场 mapped to 上门.
    mapping = page.input_value("textarea[name=mapping]")
    assert 'reported_at = ["日期", "时间"]' in mapping and '"现场" = "上门"' in mapping
    assert page.locator("table").last.locator("tbody tr").count() == 5
    assert "荔波县" in page.content()
    folder = screenshot_folder(tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.fonts.ready")
    page.screenshot(path=str(folder / "import-mapping.png"), full_page=True)
    assert (folder / "import-mapping.png").stat().st_size > 20_000
    with page.expect_download() as download:
        page.click("button[value=download]")
    saved = tmp_path / "map.toml"
    download.value.save_as(saved)
    assert 'unit = "单位"' in saved.read_text(encoding="utf-8")
