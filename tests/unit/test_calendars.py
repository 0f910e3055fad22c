from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slatrack.measure.calendars import (
    AlwaysOn,
    CalendarUnavailableError,
    WorkingHours,
    china_workday,
    parse_windows,
    weekday_workday,
)

CST = timezone(timedelta(hours=8))
HOURS = WorkingHours()  # Mon-Fri 09:00-12:00 and 13:30-17:30 (420 minutes a day), China's holidays


def cst(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST)


def test_always_on_counts_every_minute() -> None:
    cal = AlwaysOn()
    assert cal.add_minutes(cst(2025, 1, 28, 23, 50), 30) == cst(2025, 1, 29, 0, 20)
    assert cal.minutes_between(cst(2025, 1, 1), cst(2025, 1, 2)) == 1440
    assert cal.minutes_between(cst(2025, 1, 2), cst(2025, 1, 1)) == 0
    with pytest.raises(ValueError, match="不能为负"):
        cal.add_minutes(cst(2025, 1, 1), -1)


def test_library_knows_the_2025_spring_festival() -> None:
    # Holiday 2025-01-28 .. 2025-02-04; make-up working days Sunday 01-26 and Saturday 02-08.
    assert china_workday(date(2025, 1, 26)) is True
    assert china_workday(date(2025, 1, 27)) is True
    assert all(not china_workday(date(2025, 1, 28) + timedelta(days=i)) for i in range(8))
    assert china_workday(date(2025, 2, 5)) is True
    assert china_workday(date(2025, 2, 8)) is True
    assert china_workday(date(2025, 2, 9)) is False


def test_working_hours_across_a_weekend() -> None:
    # Friday 2025-03-07 17:00 + 60: 30 minutes to 17:30, Saturday and Sunday off, 30 more on Monday -> 09:30.
    assert HOURS.add_minutes(cst(2025, 3, 7, 17, 0), 60) == cst(2025, 3, 10, 9, 30)
    # Friday 16:00 -> Monday 10:00: 90 minutes on Friday + 60 on Monday.
    assert HOURS.minutes_between(cst(2025, 3, 7, 16, 0), cst(2025, 3, 10, 10, 0)) == 150
    # Reported on a Saturday: the clock starts Monday 09:00.
    assert HOURS.add_minutes(cst(2025, 3, 8, 10, 0), 30) == cst(2025, 3, 10, 9, 30)


def test_working_hours_across_lunch_and_at_closing_time() -> None:
    # 11:30 + 60: 30 minutes to 12:00, lunch until 13:30, 30 more -> 14:00.
    assert HOURS.add_minutes(cst(2025, 3, 10, 11, 30), 60) == cst(2025, 3, 10, 14, 0)
    # A whole working day from 09:00 ends at 17:30 that day, not the next morning.
    assert HOURS.add_minutes(cst(2025, 3, 10, 9, 0), 420) == cst(2025, 3, 10, 17, 30)
    # Inside lunch nothing counts.
    assert HOURS.minutes_between(cst(2025, 3, 10, 12, 0), cst(2025, 3, 10, 13, 30)) == 0
    assert HOURS.add_minutes(cst(2025, 3, 10, 12, 15), 0) == cst(2025, 3, 10, 12, 15)


def test_working_hours_across_the_2025_spring_festival() -> None:
    # Monday 2025-01-27 17:00 + 60: 30 minutes that day, holiday 01-28..02-04, Wednesday 02-05 09:30.
    assert HOURS.add_minutes(cst(2025, 1, 27, 17, 0), 60) == cst(2025, 2, 5, 9, 30)
    # Saturday 2025-01-25 is a day off, Sunday 01-26 a make-up working day: 10:00 + 30 -> Sunday 09:30.
    assert HOURS.add_minutes(cst(2025, 1, 25, 10, 0), 30) == cst(2025, 1, 26, 9, 30)
    # Friday 02-07 17:00 + 60 -> make-up Saturday 02-08 09:30.
    assert HOURS.add_minutes(cst(2025, 2, 7, 17, 0), 60) == cst(2025, 2, 8, 9, 30)
    # 2025-01-24 09:00 -> 2025-02-10 09:00: working days 01-24, 01-26, 01-27, 02-05, 02-06, 02-07,
    # 02-08 = 7 days × 420 = 2940 minutes.
    assert HOURS.minutes_between(cst(2025, 1, 24, 9, 0), cst(2025, 2, 10, 9, 0)) == 2940


def test_utc_inputs_give_the_same_answers() -> None:
    # 2025-03-07 09:00 UTC = 17:00 +08:00 (the weekend case above).
    assert HOURS.add_minutes(datetime(2025, 3, 7, 9, 0, tzinfo=UTC), 60) == cst(2025, 3, 10, 9, 30)


