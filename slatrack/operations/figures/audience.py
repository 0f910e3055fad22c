"""Which of the year's indicators a role's dashboard shows: the vendor sees the projects its contracts pay
for (the maintenance project), never the bureau's own 督查考评 tasks; everyone else sees them all."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from slatrack.extensions import db
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


def lines_for(role: str, lines: Sequence[IndicatorLine], year: int) -> list[IndicatorLine]:
    if role != "vendor":
        return list(lines)
    paid = contract_projects(year)
    return [line for line in lines if line.project_code in paid]
