"""The dashboard (总览): the home page, and the HTML fragment its script fetches every 60 seconds."""

from __future__ import annotations

from flask import Blueprint, g, render_template
from flask.typing import ResponseReturnValue

from slatrack.clock import utcnow
from slatrack.operations.figures.dashboard import SECTIONS, Dashboard, build_dashboard
from slatrack.operations.figures.dashboard_figures import JUDGEMENT_LABELS
from slatrack.operations.figures.live import countdown_text
from slatrack.operations.reference.year_warnings import year_warnings
from slatrack.operations.tickets.queries import Viewer
from slatrack.policy import EVERYONE, allow
from slatrack.web.charts import Bar, availability_columns, horizontal_bars
from slatrack.web.navigation import routed_path
from slatrack.web.periods import shown_period

bp = Blueprint("dashboard", __name__)

REFRESH_SECONDS = 60
# Who sees the year's set-up warnings (holiday calendar, contract end, gaps): the people who can act on them.
WARNED_ROLES = frozenset({"admin", "vendor", "auditor"})
# The goal line of the availability chart: the approval form's ≤ 5 % failure rate, i.e. ≥ 95 % available.
AVAILABILITY_GOAL = 95.0


def _viewer() -> Viewer:
    principal = g.principal
    return Viewer(role=principal.role, unit_id=principal.unit_id, user_id=principal.user_id)


def _charts(board: Dashboard) -> dict[str, object]:
    charts: dict[str, object] = {}
    if board.months:
        charts["availability"] = availability_columns(
            [(m.label, m.availability) for m in board.months],
            title=f"{board.quarter} 各月系统可用率",
            goal=AVAILABILITY_GOAL,
        )
    if board.quarter_figures is not None and "charts" in _sections(board):
        charts["categories"] = horizontal_bars(
            [Bar(label, float(count), f"{count} 件") for label, count in board.categories],
            title=f"{board.quarter} 各类服务请求数量",
        )
    return charts


def _sections(board: Dashboard) -> frozenset[str]:
    return SECTIONS.get(board.role, frozenset())


def _context() -> dict[str, object]:
    period = shown_period()
    board = build_dashboard(_viewer(), period.year, quarter=period.dashboard_quarter)
    return {
        "period": period,
        "year_warnings": year_warnings(utcnow()) if board.role in WARNED_ROLES else [],
        "board": board,
        "sections": _sections(board),
        "charts": _charts(board),
        "labels": JUDGEMENT_LABELS,
        "countdown": countdown_text,
        "reports_url": routed_path("/reports"),
        "refresh_seconds": REFRESH_SECONDS,
    }


def dashboard_page() -> ResponseReturnValue:
    """The whole page; ``web.index`` (``/``) answers with it."""
    return render_template("dashboard/index.html", **_context())


@bp.route("/dashboard/fragment")
@allow(*EVERYONE)
def fragment() -> ResponseReturnValue:
    """The dashboard's body alone, for the page's script to swap in without a full reload."""
    response = render_template("dashboard/_body.html", **_context())
    return response, 200, {"Cache-Control": "no-store"}
