"""Satisfaction (满意度) from survey responses.

Rate = responses scoring >= 3 (基本满意 or better) / all responses × 100, overall and per unit.
Every response counts once, so a unit that answered twice weighs twice in the overall rate.
Coverage = units that answered / the number of units (13 for the system's users) × 100.
A rate with no responses is ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from slatrack.measure.periods import require_aware
from slatrack.measure.rates import percent

SATISFIED_FROM = 3
SCORE_LABELS: dict[int, str] = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


@dataclass(frozen=True)
class SurveyResponse:
    unit: str
    score: int
    responded_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.score not in SCORE_LABELS:
            raise ValueError(f"满意度评分 {self.score!r} 无效，应为 1 到 5 的整数")


@dataclass(frozen=True)
class UnitSatisfaction:
    responses: int
    satisfied: int
    rate: float | None


@dataclass(frozen=True)
class SatisfactionFigures:
    responses: int
    satisfied: int
    rate: float | None
    units_answered: int
    unit_count: int
    coverage: float | None
    per_unit: dict[str, UnitSatisfaction] = field(default_factory=dict)


def satisfaction_figures(
    responses: Iterable[SurveyResponse], unit_count: int = 13, as_of: datetime | None = None
) -> SatisfactionFigures:
    """Overall and per-unit rates and coverage; responses dated after ``as_of`` are left out."""
    if unit_count < 0:
        raise ValueError("单位数量不能为负")
    cut = None if as_of is None else require_aware(as_of, "as_of")
    counts: dict[str, list[int]] = {}
    for response in responses:
        if cut is not None and response.responded_at is not None and response.responded_at > cut:
            continue
        tally = counts.setdefault(response.unit, [0, 0])
        tally[0] += 1
        tally[1] += response.score >= SATISFIED_FROM
    total = sum(t[0] for t in counts.values())
    satisfied = sum(t[1] for t in counts.values())
    return SatisfactionFigures(
        responses=total,
        satisfied=satisfied,
        rate=percent(satisfied, total),
        units_answered=len(counts),
        unit_count=unit_count,
        coverage=percent(len(counts), unit_count),
        per_unit={unit: UnitSatisfaction(n, ok, percent(ok, n)) for unit, (n, ok) in sorted(counts.items())},
    )
