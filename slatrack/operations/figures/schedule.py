"""What a year under way owes by a given day of its monthly security checks and quarterly reports.

Those counts fall due one at a time (a month's check from its due day, the 25th, when the reminders start; a
quarter's report once the quarter is over), not evenly over the days. Judged by the elapsed share of the
year, 11 checks on 3 December read as behind (11 < 12 × 337/365), though December's is not due yet.
"""

from __future__ import annotations

from datetime import date, timedelta

from slatrack.measure.indicators import AT_RISK, MISSED
from slatrack.operations.notifications.deadlines import INSPECTION_DUE_DAY

MONTHS = 12
QUARTERS = 4


def _month_end(year: int, month: int) -> date:
    following = date(year + 1, 1, 1) if month == MONTHS else date(year, month + 1, 1)
    return following - timedelta(days=1)


def due_by(metric: str, year: int, today: date) -> int | None:
    """How many of ``year``'s monthly checks or quarterly reports are due on ``today``; None for other metrics."""
    if metric == "monitoring_months":
        return sum(
            1
            for month in range(1, MONTHS + 1)
            if today > _month_end(year, month) or (date(year, month, 1) <= today and today.day >= INSPECTION_DUE_DAY)
        )
    if metric == "reports_submitted":
        return sum(1 for quarter in range(1, QUARTERS + 1) if today > _month_end(year, quarter * 3))
    return None


def on_schedule(state: str, metric: str, operator: str, actual: float | None, year: int, today: date) -> str:
    """A year under way with every check and report due so far is on pace (有风险 until the rest come), not 未达成."""
    if state != MISSED or today.year != year or operator not in (">=", "=") or actual is None:
        return state
    due = due_by(metric, year, today)
    return AT_RISK if due is not None and actual >= due else state
