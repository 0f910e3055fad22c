from datetime import datetime, timedelta, timezone

import pytest

from slatrack.measure.inspections import Inspection, monitoring_months
from slatrack.measure.periods import quarter_period, year_period

CST = timezone(timedelta(hours=8))


def check(month: str, kind: str, passed: bool = True, day: int = 25) -> Inspection:
    year, mon = (int(x) for x in month.split("-"))
    return Inspection(month, kind, passed, datetime(year, mon, day, 10, tzinfo=CST))


def test_months_need_both_checks_passed() -> None:
    inspections = [
        check("2025-04", "security"),
        check("2025-04", "backup"),
        check("2025-05", "security"),
        check("2025-05", "backup", passed=False),  # failed backup, never re-checked
        check("2025-06", "security", passed=False),
        check("2025-06", "security", day=28),  # failed, then passed on re-check
        check("2025-06", "backup"),
        check("2025-07", "security"),  # outside Q2
    ]
    figures = monitoring_months(inspections, quarter_period("2025Q2"), datetime(2025, 7, 10, tzinfo=CST))
    # April and June count; May lacks a passed backup check.
    assert figures.months == ("2025-04", "2025-05", "2025-06")
    assert figures.monitored == ("2025-04", "2025-06")
    assert figures.count == 2
    assert figures.missing == {"2025-05": ("backup",)}


def test_year_cut_at_as_of_ignores_later_checks() -> None:
    inspections = [check("2025-01", "security"), check("2025-01", "backup"), check("2025-02", "security", day=20)]
    # As of 2025-02-15 the year has reached February; the 02-20 check does not exist yet.
    figures = monitoring_months(inspections, year_period(2025), datetime(2025, 2, 15, tzinfo=CST))
    assert figures.months == ("2025-01", "2025-02")
    assert figures.count == 1
    assert figures.missing == {"2025-02": ("security", "backup")}


def test_bad_inspections_are_refused() -> None:
    with pytest.raises(ValueError, match="检查类型"):
        check("2025-01", "antivirus")
    with pytest.raises(ValueError, match="月份格式错误"):
        Inspection("2025/01", "backup", True, datetime(2025, 1, 5, tzinfo=CST))
