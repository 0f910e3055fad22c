"""Fiscal years: which year the pages show by default and which quarter of it is current."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from slatrack.clock import local_zone, utcnow
from slatrack.extensions import db
from slatrack.models import Project


def default_year(now: datetime) -> int:
    """The year it is in the configured zone: every page, command and job follows it, set up or not
    (a year without projects says what is missing, never shows another year's figures)."""
    return now.astimezone(local_zone()).year


def current_quarter(now: datetime) -> str:
    """This quarter in the configured zone, e.g. ``2026Q4``."""
    local = now.astimezone(local_zone())
    return f"{local.year}Q{(local.month - 1) // 3 + 1}"


def quarter_of(year: int, now: datetime) -> str:
    """The current quarter when ``year`` is this year; the last quarter of a past year; Q1 of a future one."""
    local = now.astimezone(local_zone())
    if local.year == year:
        return f"{year}Q{(local.month - 1) // 3 + 1}"
    return f"{year}Q4" if year < local.year else f"{year}Q1"


def fiscal_years() -> list[int]:
    """Every fiscal year that has budget projects, latest first."""
    return list(db.session.scalars(select(Project.fiscal_year).distinct().order_by(Project.fiscal_year.desc())))


def has_projects(year: int) -> bool:
    return bool(db.session.scalar(select(func.count(Project.id)).where(Project.fiscal_year == year)))


def year_or_default(year: int | None, now: datetime | None = None) -> int:
    """A requested year when it is a plausible one (2000–2999), else ``default_year``: one rule for every page."""
    if year and 2000 <= year <= 2999:
        return year
    return default_year(now or utcnow())


def projects_of(year: int) -> list[Project]:
    return list(db.session.scalars(select(Project).where(Project.fiscal_year == year).order_by(Project.code)))
