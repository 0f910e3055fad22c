"""A quarter under way is not judged missed on the counts it can still reach by its end (待定), while a quarter
that is over is; the integration database's 2025 projects, measured on 3 November 2025 (2025Q4 under way)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Flask

from slatrack.measure.indicators import MISSED, UNKNOWN
from slatrack.operations.figures.dashboard_figures import JUDGEMENT_LABELS, measure_part, pending_while_open

CST = timezone(timedelta(hours=8))
NOW = datetime(2025, 11, 3, 10, tzinfo=CST)
COUNTS = ("reports_submitted", "monitoring_months")


def test_counts_of_a_quarter_under_way_are_pending_not_missed(app: Flask) -> None:
    with app.app_context():
        under_way = {line.metric: line for line in measure_part(2025, "2025Q4", NOW).indicators}
        over = {line.metric: line for line in measure_part(2025, "2025Q3", NOW).indicators}
    for metric in COUNTS:
        assert under_way[metric].quarter_actual == 0, metric
        assert under_way[metric].quarter_state == UNKNOWN and under_way[metric].quarter_label == "待定", metric
        # The same nothing in a quarter that is over is missed.
        assert over[metric].quarter_actual == 0 and over[metric].quarter_state == MISSED, metric
    assert JUDGEMENT_LABELS[UNKNOWN] == "待定"


def test_only_a_reachable_count_is_pending() -> None:
    assert pending_while_open(MISSED, ">=", 3, "月", 2, 0.7) == UNKNOWN  # December can still make it 3
    assert pending_while_open(MISSED, ">=", 3, "月", 2, 1.0) == MISSED  # the quarter is over
    assert pending_while_open(MISSED, "=", 3, "次", 4, 0.7) == MISSED  # past an "=" target: no way back
    assert pending_while_open(MISSED, ">=", 98, "%", 97, 0.7) == MISSED  # a rate is judged as it stands
    assert pending_while_open(MISSED, "<=", 5, "%", 6, 0.7) == MISSED  # a limit broken stays broken
