"""When a unit's unanswered resolved request is confirmed by itself."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from slatrack.measure.calendars import CalendarUnavailableError
from slatrack.measure.closure import auto_confirm_at

CST = ZoneInfo("Asia/Shanghai")


def test_three_working_days_skip_the_weekend() -> None:
    friday = datetime(2025, 5, 9, 16, 0, tzinfo=CST)
    assert auto_confirm_at(friday, 3, "Asia/Shanghai") == datetime(2025, 5, 15, 0, 0, tzinfo=CST)


def test_public_holidays_and_make_up_days_count_as_china_does() -> None:
    # 2025-04-30 (Wed): 5/1-5/5 are holidays, 5/6 the first working day after.
    before_holiday = datetime(2025, 4, 30, 10, 0, tzinfo=CST)
    assert auto_confirm_at(before_holiday, 1, "Asia/Shanghai") == datetime(2025, 5, 7, 0, 0, tzinfo=CST)


def test_years_without_holiday_data_fall_back_to_weekdays() -> None:
    def unavailable(day: date) -> bool:
        raise CalendarUnavailableError("no data")

    monday = datetime(2031, 3, 3, 9, 0, tzinfo=CST)
    assert auto_confirm_at(monday, 5, "Asia/Shanghai", unavailable) == datetime(2031, 3, 11, 0, 0, tzinfo=CST)
