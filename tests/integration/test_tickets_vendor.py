"""Vendor logs through a mapping (issue 19): header detection over title rows and monthly sheets, joined
date and time, value maps and defaults, GBK CSV, the CLI, and a bad date that writes nothing."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from slatrack.audit import acting_as
from slatrack.extensions import db
from slatrack.models import AuditRecord, ImportMapping, Ticket, TicketEvent
from slatrack.operations.tickets import mapping as maps
from slatrack.operations.tickets.vendor_import import check_vendor_file
from tests.integration.conftest import login
from tests.integration.vendor_logs import HEADER, JULY, JUNE, MAPPING, vendor_csv, vendor_xlsx

SH = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


def tickets() -> dict[str, Ticket]:
    return {t.title: t for t in db.session.scalars(select(Ticket))}


# title -> unit code, report time, channel, mode, first response
EXPECTED = {
    "无法登录系统": ("522701", local(2025, 5, 6, 9, 30), "电话", "远程", local(2025, 5, 6, 9, 45)),
    "报表导出失败": ("522722", local(2025, 5, 6, 14, 5), "微信", "上门", local(2025, 5, 7, 15, 0)),
    "咨询账号权限": ("522700", local(2025, 5, 8, 8, 10), "电话", "远程", None),
    "打印机驱动": ("522723", local(2025, 6, 9, 10, 0), "现场", "上门", local(2025, 6, 9, 10, 20)),
    "数据核对": ("522725", local(2025, 6, 10, 16, 30), "电话", "远程", local(2025, 6, 11, 9, 0)),
}


def check_against_file(expected: dict[str, tuple[str, datetime, str, str, datetime | None]]) -> None:
    found = tickets()
    assert set(found) == set(expected)
    for title, (unit, reported, channel, mode, responded) in expected.items():
        ticket = found[title]
        assert ticket.unit.code == unit, title
        assert ticket.reported_at == reported, title
        assert (ticket.channel, ticket.mode) == (channel, mode), title
        assert (ticket.category, ticket.priority) == ("guidance", "P3"), title
        assert ticket.first_response_at == responded, title
        events = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).all()
        # The response event keeps the time the file states, though it is entered long after.
        assert [(e.type, e.at) for e in events] == ([("respond", responded)] if responded else []), title


def test_cli_imports_a_two_month_xlsx_with_a_merged_title_row(app: Flask, tmp_path: Path) -> None:
    source = tmp_path / "运维记录.xlsx"
    source.write_bytes(vendor_xlsx())
    mapping = tmp_path / "map.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    runner = app.test_cli_runner()
    unmapped = runner.invoke(args=["tickets", "import", str(source)])
    assert unmapped.exit_code != 0 and "请用 --mapping MAP.toml 指定列的映射" in unmapped.output
    result = runner.invoke(args=["tickets", "import", str(source), "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    assert "已导入 5 张工单，跳过已存在的 0 张" in result.output
    with app.app_context():
        check_against_file(EXPECTED)
        ticket = tickets()["报表导出失败"]
        assert ticket.description == "报表导出失败\n处理人：赵工\n处理结果：已修复"
        assert ticket.requester == "李四"
        imported = db.session.scalars(select(AuditRecord).where(AuditRecord.object_type == "tickets")).all()
        assert len(imported) == 5 and {r.detail for r in imported} == {"import"}
    again = runner.invoke(args=["tickets", "import", str(source), "--mapping", str(mapping)])
    assert "已导入 0 张工单，跳过已存在的 5 张" in again.output


def test_cli_imports_a_gbk_csv_detected_or_named(app: Flask, tmp_path: Path) -> None:
    source = tmp_path / "july.csv"
    source.write_bytes(vendor_csv(JULY, "gbk"))
    mapping = tmp_path / "map.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    runner = app.test_cli_runner()
    wrong = runner.invoke(args=["tickets", "import", str(source), "--mapping", str(mapping), "--encoding", "utf-8"])
    assert wrong.exit_code != 0 and "文件不是 utf-8 编码" in wrong.output
    result = runner.invoke(args=["tickets", "import", str(source), "--mapping", str(mapping), "--encoding", "gbk"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        check_against_file(
            {
                "邮箱无法收信": ("522701", local(2025, 7, 1, 9, 0), "电话", "远程", local(2025, 7, 1, 9, 20)),
                "电脑蓝屏": ("522702", local(2025, 7, 2, 11, 15), "现场", "上门", local(2025, 7, 2, 13, 0)),
            }
        )
    utf8 = tmp_path / "july-utf8.csv"
    utf8.write_bytes(vendor_csv([[*JULY[0][:6], "另一件事", *JULY[0][7:]]], "utf-8-sig"))
    detected = runner.invoke(args=["tickets", "import", str(utf8), "--mapping", str(mapping)])
    assert "已导入 1 张工单" in detected.output, detected.output


def test_a_bad_date_writes_nothing_and_names_row_and_column(app: Flask, tmp_path: Path) -> None:
    june = [JUNE[0], [2, "6月31日", "16:30", "522725", "吴六", "电话", "数据核对", "远程", "", "王工", ""]]
    source = tmp_path / "bad.xlsx"
    source.write_bytes(vendor_xlsx(june=june))
    mapping = tmp_path / "map.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["tickets", "import", str(source), "--mapping", str(mapping)])
    assert result.exit_code != 0
    # Row 5 of the June sheet (title, blank, header, then the data); the date is column B.
    assert "第 5 行「日期（B 列，工作表「6月」）、时间（C 列，工作表「6月」）」：不存在的日期：6月31日" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_the_guessed_mapping_and_its_file_round_trip(app: Flask) -> None:
    guessed = maps.guess(HEADER)
    assert guessed.columns["reported_at"] == ["日期", "时间"]
    assert guessed.columns["unit"] == ["单位"] and guessed.columns["channel"] == ["来源"]
    assert guessed.columns["mode"] == ["处理方式"] and guessed.columns["responded_at"] == ["响应时间"]
    assert guessed.columns["title"] == guessed.columns["description"] == ["问题描述"]
    assert guessed.values["mode"]["现场"] == "上门"
    assert guessed.defaults == {"category": "consult", "priority": "P3"}
    assert maps.parse(maps.to_toml(guessed)) == guessed
    with acting_as("test"):
        checked = check_vendor_file(io.BytesIO(vendor_xlsx()), "log.xlsx", None)
    assert checked.result.ok, checked.result.errors
    assert [s.name for s in checked.sheets] == ["5月", "6月"] and checked.sheets[0].header_row == 3
    assert checked.sheets[1].year == 2025
    assert [p["报告时间"] for p in checked.preview][:2] == ["2025-05-06 09:30", "2025-05-06 14:05"]
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0  # a preview writes nothing


def test_a_malformed_mapping_is_refused_naming_the_fault(app: Flask) -> None:
    import pytest

    from slatrack.operations import OperationError

    with pytest.raises(OperationError, match="未知的字段：colour"):
        maps.parse('[columns]\ncolour = "颜色"\nunit="单位"')
    with pytest.raises(OperationError, match="映射缺少：类别"):
        maps.parse(MAPPING.replace('category = "guidance"', ""))


def _page(client: FlaskClient, data: dict[str, object]) -> Any:
    return client.post("/tickets/import/mapped", data=data, content_type="multipart/form-data")


def test_the_page_guesses_previews_saves_downloads_and_imports(
    client: FlaskClient, make_user: Callable[..., Any], app: Flask
) -> None:
    make_user("vendor1", "vendor")
    assert login(client, "vendor1").status_code == 302
    assert client.get("/tickets/import/mapped").status_code == 200
    first = _page(client, {"file": (io.BytesIO(vendor_xlsx()), "运维记录.xlsx"), "action": "preview"})
    page = first.get_data(as_text=True)
    # The guess defaults the category to 答疑; the preview shows what would be stored, nothing is written.
    assert first.status_code == 200, page
    assert "预览：共 5 行，没有错误" in page and "2025-05-06 14:05" in page and "荔波县" in page
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
    token = re.search(r'name="upload" type="hidden" value="([^"]+)"', page) or re.search(
        r'id="upload" name="upload" type="hidden" value="([^"]+)"', page
    )
    assert token is not None
    upload = token.group(1)
    # A bad mapping value is named; the upload is kept.
    bad = _page(client, {"upload": upload, "mapping": MAPPING.replace('"上门"', '"飞行"'), "action": "preview"})
    assert bad.status_code == 422 and "未知的方式：飞行" in bad.get_data(as_text=True)
    assert "处理方式（H 列，工作表「5月」）" in bad.get_data(as_text=True)
    saved = _page(client, {"upload": upload, "mapping": MAPPING, "name": "运维月报", "action": "save"})
    assert "已保存映射「运维月报」" in saved.get_data(as_text=True)
    with app.app_context():
        kept = db.session.scalar(select(ImportMapping))
        assert kept is not None and kept.name == "运维月报"
        kept_id = kept.id
    loaded = _page(client, {"upload": upload, "saved": str(kept_id), "action": "load"})
    assert "guidance" in loaded.get_data(as_text=True)
    download = _page(client, {"mapping": MAPPING, "action": "download"})
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert maps.parse(download.get_data(as_text=True)) == maps.parse(MAPPING)
    done = _page(client, {"upload": upload, "mapping": MAPPING, "action": "import"})
    assert "导入完成：新建 5 张" in done.get_data(as_text=True)
    with app.app_context():
        check_against_file(EXPECTED)


def test_the_page_is_for_staff_only(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    make_user("unit1", "unit")
    assert login(client, "unit1").status_code == 302
    assert client.get("/tickets/import/mapped").status_code == 403
