"""Monthly checks and quarterly reports fall due one at a time: a year under way with all those due so far is on
pace (有风险), not missed."""

from __future__ import annotations

from datetime import date

from slatrack.measure.indicators import AT_RISK, MET, MISSED
from slatrack.operations.figures.schedule import due_by, on_schedule


def test_what_is_due_by_a_day() -> None:
    assert due_by("monitoring_months", 2026, date(2026, 12, 3)) == 11  # December's check is due from the 25th
    assert due_by("monitoring_months", 2026, date(2026, 12, 25)) == 12
    assert due_by("monitoring_months", 2026, date(2026, 1, 24)) == 0
    assert due_by("monitoring_months", 2026, date(2027, 1, 1)) == 12
    assert due_by("reports_submitted", 2026, date(2026, 12, 3)) == 3  # Q4's report comes after the quarter
    assert due_by("reports_submitted", 2026, date(2026, 3, 31)) == 0
    assert due_by("reports_submitted", 2026, date(2026, 4, 1)) == 1
    assert due_by("consultations", 2026, date(2026, 12, 3)) is None


def test_a_year_under_way_with_everything_due_is_on_pace() -> None:
    today = date(2026, 12, 3)
    assert on_schedule(MISSED, "monitoring_months", ">=", 11, 2026, today) == AT_RISK
    assert on_schedule(MISSED, "reports_submitted", ">=", 3, 2026, today) == AT_RISK
    # One due and missing, another metric, a finished year, or a verdict that is not "missed" stay as they are.
    assert on_schedule(MISSED, "monitoring_months", ">=", 10, 2026, today) == MISSED
    assert on_schedule(MISSED, "consultations", ">=", 90, 2026, today) == MISSED
    assert on_schedule(MISSED, "reports_submitted", ">=", 3, 2026, date(2027, 1, 5)) == MISSED
    assert on_schedule(MET, "reports_submitted", ">=", 4, 2026, today) == MET
