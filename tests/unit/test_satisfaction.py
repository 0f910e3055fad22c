from datetime import datetime, timedelta, timezone

import pytest

from slatrack.measure.satisfaction import SurveyResponse, satisfaction_figures

CST = timezone(timedelta(hours=8))


def test_rate_per_unit_and_coverage() -> None:
    responses = [
        SurveyResponse("522701", 5),
        SurveyResponse("522701", 2),
        SurveyResponse("522702", 3),
        SurveyResponse("522703", 4),
        SurveyResponse("522700", 1),
    ]
    figures = satisfaction_figures(responses, unit_count=13)
    # Scores >= 3: 5, 3, 4 -> 3 of 5 = 60 %. Units answered 4 of 13 = 30.769 -> 30.77 %.
    assert (figures.responses, figures.satisfied, figures.rate) == (5, 3, 60.0)
    assert (figures.units_answered, figures.coverage) == (4, 30.77)
    # 522701: 1 of 2 = 50 %; 522700: 0 of 1 = 0 %.
    assert figures.per_unit["522701"].rate == 50.0
    assert figures.per_unit["522700"].rate == 0.0
    assert figures.per_unit["522702"].rate == 100.0


def test_no_responses_and_late_responses() -> None:
    empty = satisfaction_figures([])
    assert empty.rate is None and empty.coverage == 0.0 and empty.per_unit == {}
    as_of = datetime(2025, 6, 30, tzinfo=CST)
    late = SurveyResponse("522701", 1, responded_at=as_of + timedelta(days=1))
    on_time = SurveyResponse("522702", 4, responded_at=as_of)
    figures = satisfaction_figures([late, on_time], as_of=as_of)
    assert (figures.responses, figures.rate) == (1, 100.0)


def test_scores_outside_one_to_five_are_refused() -> None:
    with pytest.raises(ValueError, match="满意度评分 6 无效"):
        SurveyResponse("522701", 6)
