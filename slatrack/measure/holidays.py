"""A year's holiday arrangement (节假日安排): its days off and make-up working days (调休), pure.

The State Council publishes each year's arrangement in November or December; ``chinesecalendar`` carries it
only from its next release. An arrangement entered for a year replaces the library's data for that year
(see ``calendars.HolidayTable``). The pasted text format, one statement per line::

    # 2027 年节假日安排            (a line starting with # is a comment; blank lines are ignored)
    2027-01-01 元旦 放假
    2027-02-05 至 2027-02-11 春节 放假
    2027-02-14 春节 上班
    2027-02-20 上班

A line is a date or a range (``A 至 B``, also ``A 到 B``, ``A ~ B``), an optional name, and ``放假`` (a day
off) or ``上班`` (a make-up working day, which must be a Saturday or Sunday). Dates are written
``2027-02-05``, ``2027/2/5`` or ``2027年2月5日``; every date must lie in the year being entered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

HOLIDAY, WORKDAY = "holiday", "workday"
KIND_WORDS = {"放假": HOLIDAY, "休": HOLIDAY, "休息": HOLIDAY, "上班": WORKDAY, "补班": WORKDAY, "班": WORKDAY}
KIND_LABELS = {HOLIDAY: "放假", WORKDAY: "上班"}
NAME_MAX = 32

_DATE = r"\d{4}\s*(?:-|/|年)\s*\d{1,2}\s*(?:-|/|月)\s*\d{1,2}\s*日?"
_LINE = re.compile(
    rf"^(?P<first>{_DATE})(?:\s*(?:至|到|~|～|—|–)\s*(?P<last>{_DATE}))?\s*(?P<name>.*?)\s*"
    rf"(?P<kind>{'|'.join(sorted(KIND_WORDS, key=len, reverse=True))})$"
)


@dataclass(frozen=True, order=True)
class HolidayDay:
    """One day of an arrangement: ``kind`` is ``holiday`` (day off) or ``workday`` (make-up working day)."""

    day: date
    kind: str
    name: str = ""


class ArrangementError(ValueError):
    """The arrangement cannot be used; ``problems`` names each bad line or day (Chinese)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


def parse_date(text: str) -> date:
    parts = re.split(r"\s*(?:-|/|年|月)\s*", text.strip().removesuffix("日").strip())
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"日期“{text}”格式错误，应为 2027-02-05、2027/2/5 或 2027年2月5日")
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise ValueError(f"日期“{text}”不存在") from None


def parse_arrangement(year: int, text: str) -> list[HolidayDay]:
    """The days of a pasted arrangement, checked (see the module's docstring); ArrangementError naming each
    bad line otherwise."""
    days: list[HolidayDay] = []
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            problems.append(f"第 {number} 行“{line[:40]}”无法识别：应为“日期 [至 日期] [名称] 放假/上班”")
            continue
        try:
            first = parse_date(match["first"])
            last = parse_date(match["last"]) if match["last"] else first
        except ValueError as exc:
            problems.append(f"第 {number} 行：{exc}")
            continue
        if last < first:
            problems.append(f"第 {number} 行：结束日期 {last.isoformat()} 早于开始日期 {first.isoformat()}")
            continue
        if (last - first).days > 31:
            problems.append(f"第 {number} 行：一段假期不能超过 32 天")
            continue
        kind, name = KIND_WORDS[match["kind"]], match["name"].strip()
        day = first
        while day <= last:
            days.append(HolidayDay(day, kind, name))
            day += timedelta(days=1)
    if problems and days:
        try:
            check_arrangement(year, days)
        except ArrangementError as exc:
            problems += exc.problems  # the readable lines' own problems too, all at once
    if problems:
        raise ArrangementError(problems)
    check_arrangement(year, days)
    return sorted(days)


def check_arrangement(year: int, days: Iterable[HolidayDay]) -> None:
    """Every day in ``year``, named once, of a known kind; make-up working days on a weekend; at least one day."""
    problems: list[str] = []
    seen: dict[date, str] = {}
    count = 0
    for item in days:
        count += 1
        label = item.day.isoformat()
        if item.kind not in KIND_LABELS:
            problems.append(f"{label}：类型“{item.kind}”无效，应为 holiday（放假）或 workday（上班）")
        if item.day.year != year:
            problems.append(f"{label} 不在 {year} 年内")
        if len(item.name) > NAME_MAX:
            problems.append(f"{label}：名称超过 {NAME_MAX} 个字")
        if item.kind == WORKDAY and item.day.weekday() < 5:
            problems.append(f"{label} 是工作日（星期{'一二三四五'[item.day.weekday()]}），调休上班日应为周六或周日")
        if item.day in seen:
            problems.append(f"{label} 出现了两次")
        seen[item.day] = item.kind
    if count == 0:
        problems.append(f"{year} 年的节假日安排至少需要一天")
    if problems:
        raise ArrangementError(problems)


def format_arrangement(days: Iterable[HolidayDay]) -> str:
    """The arrangement in the pasted format, consecutive days of one kind and name joined into ranges."""
    lines: list[str] = []
    run: list[HolidayDay] = []

    def flush() -> None:
        if not run:
            return
        first, last = run[0], run[-1]
        span = first.day.isoformat() if first.day == last.day else f"{first.day.isoformat()} 至 {last.day.isoformat()}"
        lines.append(" ".join(part for part in (span, first.name, KIND_LABELS[first.kind]) if part))
        run.clear()

    for item in sorted(days):
        if run and (item.kind != run[-1].kind or item.name != run[-1].name or item.day != run[-1].day + timedelta(1)):
            flush()
        run.append(item)
    flush()
    return "\n".join(lines)


def library_arrangement(year: int) -> list[HolidayDay]:
    """``chinesecalendar``'s days off and make-up working days of ``year`` (empty when it does not know it)."""
    import chinese_calendar

    chinese = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}
    days = [
        HolidayDay(day, HOLIDAY, chinese.get(name, str(name)))
        for day, name in chinese_calendar.holidays.items()
        if day.year == year
    ]
    days += [
        HolidayDay(day, WORKDAY, chinese.get(name, str(name)))
        for day, name in chinese_calendar.workdays.items()
        if day.year == year and day.weekday() >= 5
    ]
    return sorted(days)
