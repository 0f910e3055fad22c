import pytest

from slatrack.measure.scoring import (
    Indicator,
    assign_weights,
    budget_points,
    grade_for,
    score_indicator,
    score_project,
)

PROJECT = "黔南州督考绩效管理综合运用系统运维经费"


def row(
    name: str,
    operator: str,
    target: float | None,
    actual: float | None = None,
    *,
    level1: str = "产出指标",
    level2: str = "质量指标",
    grade: str | None = None,
    weight: float | None = None,
    project: str = PROJECT,
) -> Indicator:
    return Indicator(project, level1, level2, name, operator, target, "%", weight, actual, grade)


def test_at_least_indicator() -> None:
    # weight 10 × min(1, 49 / 98) = 5; above target is capped at 10.
    half = score_indicator(row("服务响应率", ">=", 98, 49), 10)
    assert (half.score, half.met) == (5.0, False)
    over = score_indicator(row("服务响应率", ">=", 98, 100), 10)
    assert (over.score, over.met) == (10.0, True)
    exact = score_indicator(row("系统运行监控", ">=", 12, 12), 4)
    assert (exact.score, exact.met) == (4.0, True)


def test_at_most_indicator_and_an_actual_of_zero() -> None:
    # weight 6 × min(1, 5 / 10) = 3, not met.
    double = score_indicator(row("系统故障率", "<=", 5, 10), 6)
    assert (double.score, double.met) == (3.0, False)
    # No downtime at all: 0 <= 5, full score (no division by zero).
    zero = score_indicator(row("系统故障率", "<=", 5, 0), 6)
    assert (zero.score, zero.met) == (6.0, True)
    on_target = score_indicator(row("系统运维服务资金", "<=", 67, 67), 6)
    assert (on_target.score, on_target.met) == (6.0, True)


def test_equal_indicator_scores_like_at_least_but_is_met_only_when_equal() -> None:
    met = score_indicator(row("系统运维服务期限", "=", 12, 12), 5)
    assert (met.score, met.met) == (5.0, True)
    # 5 × 11 / 12 = 4.5833 -> 4.58 (proportional, as the published rule scores a numeric "=").
    short = score_indicator(row("系统运维服务期限", "=", 12, 11), 5)
    assert (short.score, short.met) == (4.58, False)
    # Above the target: capped at the weight, and not met (it is not equal).
    over = score_indicator(row("系统运维数量", "=", 1, 2), 5)
    assert (over.score, over.met) == (5.0, False)
    # A target of 0: full when equal, else nothing.
    assert score_indicator(row("X", "=", 0, 0), 5).score == 5.0
    assert score_indicator(row("X", "=", 0, 1), 5).score == 0.0
    # 100.0 computed as budget / paid may carry float noise; equality allows 1e-9.
    noisy = score_indicator(row("项目或定额成本控制率", "=", 100, 0.1 * 3 / 0.3 * 100), 5)
    assert noisy.met is True


@pytest.mark.parametrize(
    ("grade", "score", "met"), [("优", 8.0, True), ("良", 6.4, False), ("中", 4.8, False), ("差", 0.0, False)]
)
def test_qualitative_indicator_takes_the_manual_grade(grade: str, score: float, met: bool) -> None:
    # weight 8 × 100 / 80 / 60 / 0 %.
    scored = score_indicator(row("系统故障处理", "qualitative", None, grade=grade), 8)
    assert scored.score == pytest.approx(score)
    assert scored.met is met


def test_missing_actual_or_grade_scores_none_and_is_not_met() -> None:
    assert score_indicator(row("服务响应率", ">=", 98, None), 10).score is None
    assert score_indicator(row("服务响应率", ">=", 98, None), 10).met is False
    assert score_indicator(row("系统故障处理", "qualitative", None), 8).score is None


def test_grade_boundaries() -> None:
    assert grade_for(100) == "优"
    assert grade_for(90) == "优"
    assert grade_for(89.99) == "良"
    assert grade_for(89.995) == "优"  # shown as 90.00 (half up), graded as shown
    assert grade_for(80) == "良"
    assert grade_for(79.99) == "中"
    assert grade_for(60) == "中"
    assert grade_for(59.99) == "差"
    assert grade_for(0) == "差"


def test_budget_points() -> None:
    # 10 × min(1, rate / 100).
    assert budget_points(80) == 8.0
    assert budget_points(100) == 10.0
    assert budget_points(130) == 10.0
    assert budget_points(None) == 0.0


