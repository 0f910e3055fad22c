"""Holiday arrangements entered by hand: the pasted format, its checks, and working-days deadlines of 2027
(a year chinesecalendar 1.11 does not know) across its Spring Festival and its make-up working days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from slatrack.measure.calendars import CalendarUnavailableError, HolidayTable, WorkingHours, china_workday
from slatrack.measure.holidays import (
    HOLIDAY,
    WORKDAY,
    ArrangementError,
    HolidayDay,
    format_arrangement,
    parse_arrangement,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

# A 2027 arrangement typed as the State Council's notice reads (the Spring Festival falls on 2027-02-06).
ARRANGEMENT_2027 = """
# 2027 年部分节假日安排
2027-01-01 元旦 放假
2027-02-05 至 2027-02-11 春节 放假
2027-02-14 春节 上班
2027年2月20日 春节 上班
"""


def at(day: str, clock: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), SHANGHAI)


def table_2027() -> HolidayTable:
    days = parse_arrangement(2027, ARRANGEMENT_2027)
    return HolidayTable(
        years=frozenset({2027}),
        holidays=frozenset(d.day for d in days if d.kind == HOLIDAY),
        workdays=frozenset(d.day for d in days if d.kind == WORKDAY),
    )


def test_the_pasted_arrangement_gives_each_day_once() -> None:
    days = parse_arrangement(2027, ARRANGEMENT_2027)
    holidays = [d.day for d in days if d.kind == HOLIDAY]
    workdays = [d.day for d in days if d.kind == WORKDAY]
    assert holidays == [date(2027, 1, 1), *(date(2027, 2, 5) + timedelta(days=i) for i in range(7))]
    assert workdays == [date(2027, 2, 14), date(2027, 2, 20)]
    assert {d.name for d in days if d.day.month == 2} == {"春节"}
    # Written back in the same format, ranges joined: entering that text again gives the same days.
    text = format_arrangement(days)
    assert "2027-02-05 至 2027-02-11 春节 放假" in text and "2027-02-20 春节 上班" in text
    assert parse_arrangement(2027, text) == days


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2027-02-15 上班", "调休上班日应为周六或周日"),  # a Monday
        ("2026-12-31 放假", "不在 2027 年内"),
        ("2027-02-30 放假", "不存在"),
        ("2027-02-11 至 2027-02-05 放假", "早于开始日期"),
        ("2027-02-05 春节", "第 1 行"),  # neither 放假 nor 上班
        ("2027-02-05 放假\n2027-02-05 放假", "出现了两次"),
        ("# 只有注释", "至少需要一天"),
    ],
)
def test_a_bad_arrangement_is_refused_naming_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ArrangementError) as refused:
        parse_arrangement(2027, text)
    assert problem in str(refused.value)


def test_every_bad_line_is_named_at_once() -> None:
    with pytest.raises(ArrangementError) as refused:
        parse_arrangement(2027, "2027-01-01 放假\n明天 放假\n2027-13-01 放假")
    assert [p[:5] for p in refused.value.problems] == ["第 2 行", "第 3 行"]


def test_without_an_arrangement_2027_cannot_be_computed() -> None:
    with pytest.raises(CalendarUnavailableError, match="2027"):
        china_workday(date(2027, 1, 4))
    with pytest.raises(CalendarUnavailableError):
        WorkingHours(is_workday=HolidayTable()).add_minutes(at("2027-02-04", "16:30"), 240)


def test_an_entered_year_replaces_the_library_and_other_years_keep_it() -> None:
    table = table_2027()
    assert table(date(2027, 2, 8)) is False  # a Monday of the Spring Festival
    assert table(date(2027, 2, 20)) is True  # the make-up Saturday
    assert table(date(2027, 2, 13)) is False  # an ordinary Saturday
    assert table(date(2027, 3, 1)) is True  # an ordinary Monday
    assert table(date(2026, 10, 10)) is True  # 2026: chinesecalendar's 国庆 make-up Saturday
    assert table(date(2026, 10, 5)) is False
    assert table.covers(2027) and table.covers(2026) and not table.covers(2028)


# Working windows 09:00–12:00 and 13:30–17:30 (420 minutes a day), hand-computed:
@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        # Thu 02-04 16:30: 60 minutes that day; 02-05..02-11 off (the weekend inside them too); Fri 02-12
        # 09:00 + 180 minutes = 12:00, the end of the morning window.
        (("2027-02-04", "16:30"), 240, ("2027-02-12", "12:00")),
        # One more minute runs into the afternoon window of 02-12.
        (("2027-02-04", "16:30"), 241, ("2027-02-12", "13:31")),
        # Fri 02-12 17:00: 30 minutes that day, Sat 02-13 off, Sun 02-14 a make-up working day: 09:00 + 90.
        (("2027-02-12", "17:00"), 120, ("2027-02-14", "10:30")),
        # Fri 02-19 17:00: 30 minutes, then the 调休 Saturday 02-20 from 09:00: 09:30.
        (("2027-02-19", "17:00"), 60, ("2027-02-20", "09:30")),
        # Two full working days from Thu 02-04 09:00: 02-04 (420) and 02-12 (420) end at 02-12 17:30.
        (("2027-02-04", "09:00"), 840, ("2027-02-12", "17:30")),
        # New Year's Day (Fri) off: Thu 2026-12-31 17:00 + 60 → Mon 2027-01-04 09:30.
        (("2026-12-31", "17:00"), 60, ("2027-01-04", "09:30")),
    ],
)
def test_working_days_deadlines_across_the_2027_spring_festival(
    start: tuple[str, str], minutes: int, expected: tuple[str, str]
) -> None:
    hours = WorkingHours(is_workday=table_2027())
    assert hours.add_minutes(at(*start), minutes) == at(*expected)


def test_service_minutes_across_the_2027_spring_festival() -> None:
    hours = WorkingHours(is_workday=table_2027())
    # Thu 02-04 09:00 to Mon 02-15 09:00: working days 02-04, 02-12 and the make-up Sunday 02-14.
    assert hours.minutes_between(at("2027-02-04", "09:00"), at("2027-02-15", "09:00")) == 3 * 420
    # The make-up Saturday 02-20 counts; an ordinary Saturday 02-27 does not.
    assert hours.minutes_between(at("2027-02-20", "00:00"), at("2027-02-21", "00:00")) == 420
    assert hours.minutes_between(at("2027-02-27", "00:00"), at("2027-02-28", "00:00")) == 0


def test_a_table_is_hashable_so_calendars_built_on_it_are_shared() -> None:
    assert hash(table_2027()) == hash(table_2027()) and table_2027() == table_2027()
    assert HolidayDay(date(2027, 1, 1), HOLIDAY) < HolidayDay(date(2027, 1, 2), HOLIDAY)
