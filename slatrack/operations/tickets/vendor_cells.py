"""Times in a vendor's own log: a date and a time in one cell or in two, Excel serials and time fractions,
``2025/5/6``, ``2025-05-06 9:30``, ``2025年5月6日``, ``5月6日`` (the year taken from the sheet), and a
time without a date (it takes the row's report date). Local wall time; the result is an aware UTC instant.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slatrack.operations.spreadsheets import cell_text

_EXCEL_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 - Excel serials are naive local wall times
_DAY = re.compile(r"^(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_CLOCK = re.compile(r"^(\d{1,2})\s*[:：时点]\s*(\d{1,2})?\s*分?(?:\s*[:：]?\s*(\d{1,2})\s*秒?)?$")

Piece = tuple[date | None, time | None]


def _from_serial(serial: float) -> Piece:
    if not 0 <= serial < 2958466:
        raise ValueError(f"无法识别的时间：{serial:g}")
    moment = (_EXCEL_EPOCH + timedelta(days=serial) + timedelta(microseconds=500_000)).replace(microsecond=0)
    if serial < 1:
        return None, moment.time()
    return moment.date(), (moment.time() if serial % 1 else None)


def _from_text(text: str, year: int | None) -> Piece:
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _from_serial(float(text))
    if "T" in text:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            return parsed.date(), parsed.time()
    day: date | None = None
    rest = text
    found = _DAY.match(text)
    if found:
        stated = int(found.group(1)) if found.group(1) else year
        if stated is None:
            raise ValueError(f"日期「{text}」没有年份，工作表名称和标题中也没有年份")
        try:
            day = date(stated, int(found.group(2)), int(found.group(3)))
        except ValueError as exc:
            raise ValueError(f"不存在的日期：{text}") from exc
        rest = text[found.end() :].strip()
    if not rest:
        return day, None
    clock = _CLOCK.match(rest)
    if clock is None:
        raise ValueError(f"无法识别的时间：{text}，例如 2025/5/6 9:30、2025年5月6日 或 5月6日")
    try:
        moment = time(int(clock.group(1)), int(clock.group(2) or 0), int(clock.group(3) or 0))
    except ValueError as exc:
        raise ValueError(f"不存在的时刻：{text}") from exc
    return day, moment


def piece(value: Any, year: int | None) -> Piece:
    """What one cell says: a date, a time of day, or both."""
    if isinstance(value, datetime):
        if value.year < 1901:  # Excel's time-only cell, read as a day of its epoch
            return None, value.time()
        return value.date(), (value.time() if value.time() != time() else None)
    if isinstance(value, date):
        return value, None
    if isinstance(value, time):
        return None, value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(float(value))
    return _from_text(cell_text(value), year)


def read_moment(values: Sequence[Any], zone: ZoneInfo, year: int | None, row_day: date | None) -> datetime | None:
    """The instant the cells state together (None when all are empty). Raises ValueError (Chinese)."""
    day: date | None = None
    clock: time | None = None
    for value in values:
        if cell_text(value) == "" and not isinstance(value, date | time):
            continue
        found_day, found_clock = piece(value, year)
        day = day or found_day
        clock = clock or found_clock
    if day is None and clock is None:
        return None
    if day is None:
        if row_day is None:
            raise ValueError("只有时刻没有日期")
        day = row_day
    return datetime.combine(day, clock or time(), zone).astimezone(UTC)
