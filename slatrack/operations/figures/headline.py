"""The dashboard's top cards: each SLA headline figure over the year to date against its target, judged
as the indicator table judges it (met / at risk / missed / unknown, the same words and colours), with this
quarter beside it; and the system's card turns red the moment a critical target is down.

The year's and the quarter's verdicts are the indicator lines' own (``dashboard_figures.indicator_lines``,
i.e. ``measure.indicators.judge``): a card never disagrees with the table below it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from slatrack.measure.indicators import AT_RISK, MET, MISSED, UNKNOWN
from slatrack.operations.figures.dashboard_figures import JUDGEMENT_LABELS, IndicatorLine
from slatrack.operations.figures.live import TargetNow

# The headline metrics, in the order of the cards, with the card's title.
HEADLINE_METRICS = (
    ("failure_rate", "系统故障率"),
    ("response_rate", "服务响应率"),
    ("satisfaction_rate", "用户满意度"),
)
# The card's colour (the tile's class) for each verdict.
TONES = {MET: "good", AT_RISK: "warn", MISSED: "bad", UNKNOWN: "neutral"}


@dataclass(frozen=True)
class CriticalDown:
    """A critical target confirmed down now, and since when."""

    target_id: int
    name: str
    since: datetime | None


@dataclass(frozen=True)
class HeadlineCard:
    metric: str
    title: str
    target_text: str
    unit: str
    year_actual: float | None
    year_state: str
    quarter_actual: float | None
    quarter_state: str | None
    down: tuple[CriticalDown, ...] = field(default_factory=tuple)

    @property
    def state(self) -> str:
        """The card's verdict: the year's, or missed while a critical target is down."""
        return MISSED if self.down else self.year_state

    @property
    def tone(self) -> str:
        return TONES[self.state]

    @property
    def year_label(self) -> str:
        return JUDGEMENT_LABELS[self.year_state]

    @property
    def quarter_label(self) -> str:
        return "" if self.quarter_state is None else JUDGEMENT_LABELS[self.quarter_state]


def critical_down(targets: Sequence[TargetNow]) -> tuple[CriticalDown, ...]:
    """The critical targets whose outage is confirmed now (a failing check not yet confirmed is not down)."""
    return tuple(CriticalDown(t.id, t.name, t.since) for t in targets if t.critical and t.state == "down")


def headline_cards(lines: Sequence[IndicatorLine], targets: Sequence[TargetNow]) -> list[HeadlineCard]:
    """One card per headline metric that the year's indicators measure (the first indicator of each)."""
    down = critical_down(targets)
    by_metric: dict[str, IndicatorLine] = {}
    for line in lines:
        if line.metric and line.metric not in by_metric:
            by_metric[line.metric] = line
    cards = []
    for metric, title in HEADLINE_METRICS:
        found = by_metric.get(metric)
        if found is None:
            continue
        line = found
        cards.append(
            HeadlineCard(
                metric=metric,
                title=title,
                target_text=line.target_text,
                unit=line.unit,
                year_actual=line.year_actual,
                year_state=line.year_state,
                quarter_actual=line.quarter_actual,
                quarter_state=line.quarter_state,
                down=down if metric == "failure_rate" else (),
            )
        )
    return cards
