"""Service calendars: which minutes count as service time.

A calendar answers two questions, both on aware datetimes:

- ``minutes_between(start, end)``: the service minutes inside [start, end) (0 when end <= start);
- ``add_minutes(start, minutes)``: the first instant at which ``minutes`` service minutes have
  elapsed since ``start``. When the last minute ends exactly at the close of a working window the
  answer is that closing time (17:30), not the next morning.

``AlwaysOn`` is 7×24. ``WorkingHours`` counts working windows (default 09:00-12:00 and
13:30-17:30 local) on China's working days: Monday to Friday, minus public holidays, plus the
make-up working days (调休) — both from the ``chinesecalendar`` package, which knows a limited
range of years; outside it a ``CalendarUnavailableError`` is raised rather than guessing.
Both walk whole days, never single minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol

import chinese_calendar

from slatrack.measure.periods import DEFAULT_TZ, require_aware, zone


class CalendarUnavailableError(ValueError):
    """The holiday data does not cover the requested year."""


class Calendar(Protocol):
    """What deadlines and service time need from a calendar."""

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Service minutes inside [start, end)."""
        ...

    def add_minutes(self, start: datetime, minutes: float) -> datetime:
        """The instant when ``minutes`` service minutes have elapsed since ``start``."""
        ...


@dataclass(frozen=True)
class AlwaysOn:
    """7×24: every minute is service time."""

    def minutes_between(self, start: datetime, end: datetime) -> float:
        start, end = require_aware(start), require_aware(end)
        return max(0.0, (end - start).total_seconds() / 60)

    def add_minutes(self, start: datetime, minutes: float) -> datetime:
        _check_minutes(minutes)
        return require_aware(start) + timedelta(minutes=minutes)


@lru_cache(maxsize=8192)
def china_workday(day: date) -> bool:
    """True on a Chinese working day (weekday not a public holiday, or a 调休 make-up day)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        raise CalendarUnavailableError(
            f"节假日数据不包含 {day.year} 年（{day.isoformat()}），请升级 chinesecalendar 或改用 7×24 服务日历"
        ) from exc


def weekday_workday(day: date) -> bool:
    """Monday to Friday, ignoring public holidays."""
    return day.weekday() < 5


DEFAULT_WINDOWS: tuple[tuple[time, time], ...] = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))


@dataclass(frozen=True)
class WorkingHours:
    """Working windows on working days in a local time zone.

    ``windows`` are (opening, closing) local times, sorted and not overlapping. ``is_workday``
    decides which local dates are working days (default: China's official calendar).
    """

    windows: tuple[tuple[time, time], ...] = DEFAULT_WINDOWS
    tz: str = DEFAULT_TZ
    is_workday: Callable[[date], bool] = china_workday

    def __post_init__(self) -> None:
        zone(self.tz)
        if not self.windows:
            raise ValueError("工作时段不能为空")
        previous_close: time | None = None
        for opening, closing in self.windows:
            if closing <= opening:
                raise ValueError(f"工作时段 {opening:%H:%M}-{closing:%H:%M} 的结束时间必须晚于开始时间")
            if previous_close is not None and opening < previous_close:
                raise ValueError("工作时段必须按时间先后排列且互不重叠")
            previous_close = closing

    @property
    def minutes_per_workday(self) -> float:
        return sum(_clock_minutes(c) - _clock_minutes(o) for o, c in self.windows)

    def _day_windows(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's windows as UTC instants (empty on a day off)."""
        if not self.is_workday(day):
            return []
        tzinfo = zone(self.tz)
        return [
            (
                datetime.combine(day, opening, tzinfo=tzinfo).astimezone(UTC),
                datetime.combine(day, closing, tzinfo=tzinfo).astimezone(UTC),
            )
            for opening, closing in self.windows
        ]

    def _local_date(self, moment: datetime) -> date:
        return moment.astimezone(zone(self.tz)).date()

    def minutes_between(self, start: datetime, end: datetime) -> float:
        start, end = require_aware(start), require_aware(end)
        if end <= start:
            return 0.0
        total = 0.0
        day, last = self._local_date(start), self._local_date(end)
        while day <= last:
            for opening, closing in self._day_windows(day):
                lo, hi = max(opening, start), min(closing, end)
                if hi > lo:
                    total += (hi - lo).total_seconds() / 60
            day += timedelta(days=1)
        return total

    def add_minutes(self, start: datetime, minutes: float) -> datetime:
        _check_minutes(minutes)
        start = require_aware(start)
        if minutes == 0:
            return start
        remaining = timedelta(minutes=minutes)
        day = self._local_date(start)
        # A year without a single working day would mean a broken is_workday; stop instead of looping forever.
        days_without_work = 0
        while True:
            windows = self._day_windows(day)
            days_without_work = 0 if windows else days_without_work + 1
            if days_without_work > 366:
                raise ValueError("服务日历在一年内没有任何工作日")
            for opening, closing in windows:
                if closing <= start:
                    continue
                lo = max(opening, start)
                available = closing - lo
                if remaining <= available:
                    return lo + remaining
                remaining -= available
            day += timedelta(days=1)


def _clock_minutes(moment: time) -> float:
    return moment.hour * 60 + moment.minute + moment.second / 60


def _check_minutes(minutes: float) -> None:
    if minutes < 0:
        raise ValueError(f"分钟数不能为负：{minutes}")


def parse_windows(text: str) -> tuple[tuple[time, time], ...]:
    """``"09:00-12:00,13:30-17:30"`` -> windows, for configuration forms."""
    windows: list[tuple[time, time]] = []
    for part in text.split(","):
        piece = part.strip()
        if not piece:
            continue
        try:
            opening_text, closing_text = piece.split("-")
            windows.append((time.fromisoformat(opening_text.strip()), time.fromisoformat(closing_text.strip())))
        except ValueError as exc:
            raise ValueError(f"工作时段格式错误：{piece!r}，应为 HH:MM-HH:MM，多个时段用逗号分隔") from exc
    if not windows:
        raise ValueError("工作时段不能为空")
    return tuple(windows)
