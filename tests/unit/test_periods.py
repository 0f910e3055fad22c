from datetime import UTC, date, datetime

import pytest

from slatrack.measure.periods import (
    Period,
    contract_span,
    month_period,
    period_from_dates,
    period_from_label,
    quarter_period,
    require_aware,
    year_period,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_inclusive_dates_become_half_open_utc_interval() -> None:
    # 2025-04-01 00:00 +08:00 = 2025-03-31 16:00 UTC; the day after 2025-06-30 is 2025-07-01,
    # whose local midnight is 2025-06-30 16:00 UTC.
    period = period_from_dates("2025-04-01", "2025-06-30")
    assert period.start == utc(2025, 3, 31, 16)
    assert period.end == utc(2025, 6, 30, 16)
    assert period.first_day == date(2025, 4, 1)
    assert period.last_day == date(2025, 6, 30)
    # 91 days × 1440 minutes
    assert period.minutes == 91 * 1440


def test_single_day_period_and_other_time_zone() -> None:
    period = period_from_dates(date(2025, 5, 5), date(2025, 5, 5), tz="UTC")
    assert (period.start, period.end) == (utc(2025, 5, 5), utc(2025, 5, 6))


def test_quarter_year_and_month_labels() -> None:
    assert quarter_period("2025Q2") == period_from_dates("2025-04-01", "2025-06-30")
    assert quarter_period("2025q4") == period_from_dates("2025-10-01", "2025-12-31")
    assert year_period("2025") == period_from_dates("2025-01-01", "2025-12-31")
    # February 2024 has 29 days.
    assert month_period("2024-02") == period_from_dates("2024-02-01", "2024-02-29")
    assert period_from_label("2025") == year_period(2025)
    assert period_from_label("2025Q1") == quarter_period("2025Q1")
    assert period_from_label("2025-12") == month_period("2025-12")


@pytest.mark.parametrize(
    ("label", "message"),
    [("2025Q5", "期间格式错误"), ("25Q1", "期间格式错误"), ("2025-13", "月份应在 01 到 12 之间"), ("", "期间格式错误")],
)
def test_bad_labels_are_refused_with_a_chinese_message(label: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        period_from_label(label)


def test_bad_dates_are_refused() -> None:
    with pytest.raises(ValueError, match="开始日期格式错误"):
        period_from_dates("2025/04/01", "2025-06-30")
    with pytest.raises(ValueError, match="结束日期 2025-03-31 早于开始日期 2025-04-01"):
        period_from_dates("2025-04-01", "2025-03-31")
    with pytest.raises(ValueError, match="未知的时区"):
        period_from_dates("2025-04-01", "2025-04-02", tz="Mars/Olympus")


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="必须带时区"):
        require_aware(datetime(2025, 1, 1))  # noqa: DTZ001 - the naive value is the point of the test
    with pytest.raises(ValueError, match="必须带时区"):
        Period(datetime(2025, 1, 1), utc(2025, 1, 2))  # noqa: DTZ001


def test_months_and_quarters_of_a_period() -> None:
    period = period_from_dates("2025-03-15", "2025-07-02")
    assert period.months() == ["2025-03", "2025-04", "2025-05", "2025-06", "2025-07"]
    assert period.quarters() == ["2025Q1", "2025Q2", "2025Q3"]
    assert year_period(2025).quarters() == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    assert len(year_period(2025).months()) == 12


def test_cut_at_as_of() -> None:
    year = year_period(2025)
    # 2025-05-10 12:00 +08:00 = 04:00 UTC: the period now ends there, and touches January to May.
    cut = year.cut(utc(2025, 5, 10, 4))
    assert cut.start == year.start
    assert cut.end == utc(2025, 5, 10, 4)
    assert cut.months() == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"]
    # as_of after the period leaves it whole; before it leaves it empty.
    assert year.cut(utc(2026, 3, 1)) == year
    before = year.cut(utc(2024, 1, 1))
    assert before.is_empty and before.minutes == 0 and before.months() == []


def test_contract_span_and_intersection_with_a_period() -> None:
    om2023 = contract_span("2024-08-26", "2025-04-13")
    om2025 = contract_span("2025-04-14", "2025-12-31")
    q2 = quarter_period("2025Q2")
    first = q2.intersect(om2023)
    second = q2.intersect(om2025)
    assert first is not None and second is not None
    # Q2 ∩ OM-2023 = 2025-04-01 .. 2025-04-13 (13 days); ∩ OM-2025 = 04-14 .. 06-30 (78 days).
    assert (first.first_day, first.last_day) == (date(2025, 4, 1), date(2025, 4, 13))
    assert first.minutes == 13 * 1440
    assert (second.first_day, second.last_day) == (date(2025, 4, 14), date(2025, 6, 30))
    assert second.minutes == 78 * 1440
    # The two contracts meet without overlapping.
    assert om2023.end == om2025.start
    assert om2023.intersect(om2025) is None
    assert quarter_period("2024Q1").intersect(om2025) is None
