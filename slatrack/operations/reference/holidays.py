"""Holiday calendars: the arrangements the bureau enters per year, the working-day rule built on them, and the
ticket deadlines refreshed when a year's arrangement changes (docs/years.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from slatrack.clock import utcnow
from slatrack.extensions import db
from slatrack.measure.calendars import HolidayTable, library_covers
from slatrack.measure.holidays import (
    HOLIDAY,
    KIND_LABELS,
    WORKDAY,
    ArrangementError,
    HolidayDay,
    check_arrangement,
    format_arrangement,
    library_arrangement,
    parse_arrangement,
    parse_date,
)
from slatrack.models import HolidayCalendar, HolidayCalendarDay, User
from slatrack.operations import OperationError

# The table is read once per database session (a request, a job run) and kept in the session's info.
_SESSION_KEY = "slatrack_holiday_table"
NOTE_MAX = 500


def holiday_table() -> HolidayTable:
    """China's working days with every entered arrangement applied (cached for this database session)."""
    cached = db.session.info.get(_SESSION_KEY)
    if isinstance(cached, HolidayTable):
        return cached
    years = frozenset(db.session.scalars(select(HolidayCalendar.year)))
    rows = db.session.execute(select(HolidayCalendarDay.day, HolidayCalendarDay.kind)).all()
    table = HolidayTable(
        years=years,
        holidays=frozenset(day for day, kind in rows if kind == HOLIDAY),
        workdays=frozenset(day for day, kind in rows if kind == WORKDAY),
    )
    db.session.info[_SESSION_KEY] = table
    return table


def forget_holiday_table() -> None:
    db.session.info.pop(_SESSION_KEY, None)


def check_year(year: Any) -> int:
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise OperationError(f"年份 {year} 无效", fields={"year": "应为 2000 到 2100 之间的年份"})
    return year


def find_calendar(year: int) -> HolidayCalendar | None:
    return db.session.get(HolidayCalendar, year)


def calendar_json(year: int) -> dict[str, Any]:
    """A year's arrangement: the entered one (``source`` ``entered``), else the library's (``library``), else
    nothing (``none``: working-days deadlines of that year cannot be computed)."""
    check_year(year)
    entered = find_calendar(year)
    if entered is not None:
        days = [HolidayDay(d.day, d.kind, d.name) for d in entered.days]
        source = "entered"
    else:
        days = library_arrangement(year)
        source = "library" if library_covers(year) else "none"
    updated_by = db.session.get(User, entered.updated_by_id) if entered and entered.updated_by_id else None
    return {
        "year": year,
        "source": source,
        "library_covers": library_covers(year),
        "days": [{"date": d.day.isoformat(), "kind": d.kind, "name": d.name} for d in days],
        "text": format_arrangement(days),
        "note": entered.note if entered else "",
        "updated_at": entered.updated_at.isoformat() if entered else None,
        "updated_by": updated_by.username if updated_by else None,
    }


def days_from_json(year: int, items: Any) -> list[HolidayDay]:
    """``[{"date": "2027-02-05", "kind": "holiday", "name": "春节"}, ...]`` -> checked days."""
    if not isinstance(items, list):
        raise OperationError("days 应为列表", fields={"days": "应为 {date, kind, name} 的列表"})
    days: list[HolidayDay] = []
    problems: list[str] = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("date"), str):
            problems.append(f"第 {index} 项缺少日期（date）")
            continue
        kind = item.get("kind")
        if kind not in KIND_LABELS:
            problems.append(f"第 {index} 项类型（kind）应为 holiday（放假）或 workday（上班）")
            continue
        name = item.get("name") or ""
        if not isinstance(name, str):
            problems.append(f"第 {index} 项名称（name）应为文字")
            continue
        try:
            days.append(HolidayDay(parse_date(item["date"]), str(kind), name.strip()))
        except ValueError as exc:
            problems.append(f"第 {index} 项：{exc}")
    if problems:
        raise OperationError("节假日安排有误：" + "；".join(problems), fields={"days": "；".join(problems)})
    return _checked(year, days, "days")


def days_from_text(year: int, text: Any) -> list[HolidayDay]:
    """A pasted arrangement (measure/holidays.py gives the format) -> checked days."""
    if not isinstance(text, str) or not text.strip():
        raise OperationError("请粘贴或填写节假日安排", fields={"text": "不能为空"})
    try:
        return parse_arrangement(year, text)
    except ArrangementError as exc:
        raise OperationError("节假日安排有误：" + str(exc), fields={"text": str(exc)}) from None


def _checked(year: int, days: list[HolidayDay], field: str) -> list[HolidayDay]:
    try:
        check_arrangement(year, days)
    except ArrangementError as exc:
        raise OperationError("节假日安排有误：" + str(exc), fields={field: str(exc)}) from None
    return sorted(days)


def store_calendar(year: int, days: list[HolidayDay], note: Any, user: User | None) -> HolidayCalendar:
    """Replace ``year``'s entered arrangement (audited like every change). ``holiday_entry.save_calendar``
    also brings the stored ticket deadlines in step; call that."""
    check_year(year)
    note_text = (note or "").strip() if isinstance(note, str) or note is None else None
    if note_text is None or len(note_text) > NOTE_MAX:
        raise OperationError(f"说明应为不超过 {NOTE_MAX} 字的文字", fields={"note": f"不超过 {NOTE_MAX} 字"})
    _checked(year, days, "days")
    calendar = find_calendar(year)
    if calendar is None:
        calendar = HolidayCalendar(year=year)
        db.session.add(calendar)
        db.session.flush()
    else:
        for old in list(calendar.days):
            db.session.delete(old)
        db.session.flush()
        db.session.expire(calendar, ["days"])
    calendar.note = note_text
    calendar.updated_at = utcnow()
    calendar.updated_by_id = user.id if user is not None else None
    for item in days:
        db.session.add(HolidayCalendarDay(day=item.day, year=year, kind=item.kind, name=item.name))
    db.session.flush()
    forget_holiday_table()
    return calendar


def next_year_uncovered(today: date) -> int | None:
    """From November on: next year when neither the library nor an entered arrangement covers it; also this
    year at any time when it is uncovered."""
    table = holiday_table()
    if not table.covers(today.year):
        return today.year
    if today.month >= 11 and not table.covers(today.year + 1):
        return today.year + 1
    return None


def entered_years() -> list[int]:
    return list(db.session.scalars(select(HolidayCalendar.year).order_by(HolidayCalendar.year.desc())))


def shown_years(today: date) -> list[int]:
    """The years the calendar page lists: this year and the next, and every entered year."""
    years = {today.year, today.year + 1, *entered_years()}
    return sorted(years, reverse=True)
