"""The one year/quarter selector every period page honours (总览, 例行检查, 满意度, 预算支付, 绩效指标, 运维报告,
停机记录).

``shown_period()`` reads ``?year=`` and ``?quarter=`` (``0`` or empty: the whole year), remembers an explicit
choice in the session, and otherwise shows the year and quarter it is in the configured zone (a choice made on
one page holds on the others until changed). The template macro is ``period_selector`` in ``_period.html``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Flask, request, session

from slatrack.clock import CLOCK_SHIFT_KEY, local_today, local_zone, utcnow
from slatrack.operations import OperationError
from slatrack.operations.reference.year_warnings import missing_for_year
from slatrack.operations.reference.years import default_year, fiscal_years, has_projects
from slatrack.web.navigation import routed_path

SESSION_KEY = "shown_period"
_ENVIRON_KEY = "slatrack.shown_period"
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class ShownPeriod:
    """The period a page shows: a year, and a quarter (1–4) or None for the whole year."""

    year: int
    quarter: int | None
    today: date
    years: tuple[int, ...]
    set_up: bool

    @property
    def current_year(self) -> int:
        return self.today.year

    @property
    def current_quarter(self) -> int:
        return (self.today.month - 1) // 3 + 1

    @property
    def is_current(self) -> bool:
        return self.year == self.current_year and self.quarter in (None, self.current_quarter)

    @property
    def label(self) -> str:
        """``2026`` or ``2026Q4``."""
        return f"{self.year}Q{self.quarter}" if self.quarter else str(self.year)

    @property
    def title(self) -> str:
        return f"{self.year} 年第 {self.quarter} 季度" if self.quarter else f"{self.year} 年"

    @property
    def dashboard_quarter(self) -> str:
        """The quarter the dashboard shows: the chosen one, else this quarter in this year, Q4 of a past year,
        Q1 of a future one."""
        if self.quarter:
            return f"{self.year}Q{self.quarter}"
        if self.year == self.current_year:
            return f"{self.year}Q{self.current_quarter}"
        return f"{self.year}Q4" if self.year < self.current_year else f"{self.year}Q1"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1) if self.quarter else date(self.year, 1, 1)

    @property
    def last_day(self) -> date:
        if not self.quarter or self.quarter == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.quarter + 1, 1) - timedelta(days=1)

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) of the shown period as aware instants (local midnights of the configured zone)."""
        zone = local_zone()
        end = datetime.combine(self.last_day + timedelta(days=1), time(), zone)
        return datetime.combine(self.first_day, time(), zone), end

    def query(self) -> dict[str, Any]:
        """The query arguments that show this period (for links and redirects)."""
        return {"year": self.year, "quarter": self.quarter or 0}

    def default_date(self) -> date:
        """What a form's date starts at: today inside the shown period, else the period's nearest end."""
        return min(max(self.today, self.first_day), self.last_day)


def _requested() -> tuple[int | None, int | None, bool]:
    """(year, quarter, quarter given) from the query string; a bad value is refused (422) with what is wrong."""
    year_text = (request.args.get("year") or "").strip()
    quarter_text = request.args.get("quarter")
    year: int | None = None
    if year_text:
        if not (year_text.isdigit() and FIRST_YEAR <= int(year_text) <= LAST_YEAR):
            raise OperationError(
                f"年度“{year_text[:10]}”超出范围，应为 {FIRST_YEAR}–{LAST_YEAR} 之间的年份",
                fields={"year": f"应为 {FIRST_YEAR} 到 {LAST_YEAR} 之间的年份"},
            )
        year = int(year_text)
    quarter: int | None = None
    given = quarter_text is not None
    cleaned = (quarter_text or "").strip().upper().removeprefix("Q")
    if cleaned not in ("", "0"):
        if cleaned not in ("1", "2", "3", "4"):
            raise OperationError(
                f"季度“{(quarter_text or '')[:10]}”无效，应为 1–4（0 表示全年）",
                fields={"quarter": "应为 1、2、3、4 或 0（全年）"},
            )
        quarter = int(cleaned)
    return year, quarter, given


def shown_period() -> ShownPeriod:
    """The period of this request: the query string, else the session's choice, else now (configured zone).
    Worked out once per request."""
    cached = request.environ.get(_ENVIRON_KEY)  # per request (an application context may outlive one)
    if isinstance(cached, ShownPeriod):
        return cached
    period = request.environ[_ENVIRON_KEY] = _shown_period()
    return period


def _shown_period() -> ShownPeriod:
    now = utcnow()
    today = local_today(now)
    year, quarter, quarter_given = _requested()
    remembered = session.get(SESSION_KEY) or {}
    if year is not None:
        if not quarter_given:
            quarter = remembered.get("quarter") if remembered.get("year") == year else None
        session[SESSION_KEY] = {"year": year, "quarter": quarter}
    elif remembered.get("year"):
        year, quarter = int(remembered["year"]), remembered.get("quarter")
    else:
        year, quarter = default_year(now), (today.month - 1) // 3 + 1
    offered = sorted({*fiscal_years(), today.year, year}, reverse=True)
    return ShownPeriod(year=year, quarter=quarter, today=today, years=tuple(offered), set_up=has_projects(year))


def setup_url() -> str | None:
    """Where an admin sets up a year: the projects page (项目与年度), which copies a year or takes a form."""
    return routed_path("/admin/projects")


def install(app: Flask) -> None:
    @app.context_processor
    def period_helpers() -> dict[str, object]:
        shift = app.config.get(CLOCK_SHIFT_KEY)
        return {
            "year_setup_url": setup_url,
            "shown_period": shown_period,
            "year_missing": missing_for_year,
            "demo_clock_now": utcnow() if shift else None,
        }
