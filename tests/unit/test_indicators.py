"""measure/indicators.py is the one judge of an indicator: the dashboard's verdict, the score's "met" and the
quarterly report's "达标" agree, with one tolerance."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slatrack.measure.indicators import MET, MISSED, TOLERANCE, judge, meets, quarter_target
from slatrack.measure.scoring import Indicator, score_indicator

OPERATORS = (">=", "<=", "=")


@given(
    operator=st.sampled_from(OPERATORS),
    target=st.floats(min_value=0.5, max_value=1000, allow_nan=False),
    actual=st.floats(min_value=0, max_value=2000, allow_nan=False),
    unit=st.sampled_from(("%", "次", "月")),
)
def test_a_year_that_ended_is_met_exactly_when_the_score_says_so(
    operator: str, target: float, actual: float, unit: str
) -> None:
    scored = score_indicator(Indicator("P", "产出指标", "数量指标", "x", operator, target, unit, actual=actual), 10.0)
    verdict = judge(operator, target, unit, actual, None, share=1.0)
    assert scored.met == meets(operator, actual, target)
    assert (verdict != MISSED) == scored.met


@pytest.mark.parametrize(
    ("operator", "actual", "target", "expected"),
    [
        ("=", 95.0, 95.0, True),
        ("=", 95.0 + TOLERANCE / 2, 95.0, True),
        ("=", 95.004, 95.0, False),  # the dashboard once called this met (0.005), the score did not
        (">=", 95.0 - TOLERANCE / 2, 95.0, True),
        (">=", 94.99, 95.0, False),
        ("<=", 2.0 + TOLERANCE / 2, 2.0, True),
        ("<=", 2.01, 2.0, False),
        (">=", None, 95.0, None),
        ("qualitative", 1.0, 1.0, None),
    ],
)
def test_meets(operator: str, actual: float | None, target: float, expected: bool | None) -> None:
    assert meets(operator, actual, target) is expected


def test_a_quarter_of_a_count_the_same_rate() -> None:
    assert quarter_target(100.0, "次") == 25.0
    assert quarter_target(12.0, "月") == 3.0
    assert quarter_target(98.0, "%") == 98.0
    assert quarter_target(None, "次") is None


def test_equal_within_the_tolerance_is_met_on_the_dashboard() -> None:
    assert judge("=", 95.0, "%", 95.0 + TOLERANCE / 2, None, 1.0) == MET
    assert judge("=", 95.0, "%", 95.004, None, 1.0) == MISSED


def test_year_to_date_target_is_pro_rated_for_counts_only() -> None:
    from slatrack.measure.indicators import year_to_date_target

    # ≥ 100 次 a year: 25 by the end of Q1, 50 by Q2, 100 by Q4; ≥ 4 reports: 2 by Q2.
    assert [year_to_date_target(">=", 100, "次", q) for q in (1, 2, 3, 4)] == [25, 50, 75, 100]
    assert year_to_date_target(">=", 4, "次", 2) == 2
    assert year_to_date_target(">=", 4, "期", 3) == 3 and year_to_date_target(">=", 12, "人次", 1) == 3
    # A term, a whole set, a rate and a ≤ limit stay as they are: =12月 of service is not =9月 by Q3.
    assert [year_to_date_target("=", 12, "月", q) for q in (1, 2, 3, 4)] == [12, 12, 12, 12]
    assert year_to_date_target("=", 1, "套", 3) == 1
    assert year_to_date_target(">=", 1, "年", 3) == 1
    assert year_to_date_target(">=", 98, "%", 1) == 98
    assert year_to_date_target("<=", 67, "万元", 2) == 67
    assert year_to_date_target(">=", None, "次", 2) is None
