"""Fiscal years: which year the pages show by default and which quarter of it is current."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from slatrack.clock import local_zone, utcnow
from slatrack.extensions import db
from slatrack.models import Project


def default_year(now: datetime) -> int:
    """The current local year when it has budget projects, else the latest earlier year that has."""
    current = now.astimezone(local_zone()).year
    latest = db.session.scalar(select(func.max(Project.fiscal_year)).where(Project.fiscal_year <= current))
    return int(latest) if latest is not None else current


def quarter_of(year: int, now: datetime) -> str:
    """The current quarter when ``year`` is this year; the last quarter of a past year; Q1 of a future one."""
    local = now.astimezone(local_zone())
    if local.year == year:
        return f"{year}Q{(local.month - 1) // 3 + 1}"
    return f"{year}Q4" if year < local.year else f"{year}Q1"


def fiscal_years() -> list[int]:
    """Every fiscal year that has budget projects, latest first."""
    return list(db.session.scalars(select(Project.fiscal_year).distinct().order_by(Project.fiscal_year.desc())))


def year_or_default(year: int | None, now: datetime | None = None) -> int:
    """A requested year when it is a plausible one (2000–2999), else ``default_year``: one rule for every page."""
    if year and 2000 <= year <= 2999:
        return year
    return default_year(now or utcnow())


def projects_of(year: int) -> list[Project]:
    return list(db.session.scalars(select(Project).where(Project.fiscal_year == year).order_by(Project.code)))
