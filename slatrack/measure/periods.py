"""Periods: local calendar dates, months and quarters turned into UTC intervals.

A period ``--from A --to B`` names inclusive local dates and means the half-open instant
interval [A 00:00 local, the day after B 00:00 local), kept in UTC. Months (``2025-05``),
quarters (``2025Q2``) and years (``2025``) are periods too. Contract spans are inclusive
local dates as well, so they use the same conversion.

Every measurement cuts its period at ``as_of``: time after it is not yet service time.
Errors are ``ValueError`` with a message in Chinese, because they reach the user
(command line, API, forms).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TZ = "Asia/Shanghai"

_QUARTER_RE = re.compile(r"^(\d{4})\s*[Qq]([1-4])$")
_YEAR_RE = re.compile(r"^(\d{4})$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def zone(tz: str) -> ZoneInfo:
    """The ``ZoneInfo`` for a name, with a readable error for an unknown one."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"未知的时区：{tz}") from exc


def require_aware(moment: datetime, what: str = "时间") -> datetime:
    """Return ``moment`` in UTC; refuse a naive datetime (its meaning would depend on the server)."""
    if moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what}必须带时区：{moment.isoformat()}")
    return moment.astimezone(UTC)


def local_midnight(day: date, tz: str = DEFAULT_TZ) -> datetime:
    """00:00 local time of ``day``, as an aware UTC datetime."""
    return datetime.combine(day, time(0), tzinfo=zone(tz)).astimezone(UTC)


def parse_date(text: str | date, what: str = "日期") -> date:
    """A local date from ``YYYY-MM-DD`` (a ``date`` passes through; a ``datetime`` is refused)."""
    if isinstance(text, datetime):
        raise ValueError(f"{what}应为日期（YYYY-MM-DD），不是时间：{text.isoformat()}")
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"{what}格式错误：{text!r}，应为 YYYY-MM-DD，例如 2025-04-01") from exc


@dataclass(frozen=True)
class Period:
    """A half-open interval of instants [start, end) in UTC, remembering its local time zone."""

    start: datetime
    end: datetime
    tz: str = DEFAULT_TZ

    def __post_init__(self) -> None:
        start = require_aware(self.start, "期间开始时间")
        end = require_aware(self.end, "期间结束时间")
        if end < start:
            raise ValueError(f"期间结束时间 {end.isoformat()} 早于开始时间 {start.isoformat()}")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        zone(self.tz)

    @property
    def minutes(self) -> float:
        """Length in minutes (calendar time, not service time)."""
        return (self.end - self.start).total_seconds() / 60

    @property
    def is_empty(self) -> bool:
        return self.end <= self.start

    @property
    def first_day(self) -> date:
        """The local date of ``start``."""
        return self.start.astimezone(zone(self.tz)).date()

    @property
    def last_day(self) -> date:
        """The local date of the last instant inside the period (inclusive date; ``first_day`` if empty)."""
        if self.is_empty:
            return self.first_day
        return (self.end - timedelta(microseconds=1)).astimezone(zone(self.tz)).date()

    def contains(self, moment: datetime) -> bool:
        """True when ``start <= moment < end``."""
        return self.start <= moment < self.end

    def cut(self, as_of: datetime) -> Period:
        """The part of the period at or before ``as_of`` (may be empty)."""
        as_of = require_aware(as_of, "as_of")
        end = min(self.end, max(self.start, as_of))
        return Period(self.start, end, self.tz)

    def intersect(self, other: Period) -> Period | None:
        """The common part of two periods, or ``None`` when they do not overlap."""
        start = max(self.start, other.start)
        end = min(self.end, other.end)
        if end <= start:
            return None
        return Period(start, end, self.tz)

    def months(self) -> list[str]:
        """Labels (``2025-05``) of the local months that the period touches, in order."""
        return [f"{y:04d}-{m:02d}" for y, m in _month_keys(self)]

    def quarters(self) -> list[str]:
        """Labels (``2025Q2``) of the local quarters that the period touches, in order."""
        labels: list[str] = []
        for y, m in _month_keys(self):
            label = f"{y:04d}Q{(m - 1) // 3 + 1}"
            if not labels or labels[-1] != label:
                labels.append(label)
        return labels


