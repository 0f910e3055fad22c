"""Which of the year's indicators a role is shown (the dashboard, the 绩效指标 page and GET /api/v1/indicators):
the vendor sees the projects its contracts pay for (the maintenance project), never the bureau's own 督查考评
tasks; everyone else sees them all."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from slatrack.extensions import db
from slatrack.measure.indicators import ProjectSummary
from slatrack.models import BudgetLine, Project
from slatrack.operations.figures.dashboard_figures import IndicatorLine


def contract_projects(year: int) -> set[str]:
    """Codes of the year's projects with a budget line paying a maintenance contract."""
    rows = db.session.scalars(
        select(Project.code)
        .join(BudgetLine, BudgetLine.project_id == Project.id)
        .where(Project.fiscal_year == year, BudgetLine.contract_id.is_not(None))
        .distinct()
    )
    return set(rows)


def shown_projects(role: str, year: int) -> set[str] | None:
    """Codes of the year's projects ``role`` is shown; None for all of them."""
    return contract_projects(year) if role == "vendor" else None


def lines_for(role: str, lines: Sequence[IndicatorLine], year: int) -> list[IndicatorLine]:
    shown = shown_projects(role, year)
    return list(lines) if shown is None else [line for line in lines if line.project_code in shown]


def rows_for(role: str, rows: Sequence[dict[str, Any]], year: int) -> list[dict[str, Any]]:
    """The indicator rows (``indicator_rows``) ``role`` is shown."""
    shown = shown_projects(role, year)
    return list(rows) if shown is None else [row for row in rows if row["project_code"] in shown]


def summaries_for(role: str, summaries: Sequence[ProjectSummary], year: int) -> list[ProjectSummary]:
    """The project summaries (``evaluate_indicators(...).projects``) ``role`` is shown."""
    shown = shown_projects(role, year)
    return list(summaries) if shown is None else [s for s in summaries if s.code in shown]
