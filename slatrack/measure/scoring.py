"""Indicator evaluation and the self-evaluation score (绩效自评), SPEC section 5.

Points (100 in all per project):

====================  ======  ==========================================================
group                 points  what falls in it (by 一级指标)
====================  ======  ==========================================================
预算执行率            10      not an indicator row of the approval forms: it is scored from
                              the budget execution rate, 10 × min(1, rate / 100)
产出指标              50      产出指标 (and 数量/质量/时效/成本指标 where a form's shifted
                              columns put them in the 一级 column)
效益指标              30      效益指标 and 可持续影响指标
满意度                10      满意度指标
====================  ======  ==========================================================

Inside a group, an indicator with a ``weight`` keeps it; the rest of the group's points are
split evenly among the indicators without one. A group without indicators contributes nothing.

Printed arithmetic (what a reader can redo on the page): every weight is a two-decimal figure and a
group's weights sum exactly to its points. The even share is rounded half up to two decimals and the
last indicator of the group without a weight takes what is left (50 / 11: ten of 4.55 and one of 4.50).
Each row's score is rounded half up to two decimals, the budget points too; a group's subtotal and the
total are sums of those rounded figures, computed in whole cents (no float drift).

Scores per operator (``w`` = the indicator's weight):

- ``>=``: w × min(1, actual / target); met when actual >= target. A target of 0 is met by any
  actual >= 0. A negative actual scores 0.
- ``<=``: w × min(1, target / actual); met when actual <= target; an actual of 0 (or less)
  scores in full.
- ``=`` (numeric): scored like ``>=``, w × min(1, actual / target) (a target of 0: w when equal, else 0);
  met only when equal (to ``indicators.TOLERANCE``), following ``indicators.meets``.
- ``qualitative``: the manual grade 优/良/中/差 gives 100/80/60/0 % of w; met only for 优.
- No actual (or no grade for a qualitative one): score ``None`` and not met; it adds nothing to
  the total, so an incomplete evaluation shows a lower bound and the list says what is missing.

Budget execution scores 10 × min(1, 执行率 / 100), rounded to two decimals.

Sources: 财政部《项目支出绩效评价管理办法》(财预〔2020〕10号) and its 项目支出绩效自评表 (the 10-point budget
execution row, 偏差 scoring of indicators proportionally to completion), as restated in SPEC section 5.

The total is graded on its two-decimal figure, as shown:
优 >= 90, 良 >= 80, 中 >= 60, 差 below (90 -> 优, 89.99 -> 良, 80 -> 良, 60 -> 中, 59.99 -> 差).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from slatrack.measure.indicators import meets
from slatrack.measure.rates import round2

OPERATORS = (">=", "<=", "=", "qualitative")
GRADE_FRACTIONS: dict[str, float] = {"优": 1.0, "良": 0.8, "中": 0.6, "差": 0.0}
BUDGET_POINTS = 10.0
GROUP_POINTS: dict[str, float] = {"output": 50.0, "benefit": 30.0, "satisfaction": 10.0}
_CENT = Decimal("0.01")
_GROUP_OF_LEVEL1: dict[str, str] = {
    "产出指标": "output",
    "数量指标": "output",
    "质量指标": "output",
    "时效指标": "output",
    "成本指标": "output",
    "效益指标": "benefit",
    "可持续影响指标": "benefit",
    "满意度指标": "satisfaction",
}


@dataclass(frozen=True)
class Indicator:
    """One indicator row with its actual value (or manual grade). ``key`` is the caller's id."""

    project: str
    level1: str
    level2: str
    name: str
    operator: str
    target: float | None
    unit: str
    weight: float | None = None
    actual: float | None = None
    grade: str | None = None
    key: str = ""

    def __post_init__(self) -> None:
        if self.operator not in OPERATORS:
            raise ValueError(f"指标“{self.name}”的运算符 {self.operator!r} 无效，应为 >=、<=、= 或 qualitative")
        if self.operator != "qualitative" and self.target is None:
            raise ValueError(f"指标“{self.name}”缺少目标值")
        if self.grade is not None and self.grade not in GRADE_FRACTIONS:
            raise ValueError(f"指标“{self.name}”的评级 {self.grade!r} 无效，应为 优、良、中 或 差")
        if self.weight is not None and self.weight < 0:
            raise ValueError(f"指标“{self.name}”的权重不能为负")
        group_of(self.level1)


@dataclass(frozen=True)
class ScoredIndicator:
    indicator: Indicator
    weight: float
    met: bool
    score: float | None


@dataclass(frozen=True)
class ProjectScore:
    project: str
    budget_execution_rate: float | None
    budget_points: float
    indicators: tuple[ScoredIndicator, ...]
    # Sums of the printed (two-decimal) row scores: per group (output, benefit, satisfaction) and in all.
    subtotals: dict[str, float]
    indicator_points: float
    total: float
    grade: str
    missing: tuple[str, ...]


