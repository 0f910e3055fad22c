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

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

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
            f"节假日数据不包含 {day.year} 年（{day.isoformat()}），请在“节假日安排”页面录入该年的放假和调休安排"
        ) from exc


def library_covers(year: int) -> bool:
    """Whether ``chinesecalendar`` knows ``year``'s holidays."""
    try:
        china_workday(date(year, 1, 1))
        china_workday(date(year, 12, 31))
    except CalendarUnavailableError:
        return False
    return True


@dataclass(frozen=True)
class HolidayTable:
    """China's working days with arrangements entered by the bureau for some years (``years``): in such a year
    a day is a working day when it is a make-up working day, or a weekday that is not a holiday; in other
    years ``chinesecalendar`` decides. Hashable, so a ``WorkingHours`` built on it can be cached."""

    years: frozenset[int] = frozenset()
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def __call__(self, day: date) -> bool:
        if day.year in self.years:
            return day in self.workdays or (day.weekday() < 5 and day not in self.holidays)
        return china_workday(day)

    def covers(self, year: int) -> bool:
        return year in self.years or library_covers(year)


def weekday_workday(day: date) -> bool:
    """Monday to Friday, ignoring public holidays."""
    return day.weekday() < 5


DEFAULT_WINDOWS: tuple[tuple[time, time], ...] = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))


@dataclass(frozen=True)
class WorkingHours:
    """Working windows on working days in a local time zone.

    ``windows`` are (opening, closing) local times, sorted and not overlapping. ``is_workday``
    decides which local dates are working days (default: China's official calendar).
    Whole working days count ``minutes_per_workday``; in a zone with daylight saving a window
    crossing the clock change would be off by the shift (Asia/Shanghai has none).
    """

    windows: tuple[tuple[time, time], ...] = DEFAULT_WINDOWS
    tz: str = DEFAULT_TZ
    is_workday: Callable[[date], bool] = china_workday
    _windows_cache: dict[date, tuple[tuple[datetime, datetime], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _year_counts: dict[int, list[int]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _per_day: float = field(default=0.0, init=False, repr=False, compare=False)
    _tzinfo: ZoneInfo = field(default=ZoneInfo("UTC"), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tzinfo", zone(self.tz))
        if not self.windows:
            raise ValueError("工作时段不能为空")
        previous_close: time | None = None
        for opening, closing in self.windows:
            if closing <= opening:
                raise ValueError(f"工作时段 {opening:%H:%M}-{closing:%H:%M} 的结束时间必须晚于开始时间")
            if previous_close is not None and opening < previous_close:
                raise ValueError("工作时段必须按时间先后排列且互不重叠")
            previous_close = closing
        object.__setattr__(self, "_per_day", sum(_clock_minutes(c) - _clock_minutes(o) for o, c in self.windows))

    @property
    def minutes_per_workday(self) -> float:
        return self._per_day

    def _day_windows(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The day's windows as UTC instants (empty on a day off); cached, as tickets revisit the same days."""
        cached = self._windows_cache.get(day)
        if cached is None:
            tzinfo = self._tzinfo
            cached = (
                tuple(
                    (
                        datetime.combine(day, opening, tzinfo=tzinfo).astimezone(UTC),
                        datetime.combine(day, closing, tzinfo=tzinfo).astimezone(UTC),
                    )
                    for opening, closing in self.windows
                )
                if self.is_workday(day)
                else ()
            )
            self._windows_cache[day] = cached
        return cached

    def _running(self, year: int) -> list[int]:
        """``running[i]`` = working days among the first ``i`` days of ``year`` (cached per year)."""
        running = self._year_counts.get(year)
        if running is None:
            jan1 = date(year, 1, 1)
            running = [0]
            for offset in range((date(year + 1, 1, 1) - jan1).days):
                running.append(running[-1] + bool(self.is_workday(jan1 + timedelta(days=offset))))
            self._year_counts[year] = running
        return running

    def _workdays(self, first: date, stop: date) -> int:
        """Working days in [first, stop)."""
        count = 0
        if stop <= first:
            return count
        for year in range(first.year, (stop - timedelta(days=1)).year + 1):
            jan1 = date(year, 1, 1)
            running = self._running(year)
            lo = (max(first, jan1) - jan1).days
            hi = (min(stop, date(year + 1, 1, 1)) - jan1).days
            count += running[hi] - running[lo]
        return count

    def _nth_workday_after(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day`` (``day`` itself for 0), found by bisecting running counts."""
        year, wanted = day.year, count
        # Working days of `year` up to and including `day` are already behind us.
        behind = self._running(year)[(day - date(year, 1, 1)).days + 1]
        idle_years = 0
        while wanted > 0:
            running = self._running(year)
            if behind + wanted <= running[-1]:
                index = bisect_left(running, behind + wanted)
                return date(year, 1, 1) + timedelta(days=index - 1)
            idle_years = idle_years + 1 if running[-1] == behind else 0
            if idle_years > 1:
                raise ValueError("服务日历在一年内没有任何工作日")
            wanted -= running[-1] - behind
            year, behind = year + 1, 0
        return day

    def _local_date(self, moment: datetime) -> date:
        return moment.astimezone(self._tzinfo).date()

    def _minutes_on(self, day: date, start: datetime, end: datetime) -> float:
        total = 0.0
        for opening, closing in self._day_windows(day):
            lo, hi = max(opening, start), min(closing, end)
            if hi > lo:
                total += (hi - lo).total_seconds() / 60
        return total

    def minutes_between(self, start: datetime, end: datetime) -> float:
        # The first and last days are cut by the instants; the whole days between count in full
        # (their number comes from running counts, so a year costs no more than a day).
        start, end = require_aware(start), require_aware(end)
        if end <= start:
            return 0.0
        # The day of the last instant inside [start, end): an end at local midnight needs nothing of its own day.
        first, last = self._local_date(start), self._local_date(end - timedelta(microseconds=1))
        if first == last:
            return self._minutes_on(first, start, end)
        inner = self._workdays(first + timedelta(days=1), last) * self.minutes_per_workday
        return self._minutes_on(first, start, end) + inner + self._minutes_on(last, start, end)

    def add_minutes(self, start: datetime, minutes: float) -> datetime:
        _check_minutes(minutes)
        start = require_aware(start)
        remaining = timedelta(minutes=minutes)
        if not remaining:
            return start
        day = self._local_date(start)
        # What is left of the first day...
        for opening, closing in self._day_windows(day):
            if closing > start:
                lo = max(opening, start)
                if remaining <= closing - lo:
                    return lo + remaining
                remaining -= closing - lo
        # ...then jump over the working days consumed in full, keeping the last one to land in
        # (an exact multiple of a day ends at that day's closing time, not the next morning)...
        per_day = timedelta(minutes=self.minutes_per_workday)
        whole_days = (remaining - timedelta(microseconds=1)) // per_day
        day = self._nth_workday_after(day, whole_days)
        remaining -= per_day * whole_days
        # ...and finish on the next working day (or the one after, should a clock change shorten it).
        while True:
            day = self._nth_workday_after(day, 1)
            for opening, closing in self._day_windows(day):
                if remaining <= closing - opening:
                    return opening + remaining
                remaining -= closing - opening


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
