"""What the dashboard (总览) shows, gathered in as few queries as possible.

Targets now, the year's indicators with this quarter and the year to date, outages, the tickets due
soonest, the year's inspection months, budget execution and the state of each quarter's report.

Every indicator is marked ``met``, ``at_risk``, ``missed`` or ``unknown`` by ``measure.indicators.judge``.

The quarter column measures the SLA metrics (failure rate, response rate, consultations, monitoring
months, reports, satisfaction) over the quarter alone; counts are compared with a quarter's share of the
yearly target. Budget, service months, manual counts and grades are judged over the year only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slatrack.measure.sla import ScopeFigures
from slatrack.models import utcnow
from slatrack.operations import OperationError
from slatrack.operations.figures.audience import lines_for
from slatrack.operations.figures.dashboard_figures import (
    JUDGEMENT_LABELS,
    IndicatorLine,
    MeasuredPart,
    cached_part,
    measure_part,
)
from slatrack.operations.figures.headline import HeadlineCard, headline_cards
from slatrack.operations.figures.live import (
    DueTicket,
    MonthAvailability,
    OutageLine,
    TargetNow,
    due_tickets,
    outages_now_and_recent,
    targets_now,
)
from slatrack.operations.figures.period_words import quarter_words, year_words
from slatrack.operations.records.inspections import inspection_grid
from slatrack.operations.reference.years import default_year, quarter_of
from slatrack.operations.tickets.queries import Viewer


@dataclass
class Dashboard:
    now: datetime
    year: int
    quarter: str
    role: str
    targets: list[TargetNow] = field(default_factory=list)
    indicators: list[IndicatorLine] = field(default_factory=list)
    projects: list[Any] = field(default_factory=list)
    indicator_error: str = ""
    tickets: list[DueTicket] = field(default_factory=list)
    outages: list[OutageLine] = field(default_factory=list)
    inspections: list[dict[str, Any]] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    months: list[MonthAvailability] = field(default_factory=list)
    categories: list[tuple[str, int]] = field(default_factory=list)
    quarter_figures: ScopeFigures | None = None
    measured_at: datetime | None = None
    updating: bool = False  # newer measured figures are being computed
    cards: list[HeadlineCard] = field(default_factory=list)  # the top cards (see figures/headline.py)

    @property
    def quarter_words(self) -> str:
        """本季度, or the quarter's name when a past or future quarter is shown."""
        return quarter_words(self.quarter, self.now)

    @property
    def quarter_heading(self) -> str:
        """``本季度 2026Q4`` for the quarter it is now, else ``2025年第4季度``."""
        words = self.quarter_words
        return f"{words} {self.quarter}" if words == "本季度" else words

    @property
    def year_words(self) -> str:
        """本年度, or the year's name when another year is shown."""
        return year_words(self.year, self.now)

    @property
    def counts(self) -> dict[str, int]:
        tally = {"up": 0, "down": 0, "unknown": 0}
        for target in self.targets:
            tally[target.tone] += 1
        return tally

    @property
    def judgements(self) -> dict[str, int]:
        tally = dict.fromkeys(JUDGEMENT_LABELS, 0)
        for line in self.indicators:
            tally[line.year_state] += 1
        return tally


# Which sections each role sees: the dashboard never shows a role what its pages would refuse.
SECTIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"targets", "indicators", "outages", "tickets", "inspections", "budget", "reports", "charts"}),
    "vendor": frozenset({"targets", "indicators", "outages", "tickets", "inspections", "reports", "charts"}),
    "auditor": frozenset({"targets", "indicators", "outages", "tickets", "inspections", "budget", "reports", "charts"}),
    "unit": frozenset({"indicators", "tickets"}),
}


def build_dashboard(
    viewer: Viewer, year: int | None = None, now: datetime | None = None, quarter: str | None = None
) -> Dashboard:
    """Everything the dashboard shows to this viewer (a unit user sees its own unit's tickets only).

    Without ``now`` the measured part may come from the cache (see ``cached_part``); with it, everything is
    measured at that instant.
    """
    live = now is None
    now = now or utcnow()
    year = year or default_year(now)
    if not 2000 <= year <= 2100:
        raise OperationError(f"年度 {year} 超出范围（2000–2100）", fields={"year": "应为 2000 到 2100 之间的年份"})
    sections = SECTIONS.get(viewer.role, frozenset())
    label = quarter if quarter and quarter.startswith(f"{year}Q") else quarter_of(year, now)
    board = Dashboard(now=now, year=year, quarter=label, role=viewer.role)
    part: MeasuredPart | None = None
    if sections & {"indicators", "charts", "reports"}:
        if live:
            part, board.updating = cached_part(year, label)
        else:
            part = measure_part(year, label, now)
    if part is not None:
        board.measured_at = part.as_of
        if "indicators" in sections:
            board.indicators = lines_for(viewer.role, part.indicators, year)
            board.indicator_error = part.indicator_error
            board.quarter_figures = part.quarter_figures
            if "budget" in sections:
                board.projects = part.projects
        if "charts" in sections:
            board.categories = part.categories
            board.months = part.months
        if "reports" in sections:
            board.reports = part.reports
    if "targets" in sections:
        board.targets = targets_now(now)
    if "outages" in sections:
        board.outages = outages_now_and_recent(now)
    if "tickets" in sections:
        board.tickets = due_tickets(viewer, now)
    if "inspections" in sections:
        board.inspections = inspection_grid(year, now)
    if board.indicators:
        # A critical target down turns the system's card red for every role that sees the card.
        board.cards = headline_cards(board.indicators, board.targets if "targets" in sections else targets_now(now))
    return board