def test_a_year_of_working_minutes_is_computed_by_days() -> None:
    # 2025 has 261 weekdays. Holidays falling on weekdays: New Year 1, Spring Festival 6
    # (01-28..01-31, 02-03, 02-04), Qingming 1 (04-04), Labour Day 3 (05-01, 05-02, 05-05),
    # Dragon Boat 1 (06-02), National Day 6 (10-01..10-03, 10-06..10-08) = 18. Make-up working
    # days: 01-26, 02-08, 04-27, 09-28, 10-11 = 5. 261 - 18 + 5 = 248 days × 420 = 104,160 minutes.
    days = sum(china_workday(date(2025, 1, 1) + timedelta(days=i)) for i in range(365))
    assert days == 248
    assert HOURS.minutes_between(cst(2025, 1, 1), cst(2026, 1, 1)) == 104_160
    # And adding them back from 2025-01-01 lands on the close of the last working day (Wed 2025-12-31).
    assert HOURS.add_minutes(cst(2025, 1, 1), 104_160) == cst(2025, 12, 31, 17, 30)


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2025, 11, 30)),  # noqa: DTZ001
    minutes=st.floats(min_value=0, max_value=10_000, allow_nan=False),
)
def test_add_then_measure_round_trips(start: datetime, minutes: float) -> None:
    begin = start.replace(tzinfo=CST, microsecond=0)
    end = HOURS.add_minutes(begin, minutes)
    assert end >= begin
    assert HOURS.minutes_between(begin, end) == pytest.approx(minutes, abs=1e-4)


@settings(max_examples=100, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2024, 6, 30)),  # noqa: DTZ001
    minutes=st.integers(min_value=0, max_value=200_000),
)
def test_long_additions_jump_over_years_and_round_trip(start: datetime, minutes: int) -> None:
    # Up to 200,000 minutes (about 476 working days) from early 2024 ends in 2025 or early 2026.
    begin = start.replace(tzinfo=CST)
    end = HOURS.add_minutes(begin, minutes)
    assert HOURS.minutes_between(begin, end) == pytest.approx(minutes, abs=1e-6)
    # The answer is the first such instant: a moment earlier, less time has elapsed.
    if minutes:
        assert HOURS.minutes_between(begin, end - timedelta(seconds=1)) < minutes


def reference_minutes(start: datetime, end: datetime) -> float:
    """Day-by-day sum of the default windows on China's working days: slow and obviously right."""
    total = 0.0
    day = start.astimezone(CST).date()
    while day <= (end - timedelta(microseconds=1)).astimezone(CST).date():
        if china_workday(day):
            for opening, closing in ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30))):
                lo = max(datetime.combine(day, opening, tzinfo=CST), start)
                hi = min(datetime.combine(day, closing, tzinfo=CST), end)
                total += max(0.0, (hi - lo).total_seconds() / 60)
        day += timedelta(days=1)
    return total


@settings(max_examples=150, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 30)),  # noqa: DTZ001
    length=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=500)),
)
def test_long_spans_match_a_day_by_day_sum(start: datetime, length: timedelta) -> None:
    begin = start.replace(tzinfo=CST)
    end = min(begin + length, cst(2027, 1, 1))
    assert HOURS.minutes_between(begin, end) == pytest.approx(reference_minutes(begin, end), abs=1e-6)


def test_span_ending_at_midnight_needs_no_data_for_the_next_day() -> None:
    # Thursday 2026-12-31 is a working day; chinesecalendar has no 2027 data, and none is needed.
    assert HOURS.minutes_between(cst(2026, 12, 31, 9, 0), cst(2027, 1, 1)) == 420


def test_unknown_year_is_a_clear_error() -> None:
    with pytest.raises(CalendarUnavailableError, match="节假日数据不包含 2031 年"):
        HOURS.add_minutes(cst(2031, 1, 6, 9, 0), 30)


def test_custom_windows_and_plain_weekdays() -> None:
    windows = parse_windows("08:30-12:00, 14:00-18:00")
    assert windows == ((time(8, 30), time(12, 0)), (time(14, 0), time(18, 0)))
    cal = WorkingHours(windows=windows, is_workday=weekday_workday)
    assert cal.minutes_per_workday == 450
    # Without the holiday calendar, Tuesday 2025-01-28 (Spring Festival) is a working day.
    assert cal.add_minutes(cst(2025, 1, 28, 8, 30), 450) == cst(2025, 1, 28, 18, 0)
    # ...and the make-up Sunday 2025-01-26 is not.
    assert cal.minutes_between(cst(2025, 1, 26), cst(2025, 1, 27)) == 0


def test_bad_windows_are_refused() -> None:
    with pytest.raises(ValueError, match="结束时间必须晚于开始时间"):
        WorkingHours(windows=((time(12, 0), time(9, 0)),))
    with pytest.raises(ValueError, match="互不重叠"):
        WorkingHours(windows=((time(9, 0), time(12, 0)), (time(11, 0), time(13, 0))))
    with pytest.raises(ValueError, match="不能为空"):
        WorkingHours(windows=())
    with pytest.raises(ValueError, match="工作时段格式错误"):
        parse_windows("9点-12点")