def group_of(level1: str) -> str:
    """The scoring group (``output``, ``benefit``, ``satisfaction``) of a 一级指标."""
    group = _GROUP_OF_LEVEL1.get(level1.strip())
    if group is None:
        raise ValueError(f"无法确定一级指标“{level1}”的计分组，应为 产出指标、效益指标、可持续影响指标 或 满意度指标")
    return group


def grade_for(total: float) -> str:
    """优/良/中/差 for a total, graded on its two-decimal rounding."""
    shown = round2(total)
    if shown >= 90:
        return "优"
    if shown >= 80:
        return "良"
    if shown >= 60:
        return "中"
    return "差"


def cents(value: float) -> int:
    """A figure in whole cents, rounded half up on its decimal form (4.545454 -> 455)."""
    return int(Decimal(repr(value)).quantize(_CENT, rounding=ROUND_HALF_UP) * 100)


def assign_weights(indicators: Sequence[Indicator]) -> list[float]:
    """Each indicator's two-decimal weight: its own, or an even share of what is left of its group's points.

    The even share is rounded to two decimals and the group's last open indicator takes the rest, so a
    group's printed weights sum exactly to its points (50 over 11: ten of 4.55 and one of 4.50).
    """
    fixed: dict[str, int] = {}
    open_rows: dict[str, list[int]] = {}
    for index, item in enumerate(indicators):
        group = group_of(item.level1)
        if item.weight is None:
            open_rows.setdefault(group, []).append(index)
        else:
            fixed[group] = fixed.get(group, 0) + cents(item.weight)
    for group, used in fixed.items():
        if used > cents(GROUP_POINTS[group]):
            raise ValueError(f"{_GROUP_NAMES[group]}的权重合计 {used / 100:g} 超过该组分值 {GROUP_POINTS[group]:g}")
    weights = [0 if item.weight is None else cents(item.weight) for item in indicators]
    for group, indexes in open_rows.items():
        left = cents(GROUP_POINTS[group]) - fixed.get(group, 0)
        share = int((Decimal(left) / len(indexes)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        for index in indexes[:-1]:
            weights[index] = share
        weights[indexes[-1]] = left - share * (len(indexes) - 1)
    return [w / 100 for w in weights]


_GROUP_NAMES = {"output": "产出指标", "benefit": "效益指标", "satisfaction": "满意度指标"}


def score_indicator(indicator: Indicator, weight: float) -> ScoredIndicator:
    """Score one indicator with a given weight (rules in the module docstring)."""
    op, target, actual = indicator.operator, indicator.target, indicator.actual
    if op == "qualitative":
        if indicator.grade is None:
            return ScoredIndicator(indicator, weight, met=False, score=None)
        score = round2(weight * GRADE_FRACTIONS[indicator.grade])
        return ScoredIndicator(indicator, weight, indicator.grade == "优", score)
    if actual is None or target is None:
        return ScoredIndicator(indicator, weight, met=False, score=None)
    met = meets(op, actual, target) is True
    if op == "<=":
        fraction = 1.0 if actual <= 0 else min(1.0, max(0.0, target / actual))
    elif target <= 0:  # ">=" and "=" against a target of 0
        fraction = 1.0 if met else 0.0
    else:
        fraction = 1.0 if met else min(1.0, max(0.0, actual / target))
    return ScoredIndicator(indicator, weight, met, round2(weight * fraction))


def budget_points(execution_rate: float | None) -> float:
    """10 × min(1, execution rate / 100), to two decimals; no rate (no budget) scores 0."""
    if execution_rate is None:
        return 0.0
    return round2(BUDGET_POINTS * min(1.0, max(0.0, execution_rate / 100)))


def score_project(project: str, indicators: Iterable[Indicator], budget_execution_rate: float | None) -> ProjectScore:
    """The self-evaluation of one project: budget points + indicator points, total and grade."""
    rows = [item for item in indicators if item.project == project]
    scored = tuple(score_indicator(item, weight) for item, weight in zip(rows, assign_weights(rows), strict=True))
    points = budget_points(budget_execution_rate)
    groups = dict.fromkeys(GROUP_POINTS, 0)
    for item in scored:
        if item.score is not None:
            groups[group_of(item.indicator.level1)] += cents(item.score)
    total = (cents(points) + sum(groups.values())) / 100
    return ProjectScore(
        project=project,
        budget_execution_rate=budget_execution_rate,
        budget_points=points,
        indicators=scored,
        subtotals={group: value / 100 for group, value in groups.items()},
        indicator_points=sum(groups.values()) / 100,
        total=total,
        grade=grade_for(total),
        missing=tuple(s.indicator.name for s in scored if s.score is None),
    )