def _month_keys(period: Period) -> Iterator[tuple[int, int]]:
    if period.is_empty:
        return
    first, last = period.first_day, period.last_day
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def period_from_dates(first: str | date, last: str | date, tz: str = DEFAULT_TZ) -> Period:
    """Inclusive local dates ``first``..``last`` -> [first 00:00, last + 1 day 00:00) in UTC."""
    first_day = parse_date(first, "开始日期")
    last_day = parse_date(last, "结束日期")
    if last_day < first_day:
        raise ValueError(f"结束日期 {last_day.isoformat()} 早于开始日期 {first_day.isoformat()}")
    return Period(local_midnight(first_day, tz), local_midnight(last_day + timedelta(days=1), tz), tz)


def contract_span(first_day: str | date, last_day: str | date, tz: str = DEFAULT_TZ) -> Period:
    """A contract's inclusive local dates as a UTC interval (same rule as a period)."""
    return period_from_dates(first_day, last_day, tz)


def year_period(year: int | str, tz: str = DEFAULT_TZ) -> Period:
    """The local calendar year, from ``2025`` or ``"2025"``."""
    y = _parse_year(year)
    return period_from_dates(date(y, 1, 1), date(y, 12, 31), tz)


def month_period(label: str, tz: str = DEFAULT_TZ) -> Period:
    """The local month named ``YYYY-MM``."""
    y, m = parse_month(label)
    first = date(y, m, 1)
    following = date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)
    return period_from_dates(first, following - timedelta(days=1), tz)


def quarter_period(label: str, tz: str = DEFAULT_TZ) -> Period:
    """The local quarter named ``YYYYQn`` (``2025Q2`` -> 2025-04-01 .. 2025-06-30)."""
    y, q = parse_quarter(label)
    first = date(y, 3 * q - 2, 1)
    following = date(y + 1, 1, 1) if q == 4 else date(y, 3 * q + 1, 1)
    return period_from_dates(first, following - timedelta(days=1), tz)


def period_from_label(label: str, tz: str = DEFAULT_TZ) -> Period:
    """A year (``2025``), quarter (``2025Q2``) or month (``2025-05``)."""
    text = label.strip()
    if _YEAR_RE.match(text):
        return year_period(text, tz)
    if _QUARTER_RE.match(text):
        return quarter_period(text, tz)
    if _MONTH_RE.match(text):
        return month_period(text, tz)
    raise ValueError(f"期间格式错误：{label!r}，应为年份（2025）、季度（2025Q2）或月份（2025-05）")


def parse_quarter(label: str) -> tuple[int, int]:
    """``"2025Q2"`` -> ``(2025, 2)``."""
    match = _QUARTER_RE.match(label.strip())
    if not match:
        raise ValueError(f"季度格式错误：{label!r}，应为年份加季度，例如 2025Q2")
    return _parse_year(match.group(1)), int(match.group(2))


def parse_month(label: str) -> tuple[int, int]:
    """``"2025-05"`` -> ``(2025, 5)``."""
    match = _MONTH_RE.match(label.strip())
    if not match:
        raise ValueError(f"月份格式错误：{label!r}，应为 YYYY-MM，例如 2025-05")
    month = int(match.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"月份格式错误：{label!r}，月份应在 01 到 12 之间")
    return _parse_year(match.group(1)), month


def _parse_year(year: int | str) -> int:
    if isinstance(year, str):
        if not _YEAR_RE.match(year.strip()):
            raise ValueError(f"年份格式错误：{year!r}，应为四位数字，例如 2025")
        year = int(year.strip())
    if not 1900 <= year <= 2999:
        raise ValueError(f"年份超出范围：{year}")
    return year
