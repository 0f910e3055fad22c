"""The dashboard's measured part (the year's indicators with this quarter, ticket categories, months,
report states): costly, computed for all roles at once and cached per database and year.

Each indicator's verdict (met, at risk, missed, unknown) is measure.indicators.judge, the rule every other
reader of the indicators uses too.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, Response, after_this_request, current_app, has_request_context

from slatrack import data_version
from slatrack.clock import zone_name
from slatrack.extensions import db
from slatrack.measure.indicators import (
    AT_RISK,
    MET,
    MISSED,
    SLA_METRICS,
    UNKNOWN,
    IndicatorEvaluation,
    elapsed_share,
    judge,
    quarter_target,
    sla_metric,
)
from slatrack.measure.periods import Period, quarter_period, year_period
from slatrack.measure.sla import ScopeFigures
from slatrack.models import utcnow
from slatrack.models.enums import TICKET_CATEGORIES
from slatrack.operations import OperationError
from slatrack.operations.figures.cache import CACHE
from slatrack.operations.figures.indicators import evaluate_indicators
from slatrack.operations.figures.live import MonthAvailability, quarter_months
from slatrack.operations.figures.report_status import status_json
from slatrack.operations.figures.schedule import on_schedule
from slatrack.operations.figures.sla import measure_period

JUDGEMENT_LABELS = {MET: "达成", AT_RISK: "有风险", MISSED: "未达成", UNKNOWN: "待定"}


@dataclass(frozen=True)
class IndicatorLine:
    code: str
    project: str
    name: str
    operator: str
    target_text: str
    unit: str
    year_actual: float | None
    year_grade: str | None
    year_state: str
    quarter_actual: float | None
    quarter_state: str | None  # None: judged over the year only
    metric: str = ""  # the SLA metric of a ``metric:<name>`` indicator, else ""
    project_code: str = ""

    @property
    def year_label(self) -> str:
        return JUDGEMENT_LABELS[self.year_state]

    @property
    def quarter_label(self) -> str:
        return "" if self.quarter_state is None else JUDGEMENT_LABELS[self.quarter_state]


def pending_while_open(
    state: str, operator: str, target: float | None, unit: str, actual: float | None, share: float
) -> str:
    """A quarter under way is not missed on a count it can still reach by its end (待定, not 未达成): its
    report exists only once it is over, and its last month's checks are not due yet. A count already past an
    ``=`` target, a rate or a ``≤`` limit broken stays missed."""
    still_open = share < 1.0 and unit != "%" and operator in (">=", "=")
    if state == MISSED and still_open and actual is not None and target is not None and actual < target:
        return UNKNOWN
    return state


def indicator_lines(
    evaluation: IndicatorEvaluation, quarter: ScopeFigures | None, year: Period, quarter_span: Period, now: datetime
) -> list[IndicatorLine]:
    year_share = elapsed_share(year, now)
    quarter_share = elapsed_share(quarter_span, now)
    today = now.astimezone(ZoneInfo(zone_name())).date()
    lines = []
    for row in evaluation.rows:
        source_kind, _, metric = str(row["source"]).partition(":")
        target = row["target"]
        unit = str(row["unit"] or "")
        q_actual: float | None = None
        q_state: str | None = None
        if quarter is not None and source_kind == "metric" and metric in SLA_METRICS:
            q_actual = sla_metric(metric, quarter)
            q_target = quarter_target(target, unit)
            q_state = judge(row["operator"], q_target, unit, q_actual, None, quarter_share)
            q_state = pending_while_open(q_state, row["operator"], q_target, unit, q_actual, quarter_share)
        lines.append(
            IndicatorLine(
                code=str(row["code"]),
                project=str(row["project"]),
                name=str(row["name"]),
                operator=str(row["operator"]),
                target_text=str(row["target_text"]),
                unit=unit,
                year_actual=row["actual"],
                year_grade=row["grade"],
                year_state=on_schedule(
                    judge(row["operator"], target, unit, row["actual"], row["met"], year_share),
                    metric if source_kind == "metric" else "",
                    str(row["operator"]),
                    row["actual"],
                    year.first_day.year,
                    today,
                ),
                quarter_actual=q_actual,
                quarter_state=q_state,
                metric=metric if source_kind == "metric" else "",
                project_code=str(row.get("project_code") or ""),
            )
        )
    return lines


@dataclass(frozen=True)
class MeasuredPart:
    """What the dashboard derives from the SLA engine: the costly part, computed for all roles at once."""

    as_of: datetime
    indicators: list[IndicatorLine]
    projects: list[Any]
    indicator_error: str
    quarter_figures: ScopeFigures | None
    categories: list[tuple[str, int]]
    months: list[MonthAvailability]
    reports: list[dict[str, Any]]


def measure_part(year: int, label: str, now: datetime) -> MeasuredPart:
    tz = zone_name()
    try:
        year_span = year_period(year, tz)
        quarter_span = quarter_period(label, tz)
    except ValueError as exc:
        raise OperationError(str(exc), fields={"year": str(exc)}) from None
    quarter = measure_period(quarter_span, now).total if quarter_span.start < now else None
    indicators: list[IndicatorLine] = []
    projects: list[Any] = []
    error = ""
    try:
        evaluation = evaluate_indicators(year, now)
    except OperationError as exc:
        error = exc.message
    else:
        indicators = indicator_lines(evaluation, quarter, year_span, quarter_span, now)
        projects = list(evaluation.projects)
    categories: list[tuple[str, int]] = []
    if quarter is not None:
        categories = sorted(
            ((TICKET_CATEGORIES.get(key, key), counts.tickets) for key, counts in quarter.tickets.by_category.items()),
            key=lambda pair: -pair[1],
        )
    return MeasuredPart(
        as_of=now,
        indicators=indicators,
        projects=projects,
        indicator_error=error,
        quarter_figures=quarter,
        categories=categories,
        months=quarter_months(quarter_span, now),
        reports=[status_json(f"{year}Q{n}") for n in range(1, 5)],
    )


# The measured part of each (database, year) is kept and reused while no business data changed (the data
# version did not move, slatrack/data_version.py) and for at most FRESH_SECONDS. Past that, or once data
# changed, the page shows the figures it has, marked as being updated, and one background thread measures
# again, started once the request's own work is done so that it does not slow the page down; with no
# figures yet (the server measures them at its start, see warmup.py) the page shows its live sections
# with the figures to follow (its script fetches the fragment again within seconds). Pages never wait on
# a full year's measurement: figures of pending tickets and service minutes lag the clock by about a
# minute at most, and the live sections (targets, outages, due tickets, inspections) are read on every
# request. An application in testing mode measures synchronously: no thread may outlive a test's database.
FRESH_SECONDS = 60.0


@dataclass
class _Cached:
    audit_id: tuple[int, ...]  # the data version it was measured at
    part: MeasuredPart | None
    refreshing: bool = False


_PARTS: dict[tuple[str, int, str], _Cached] = {}
_PARTS_LOCK = threading.Lock()
# The server's warm-up at start (warmup.py) measures the current year's part; a request that finds nothing
# to show for that part waits for it (at most this long) instead of showing "正在统计" and measuring again.
WARMUP_WAIT_SECONDS = 10.0
_WARMING: dict[tuple[str, int, str], threading.Event] = {}


def warming(year: int, label: str) -> threading.Event:
    """Note that the warm-up measures this part now; set the event returned when it is done."""
    done = threading.Event()
    with _PARTS_LOCK:
        _WARMING[(str(db.engine.url), year, label)] = done
    return done


def _await_warmup(key: tuple[str, int, str]) -> None:
    with _PARTS_LOCK:
        done = _WARMING.get(key)
        if key in _PARTS or done is None:
            return
    done.wait(WARMUP_WAIT_SECONDS)


def _audit_id() -> tuple[int, ...]:
    return tuple(data_version.current(db.session).values())


def _measure_in_background(app: Flask, key: tuple[str, int, str], entry: _Cached, year: int, label: str) -> None:
    def run() -> None:
        with app.app_context():
            try:
                audit_id = _audit_id()
                part = measure_part(year, label, utcnow())
                with _PARTS_LOCK:
                    _PARTS[key] = _Cached(audit_id, part)
                CACHE.flush()  # what was measured is on disk for the next start
            except Exception:  # keep what was shown; the next request tries again
                app.logger.exception("dashboard figures could not be measured")
                with _PARTS_LOCK:
                    entry.refreshing = False
            finally:
                db.session.remove()

    threading.Thread(target=run, name="dashboard-measure", daemon=True).start()


def cached_part(year: int, label: str) -> tuple[MeasuredPart | None, bool]:
    """The measured part for now and whether newer figures are on their way (see FRESH_SECONDS)."""
    key = (str(db.engine.url), year, label)
    audit_id = _audit_id()
    now = utcnow()
    if current_app.testing:
        with _PARTS_LOCK:
            cached = _PARTS.get(key)
        if (
            cached is not None
            and cached.part is not None
            and cached.audit_id == audit_id
            and (now - cached.part.as_of).total_seconds() < FRESH_SECONDS
        ):
            return cached.part, False
        part = measure_part(year, label, now)
        with _PARTS_LOCK:
            _PARTS[key] = _Cached(audit_id, part)
        return part, False
    _await_warmup(key)
    with _PARTS_LOCK:
        cached = _PARTS.get(key)
        fresh = (
            cached is not None
            and cached.part is not None
            and cached.audit_id == audit_id
            and (now - cached.part.as_of).total_seconds() < FRESH_SECONDS
        )
        if cached is not None and fresh:
            return cached.part, False
        if cached is None:
            cached = _PARTS[key] = _Cached(audit_id, None)
        start = not cached.refreshing
        cached.refreshing = True
        entry = cached
    if start:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        if has_request_context():

            @after_this_request
            def measure_after(response: Response) -> Response:
                _measure_in_background(app, key, entry, year, label)
                return response

        else:
            _measure_in_background(app, key, entry, year, label)
    return entry.part, True


def measure_and_keep(year: int, label: str, now: datetime) -> None:
    """Measure the part now and keep it for the next request (the server's warm-up at start)."""
    version = _audit_id()
    part = measure_part(year, label, now)
    with _PARTS_LOCK:
        _PARTS[(str(db.engine.url), year, label)] = _Cached(version, part)


def clear_cache() -> None:
    with _PARTS_LOCK:
        _PARTS.clear()
        _WARMING.clear()