def test_weights_split_evenly_inside_each_group() -> None:
    # The maintenance form: 11 output indicators (2 数量 + 6 质量 + 1 时效 + 2 成本) share 50,
    # 效益 and 可持续影响 share 30 (15 each), satisfaction 10.
    rows = [row(f"产出{i}", ">=", 1, 1) for i in range(11)]
    rows += [row("社会效益", "qualitative", None, level1="效益指标", grade="优")]
    rows += [row("系统正常使用年限", ">=", 1, 1, level1="可持续影响指标")]
    rows += [row("满意度", ">=", 90, 95, level1="满意度指标")]
    weights = assign_weights(rows)
    # Printed with two decimals, summing exactly to 50: ten of 4.55 and the last 4.50.
    assert weights[:11] == [4.55] * 10 + [4.50]
    assert sum(round(w * 100) for w in weights[:11]) == 5000
    assert weights[11:] == [15.0, 15.0, 10.0]
    # All met with a full budget execution: 10 + 50 + 30 + 10 = 100.
    result = score_project(PROJECT, rows, 100)
    assert result.total == 100.0
    assert result.grade == "优"


def test_a_set_weight_is_kept_and_the_rest_shared() -> None:
    rows = [row("A", ">=", 1, 1, weight=10)] + [row(f"B{i}", ">=", 1, 1) for i in range(4)]
    # 50 - 10 = 40 left for four indicators: 10 each.
    assert assign_weights(rows) == [10, 10, 10, 10, 10]
    with pytest.raises(ValueError, match="权重合计 60 超过该组分值 50"):
        assign_weights([row("A", ">=", 1, 1, weight=60)])


def test_shifted_form_columns_still_land_in_the_output_group() -> None:
    # The forms put 质量指标/时效指标/成本指标 in the 一级 column in places; they belong to 产出指标.
    rows = [row("A", ">=", 1, 1, level1="质量指标"), row("B", ">=", 1, 1, level1="成本指标")]
    assert assign_weights(rows) == [25, 25]
    with pytest.raises(ValueError, match="无法确定一级指标"):
        row("X", ">=", 1, 1, level1="其他指标")


def test_project_total_worked_by_hand() -> None:
    rows = [
        row("A", ">=", 100, 50),  # 25 × 0.5 = 12.5
        row("B", ">=", 4, 4),  # 25
        row("社会效益", "qualitative", None, level1="效益指标", grade="良"),  # 30 × 0.8 = 24
        row("满意度", ">=", 90, 85.5, level1="满意度指标"),  # 10 × 0.95 = 9.5
        row("其他项目的指标", ">=", 1, 0, project="督查考评事务管理项目"),  # another project: ignored
    ]
    # Budget 80 % -> 8. Total 8 + 12.5 + 25 + 24 + 9.5 = 79.0 -> 中.
    result = score_project(PROJECT, rows, 80)
    assert result.budget_points == 8.0
    assert [s.score for s in result.indicators] == [12.5, 25.0, 24.0, 9.5]
    assert result.total == 79.0
    assert result.grade == "中"
    assert result.missing == ()


def test_missing_actuals_add_nothing_and_are_listed() -> None:
    rows = [row("A", ">=", 1, 1), row("B", ">=", 1, None), row("满意度", ">=", 90, None, level1="满意度指标")]
    # A 25 + budget 10 = 35; B and 满意度 not measured yet.
    result = score_project(PROJECT, rows, 100)
    assert result.total == 35.0
    assert result.grade == "差"
    assert result.missing == ("B", "满意度")


def test_bad_rows_are_refused() -> None:
    with pytest.raises(ValueError, match="运算符"):
        row("A", ">", 1, 1)
    with pytest.raises(ValueError, match="缺少目标值"):
        row("A", ">=", None, 1)
    with pytest.raises(ValueError, match="评级"):
        row("A", "qualitative", None, grade="好")


def test_thirds_and_sevenths_sum_exactly() -> None:
    thirds = assign_weights([row(f"B{i}", ">=", 1, 1, level1="效益指标") for i in range(7)])
    assert thirds == [4.29] * 6 + [4.26]
    assert sum(round(w * 100) for w in thirds) == 3000
    fixed = assign_weights([row("A", ">=", 1, 1, weight=10.5)] + [row(f"B{i}", ">=", 1, 1) for i in range(3)])
    # 50 - 10.50 = 39.50 over three: 13.17, 13.17, 13.16.
    assert fixed == [10.5, 13.17, 13.17, 13.16]


def test_row_scores_are_rounded_and_the_total_is_the_sum_of_printed_figures() -> None:
    # Eleven output rows at 4.55/4.50, each two-thirds done: 4.55 × 2/3 = 3.0333 -> 3.03; 4.50 × 2/3 = 3.00.
    rows = [row(f"产出{i}", ">=", 3, 2) for i in range(11)]
    rows += [row("满意度", ">=", 90, 89, level1="满意度指标")]  # 10 × 89/90 = 9.888 -> 9.89
    result = score_project(PROJECT, rows, 87.456)  # 8.7456 -> 8.75
    assert [s.score for s in result.indicators] == [3.03] * 10 + [3.0, 9.89]
    assert result.budget_points == 8.75
    assert result.subtotals == {"output": 33.3, "benefit": 0.0, "satisfaction": 9.89}
    assert result.indicator_points == 43.19
    # 8.75 + 33.30 + 9.89 = 51.94, the sum of the printed figures (unrounded it would be 51.97).
    assert result.total == 51.94
