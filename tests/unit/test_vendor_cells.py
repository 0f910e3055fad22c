"""Reading a vendor log's times and finding its header (issue 19)."""

# ruff: noqa: DTZ001 - Excel cells are naive local wall times

from __future__ import annotations

import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from slatrack.operations import OperationError
from slatrack.operations.spreadsheets import find_header, read_sheets
from slatrack.operations.tickets.mapping import known_header
from slatrack.operations.tickets.vendor_cells import read_moment

SH = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ([datetime(2025, 5, 6), time(9, 30)], at(2025, 5, 6, 9, 30)),
        ([datetime(2025, 5, 6, 9, 30)], at(2025, 5, 6, 9, 30)),
        ([45783, "14:05"], at(2025, 5, 6, 14, 5)),
        ([45783.5], at(2025, 5, 6, 12, 0)),
        (["45783", 0.375], at(2025, 5, 6, 9, 0)),
        (["2025/5/6", "8:10"], at(2025, 5, 6, 8, 10)),
        (["2025/5/6 8:10:30"], at(2025, 5, 6, 8, 10, 30)),
        (["2025-05-06"], at(2025, 5, 6, 0, 0)),
        (["2025年5月6日", "9时30分"], at(2025, 5, 6, 9, 30)),
        (["2025年5月6日 9:30"], at(2025, 5, 6, 9, 30)),
        (["5月6日", "16:30"], at(2024, 5, 6, 16, 30)),  # the sheet's year (2024 here)
        ([date(2025, 5, 6), ""], at(2025, 5, 6, 0, 0)),
        ([datetime(1899, 12, 30, 10, 15)], at(2025, 6, 1, 10, 15)),  # Excel time-only cell, the row's date
        (["10:15"], at(2025, 6, 1, 10, 15)),
        (["2025-05-06T09:30:00"], at(2025, 5, 6, 9, 30)),
    ],
)
def test_the_forms_a_log_writes_times_in(cells: list[object], expected: datetime) -> None:
    assert read_moment(cells, SH, 2024, date(2025, 6, 1)) == expected


def test_empty_cells_are_no_time() -> None:
    assert read_moment(["", None], SH, 2025, None) is None


@pytest.mark.parametrize(
    ("cells", "year", "day", "message"),
    [
        (["6月31日"], 2025, None, "不存在的日期：6月31日"),
        (["5月6日"], None, None, "没有年份"),
        (["10:15"], 2025, None, "只有时刻没有日期"),
        (["25:00"], 2025, date(2025, 6, 1), "不存在的时刻"),
        (["昨天上午"], 2025, None, "无法识别的时间：昨天上午"),
    ],
)
def test_bad_times_say_why(cells: list[object], year: int | None, day: date | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_moment(cells, SH, year, day)


def test_the_header_is_found_below_title_and_blank_rows() -> None:
    rows = [
        ("2025年5月运维服务记录", None, None, None),  # a merged title: one value, the rest empty
        (None, None, None, None),
        ("填表人：王工", "审核：李", None, None),
        ("序号", "日期", "单位", "问题描述"),
        (1, "5月6日", "都匀市", "无法登录"),
    ]
    assert find_header(rows, known_header, None) == 3
    assert find_header(rows, known_header, 4) == 3
    with pytest.raises(OperationError, match="超出了文件的范围"):
        find_header(rows, known_header, 9)
    with pytest.raises(OperationError, match="找不到表头"):
        find_header(rows[:3], known_header, None)


def test_a_csv_log_in_gbk_reads_with_its_sheet_year_and_file_row_numbers() -> None:
    text = "2025年7月服务记录\r\n\r\n序号,日期,单位\r\n1,7月1日,都匀市\r\n,,\r\n2,7月2日,福泉\r\n"
    found = list(read_sheets(io.BytesIO(text.encode("gbk")), "七月.csv", known_header, max_rows=10))
    assert [(number, values["日期"]) for _, number, values in found] == [(4, "7月1日"), (6, "7月2日")]
    sheet = found[0][0]
    assert (sheet.name, sheet.header_row, sheet.year) == ("七月", 3, 2025)
    with pytest.raises(OperationError, match="文件不是 utf-8 编码"):
        list(read_sheets(io.BytesIO(text.encode("gbk")), "七月.csv", known_header, encoding="utf-8", max_rows=10))
    with pytest.raises(OperationError, match="未知的编码"):
        list(read_sheets(io.BytesIO(b"a"), "x.csv", known_header, encoding="klingon", max_rows=10))


def test_a_log_past_the_row_limit_is_refused_while_read() -> None:
    text = "序号,日期,单位\r\n" + "".join(f"{n},7月1日,都匀市\r\n" for n in range(1, 6))
    with pytest.raises(OperationError, match="一次最多导入 3 行"):
        list(read_sheets(io.BytesIO(text.encode()), "x.csv", known_header, max_rows=3))
