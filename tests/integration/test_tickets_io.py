"""Ticket import and export: date forms, whole-file rejection, re-import, .csv and .xlsx round trips, CLI."""

# Excel cells hold naive local wall times, so these tests build naive datetimes on purpose.
# ruff: noqa: DTZ001

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from openpyxl import Workbook, load_workbook
from sqlalchemy import delete, func, select

from slatrack.audit import acting_as
from slatrack.extensions import db
from slatrack.models import AuditRecord, Ticket, TicketEvent, TicketSequence
from slatrack.operations.tickets.columns import COLUMNS
from slatrack.operations.tickets.export import export, template
from slatrack.operations.tickets.importing import import_tickets
from slatrack.operations.tickets.lifecycle import create_ticket, record_event

SH = ZoneInfo("Asia/Shanghai")
HEADER = [
    "单位",
    "报告时间",
    "类别",
    "优先级",
    "渠道",
    "方式",
    "标题",
    "描述",
    "报告人",
    "响应时间",
    "解决时间",
    "关闭时间",
]


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


def xlsx(rows: list[list[Any]], header: list[str] = HEADER) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    stream = io.BytesIO()
    book.save(stream)
    stream.seek(0)
    return stream


def csv_file(rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8-sig") -> io.BytesIO:
    lines = [",".join(header)] + [",".join(row) for row in rows]
    return io.BytesIO("\r\n".join(lines).encode(encoding))


def count(model: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


CLEAN = [
    # Real datetime cell (naive = Beijing time), unit by name, category by Chinese name.
    [
        "都匀市",
        datetime(2025, 5, 10, 9, 30),
        "答疑",
        "P3",
        "电话",
        "远程",
        "无法登录",
        "",
        "张三",
        datetime(2025, 5, 10, 9, 45),
        datetime(2025, 5, 10, 10, 30),
        datetime(2025, 5, 11, 9, 0),
    ],
    # Excel serial date (45789.5 = 2025-05-12 12:00), unit by code, category by code.
    ["522702", 45789.5, "data", "P2", "微信", "远程", "数据导入", "导入失败", "李四", "", "", ""],
    # Written by people.
    ["荔波县", "2025/5/10 9:30", "故障处理", "P1", "系统", "上门", "服务器宕机", "", "", "2025/5/10 9:40", "", ""],
    ["贵定县", "2025-05-10 09:30:00", "业务培训", "P4", "现场", "上门", "培训新人", "", "", "", "", ""],
]


def test_clean_xlsx_import_with_every_date_form(app: Flask) -> None:
    with acting_as("test"):
        result = import_tickets(xlsx(CLEAN), "log.xlsx")
    assert result.errors == [] and result.created == 4 and result.skipped == 0
    tickets = {t.title: t for t in db.session.scalars(select(Ticket))}
    first = tickets["无法登录"]
    assert first.unit.code == "522701" and first.category == "consult" and first.requester == "张三"
    assert first.reported_at == local(2025, 5, 10, 9, 30)
    assert first.status == "closed" and first.first_response_at == local(2025, 5, 10, 9, 45)
    assert [e.type for e in first.events] == ["respond", "resolve", "close"]
    assert first.import_key is not None and first.contract is not None
    trail = db.session.scalars(
        select(AuditRecord).where(AuditRecord.object_type == "tickets", AuditRecord.object_id == str(first.id))
    ).one()
    assert (trail.actor, trail.action, trail.after["number"], trail.after["status"]) == (  # type: ignore[index]
        "test",
        "create",
        first.number,
        "closed",
    )
    imported = select(func.count()).select_from(AuditRecord).where(AuditRecord.detail == "import")
    assert db.session.scalar(imported) == 4 + 4  # each ticket and each of the 4 events
    assert tickets["数据导入"].reported_at == local(2025, 5, 12, 12, 0)
    assert tickets["数据导入"].unit.name == "福泉市" and tickets["数据导入"].status == "open"
    assert tickets["服务器宕机"].reported_at == local(2025, 5, 10, 9, 30)
    assert tickets["服务器宕机"].status == "in_progress"
    assert tickets["培训新人"].reported_at == local(2025, 5, 10, 9, 30)
    # Numbers in report order within the year, and the sequence moves past them.
    assert sorted(t.number for t in tickets.values()) == [f"YW-2025-{n:04d}" for n in range(1, 5)]
    assert tickets["数据导入"].number == "YW-2025-0004"
    assert db.session.get(TicketSequence, 2025).last == 4  # type: ignore[union-attr]
    with acting_as("test"):
        later = create_ticket(
            unit_code="522701",
            category="consult",
            priority="P3",
            channel="电话",
            mode="远程",
            title="后来的",
            reported_at=local(2025, 6, 1, 9, 0),
        )
    assert later.number == "YW-2025-0005"


def test_a_file_with_bad_rows_is_rejected_whole_with_every_fault_named(app: Flask) -> None:
    rows = [
        CLEAN[0],
        ["火星县", "2025/5/10 9:30", "答疑", "P3", "电话", "远程", "未知单位", "", "", "", "", ""],
        ["都匀市", "2025/5/10 9:30", "闲聊", "P3", "电话", "远程", "未知类别", "", "", "", "", ""],
        ["都匀市", "上周五上午", "答疑", "P3", "电话", "远程", "时间不对", "", "", "", "", ""],
        ["都匀市", "2025/5/10 9:30", "答疑", "P3", "电话", "远程", "", "", "", "", "", ""],
        ["都匀市", "2025/5/10 9:30", "答疑", "P3", "电话", "远程", "早于报告", "", "", "2025/5/10 9:00", "", ""],
        ["都匀市", "2099/5/10 9:30", "答疑", "P3", "电话", "远程", "未来", "", "", "", "", ""],
        ["都匀市", "2025/5/10 9:30", "答疑", "P3", "电话", "远程", "未解决就关闭", "", "", "", "", "2025/5/11 9:00"],
    ]
    with acting_as("test"):
        result = import_tickets(xlsx(rows), "bad.xlsx")
    found = [(e.row, e.column) for e in result.errors]
    assert found == [
        (3, "单位"),
        (4, "类别"),
        (5, "报告时间"),
        (6, "标题"),
        (7, "响应时间"),
        (8, "报告时间"),
        (9, "关闭时间"),
    ]
    messages = [str(e) for e in result.errors]
    assert messages[0] == "第 3 行「单位」：未知的单位：火星县"
    assert "无法识别的时间：上周五上午" in messages[2]
    assert "早于工单报告时间" in messages[4]
    assert "尚未解决" in messages[6]
    assert result.created == 0
    assert count(Ticket) == 0 and count(TicketEvent) == 0
    assert db.session.get(TicketSequence, 2025) is None


def test_the_same_file_twice_creates_nothing_the_second_time(app: Flask) -> None:
    with acting_as("test"):
        first = import_tickets(xlsx(CLEAN), "log.xlsx")
        second = import_tickets(xlsx(CLEAN), "log.xlsx")
    assert (first.created, first.skipped) == (4, 0)
    assert (second.created, second.skipped, second.errors) == (0, 4, [])
    assert count(Ticket) == 4
    # A duplicated row inside one file is also counted once.
    with acting_as("test"):
        third = import_tickets(xlsx([CLEAN[0], CLEAN[0]]), "dup.xlsx")
    assert (third.created, third.skipped) == (0, 2)


def test_csv_import_gb18030_and_missing_header(app: Flask) -> None:
    rows = [["都匀市", "2025/5/10 9:30", "答疑", "p2", "电话", "远程", "中文编码", "", "王五", "", "", ""]]
    with acting_as("test"):
        result = import_tickets(csv_file(rows, encoding="gb18030"), "log.csv")
    assert result.created == 1
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.requester == "王五" and ticket.priority == "P2"
    from slatrack.operations import OperationError

    with acting_as("test"), pytest.raises(OperationError, match="缺少必需的列：标题"):
        import_tickets(csv_file([], header=[h for h in HEADER if h != "标题"]), "x.csv")
    with acting_as("test"), pytest.raises(OperationError, match="只支持"):
        import_tickets(io.BytesIO(b"x"), "log.txt")


def _history() -> None:
    """Tickets in every kind of state, some with pauses."""
    with acting_as("test"):
        base = {"unit_code": "522701", "channel": "电话", "mode": "远程"}
        a = create_ticket(
            **base,
            category="consult",
            priority="P3",
            title="已关闭",
            description="多行\n描述",
            requester="张三",
            reported_at=local(2025, 5, 10, 9, 0),
        )
        record_event(a, "respond", local(2025, 5, 10, 9, 5), "")
        record_event(a, "pause", local(2025, 5, 10, 9, 30), "等待截图")
        record_event(a, "resume", local(2025, 5, 10, 10, 0), "")
        record_event(a, "resolve", local(2025, 5, 10, 11, 0), "")
        record_event(a, "close", local(2025, 5, 10, 12, 0), "")
        b = create_ticket(
            **{**base, "unit_code": "522702"},
            category="fault",
            priority="P1",
            title="挂起中",
            reported_at=local(2025, 5, 11, 9, 0),
        )
        record_event(b, "respond", local(2025, 5, 11, 9, 5), "")
        record_event(b, "pause", local(2025, 5, 11, 9, 30), "")
        c = create_ticket(
            **base, category="notice", priority="P4", title="已取消, 含逗号", reported_at=local(2025, 5, 12, 9, 0)
        )
        record_event(c, "cancel", local(2025, 5, 12, 9, 1), "重复提交")
        d = create_ticket(
            **base, category="patch", priority="P2", title="挂起后解决", reported_at=local(2025, 6, 1, 9, 0)
        )
        record_event(d, "respond", local(2025, 6, 1, 9, 5), "")
        record_event(d, "pause", local(2025, 6, 1, 9, 10), "")
        record_event(d, "resolve", local(2025, 6, 1, 15, 0), "")
        create_ticket(**base, category="other", priority="P3", title="待响应", reported_at=local(2025, 6, 2, 9, 0))


def _state() -> list[tuple[Any, ...]]:
    return sorted(
        (
            t.number,
            t.unit.code,
            t.reported_at,
            t.category,
            t.priority,
            t.title,
            t.description,
            t.requester,
            t.status,
            t.first_response_at,
            t.resolved_at,
            t.response_due_at,
            t.resolution_due_at,
        )
        for t in db.session.scalars(select(Ticket))
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_round_trips(app: Flask, fmt: str) -> None:
    _history()
    before = _state()
    exported = io.BytesIO()
    export(fmt, exported)
    # The same file into the same database: every row is already there.
    with acting_as("test"):
        again = import_tickets(io.BytesIO(exported.getvalue()), f"export.{fmt}")
    assert (again.created, again.skipped) == (0, 5)
    # Into an empty database: the same tickets, numbers, states and deadlines.
    db.session.execute(delete(TicketEvent))
    db.session.execute(delete(Ticket))
    db.session.commit()
    with acting_as("test"):
        result = import_tickets(io.BytesIO(exported.getvalue()), f"export.{fmt}")
    assert result.errors == [] and result.created == 5
    assert _state() == before
    second = io.BytesIO()
    export(fmt, second)
    if fmt == "csv":
        assert second.getvalue() == exported.getvalue()
        text = exported.getvalue().decode("utf-8-sig")
        assert text.splitlines()[0] == ",".join(COLUMNS)
        assert "2025-05-10 09:30:00~2025-05-10 10:00:00" in text
    else:
        first_rows = list(load_workbook(exported).worksheets[0].iter_rows(values_only=True))
        second_rows = list(load_workbook(second).worksheets[0].iter_rows(values_only=True))
        assert first_rows == second_rows
        assert first_rows[1][2] == datetime(2025, 5, 10, 9, 0)  # a real datetime cell, local time


def test_export_period(app: Flask) -> None:
    _history()
    out = io.BytesIO()
    export("csv", out, start=local(2025, 6, 1, 0, 0), end=local(2025, 6, 2, 0, 0))
    lines = out.getvalue().decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and "挂起后解决" in lines[1]


def test_template_has_the_headers_and_help(app: Flask) -> None:
    out = io.BytesIO()
    template(out)
    book = load_workbook(io.BytesIO(out.getvalue()))
    assert [c.value for c in book.worksheets[0][1]] == list(COLUMNS)
    assert book.worksheets[1].title == "填写说明"


def test_cli_import_export_template(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    source = tmp_path / "log.xlsx"
    source.write_bytes(xlsx(CLEAN).getvalue())
    result = runner.invoke(args=["tickets", "import", str(source)])
    assert result.exit_code == 0, result.output
    assert "已导入 4 张工单，跳过已存在的 0 张" in result.output
    result = runner.invoke(args=["tickets", "import", str(source)])
    assert "已导入 0 张工单，跳过已存在的 4 张" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        csv_file([["火星县", "2025/5/10 9:30", "答疑", "P3", "电话", "远程", "x", "", "", "", "", ""]]).getvalue()
    )
    result = runner.invoke(args=["tickets", "import", str(bad)])
    assert result.exit_code != 0 and "第 2 行「单位」：未知的单位：火星县" in result.output
    out = tmp_path / "out.csv"
    result = runner.invoke(
        args=["tickets", "export", "--format", "csv", "--from", "2025-05-10", "--to", "2025-05-10", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 4  # header + 3 tickets reported on 10 May
    tpl = tmp_path / "tpl.xlsx"
    assert runner.invoke(args=["tickets", "template", "-o", str(tpl)]).exit_code == 0
    assert [c.value for c in load_workbook(tpl).worksheets[0][1]] == list(COLUMNS)


def test_a_number_taken_by_another_ticket_is_refused(app: Flask) -> None:
    _history()
    header = ["工单编号", *HEADER]
    row = [
        "YW-2025-0001",
        "福泉市",
        "2025/7/1 9:00",
        "答疑",
        "P3",
        "电话",
        "远程",
        "别的系统的工单",
        "",
        "",
        "",
        "",
        "",
    ]
    with acting_as("test"):
        result = import_tickets(xlsx([row], header=header), "other.xlsx")
    assert [str(e) for e in result.errors] == [
        "第 2 行「工单编号」：编号 YW-2025-0001 已被另一张工单使用（单位或报告时间不同）"
    ]
    assert count(Ticket) == 5
