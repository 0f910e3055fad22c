"""What the dashboard (总览) shows, gathered in as few queries as possible.

Targets now, the year's indicators with this quarter and the year to date, outages, the tickets due
soonest, the year's inspection months, budget execution and the state of each quarter's report.

Every indicator is marked ``met``, ``at_risk``, ``missed`` or ``unknown`` (see ``judge``):

- ``≥`` a count (次, 月, ...): met once reached; at risk while not yet reached but on pace, i.e. at least the
  target times the share of the period already elapsed; missed when behind that pace, or the period ended
  short of it.
- ``≥`` a rate (%): met when reached with more than a fifth of the allowed shortfall (100 − target) left;
  at risk when reached but more than 80 % of that allowance is used (98 % target, 98.3 % actual); missed
  below the target.
- ``≤`` a limit: met up to 80 % of the limit; at risk above 80 % of it and up to the limit; missed above.
- ``=``: met when equal; for a count below the target, at risk when on pace as for ``≥``; else missed.
- qualitative: met with 优, missed with another grade, unknown without one.
- no value yet: unknown.

The quarter column measures the SLA metrics (failure rate, response rate, consultations, monitoring
months, reports, satisfaction) over the quarter alone; counts are compared with a quarter's share of the
yearly target. Budget, service months, manual counts and grades are judged over the year only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, Response, after_this_request, current_app, has_request_context
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from slatrack.extensions import db
from slatrack.measure.evidence import failures_by
from slatrack.measure.periods import Period, month_period, quarter_period, year_period
from slatrack.measure.sla import ScopeFigures
from slatrack.models import AuditRecord, Outage, ProbeResult, Project, Target, Ticket, utcnow
from slatrack.models.enums import TICKET_CATEGORIES
from slatrack.operations import OperationError
from slatrack.operations.evidence_store import load_segments_of
from slatrack.operations.indicators import IndicatorEvaluation, evaluate_indicators, sla_metric
from slatrack.operations.inspections import inspection_grid
from slatrack.operations.report_status import status_json
from slatrack.operations.sla import measure_period
from slatrack.operations.tickets import TicketFilter, Viewer, ticket_query

MET, AT_RISK, MISSED, UNKNOWN = "met", "at_risk", "missed", "unknown"
JUDGEMENT_LABELS = {MET: "达成", AT_RISK: "有风险", MISSED: "未达成", UNKNOWN: "待定"}
STATE_LABELS = {
    "up": "正常",
    "down": "停机",
    "failing": "检查失败（未确认）",
    "unknown": "未知",
    "paused": "已暂停",
}
# The share of a ≤ limit (or of a rate's allowed shortfall) past which a target counts as at risk.
RISK_SHARE = 0.8
# SLA metrics that can be measured over a quarter alone.
QUARTER_METRICS = (
    "failure_rate",
    "response_rate",
    "consultations",
    "monitoring_months",
    "reports_submitted",
    "satisfaction_rate",
)
# Counts whose quarterly share is a quarter of the yearly target; rates compare directly.
DUE_TICKETS = 8
RECENT_OUTAGE_DAYS = 30
RECENT_OUTAGES = 8


def _zone() -> ZoneInfo:
    return ZoneInfo(str(current_app.config["TIMEZONE"]))


# ---------------------------------------------------------------------------------------------------
# Judging an indicator


def elapsed_share(period: Period, now: datetime) -> float:
    """The share of the period already elapsed at ``now`` (0 before it, 1 after it)."""
    if now <= period.start:
        return 0.0
    if now >= period.end or period.minutes <= 0:
        return 1.0
    return (now - period.start).total_seconds() / 60 / period.minutes


def judge(operator: str, target: float | None, unit: str, actual: float | None, met: bool | None, share: float) -> str:
    """``met``, ``at_risk``, ``missed`` or ``unknown`` for one indicator; ``share`` is the elapsed share."""
    if operator == "qualitative":
        return UNKNOWN if met is None else (MET if met else MISSED)
    if actual is None or target is None:
        return UNKNOWN
    rate = unit == "%"
    tolerance = 1e-9
    if operator == ">=":
        if rate:
            if actual + tolerance < target:
                return MISSED
            allowance = 100.0 - target
            used = 100.0 - actual
            return AT_RISK if allowance > 0 and used > RISK_SHARE * allowance + tolerance else MET
        if actual + tolerance >= target:
            return MET
        return AT_RISK if share < 1.0 and actual + tolerance >= target * share else MISSED
    if operator == "<=":
        if actual > target + tolerance:
            return MISSED
        return AT_RISK if actual > RISK_SHARE * target + tolerance else MET
    if operator == "=":
        if abs(actual - target) <= 0.005:
            return MET
        if not rate and actual < target and share < 1.0 and actual + tolerance >= target * share:
            return AT_RISK
        return MISSED
    return UNKNOWN


# ---------------------------------------------------------------------------------------------------
# The pieces of the dashboard


@dataclass(frozen=True)
class TargetNow:
    id: int
    name: str
    kind: str
    critical: bool
    state: str
    last_at: datetime | None
    last_ok: bool | None
    last_latency_ms: float | None
    last_detail: str

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def tone(self) -> str:
        """up, down or unknown: the three states a person reads at a glance."""
        if self.state == "up":
            return "up"
        if self.state in ("down", "failing"):
            return "down"
        return "unknown"


def targets_now(now: datetime) -> list[TargetNow]:
    """Every target in service: its state now and its latest check (one segment query, one lookup each)."""
    targets = list(
        db.session.scalars(
            select(Target).where((Target.retired_at.is_(None)) | (Target.retired_at > now)).order_by(Target.name)
        )
    )
    segments = load_segments_of([t.id for t in targets], since=now) if targets else {}
    found: list[TargetNow] = []
    for target in targets:
        latest = db.session.execute(
            select(ProbeResult.observed_at, ProbeResult.ok, ProbeResult.latency_ms, ProbeResult.detail)
            .where(ProbeResult.target_id == target.id, ProbeResult.observed_at <= now)
            .order_by(ProbeResult.observed_at.desc())
            .limit(1)
        ).first()
        own = segments.get(target.id, [])
        if target.paused:
            state = "paused"
        elif not own or own[-1].start > now:
            state = "unknown"
        elif own[-1].state == "up":
            state = "up"
        else:
            state = "down" if failures_by(own[-1], now) >= target.confirm_failures else "failing"
        found.append(
            TargetNow(
                id=target.id,
                name=target.name,
                kind=target.kind,
                critical=target.critical,
                state=state,
                last_at=latest.observed_at if latest else None,
                last_ok=latest.ok if latest else None,
                last_latency_ms=latest.latency_ms if latest else None,
                last_detail=(latest.detail or "")[:120] if latest else "",
            )
        )
    # Down first, then unknown, then up: what needs attention at the top.
    order = {"down": 0, "unknown": 1, "up": 2}
    found.sort(key=lambda t: (order[t.tone], not t.critical, t.name))
    return found


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

    @property
    def year_label(self) -> str:
        return JUDGEMENT_LABELS[self.year_state]

    @property
    def quarter_label(self) -> str:
        return "" if self.quarter_state is None else JUDGEMENT_LABELS[self.quarter_state]


def indicator_lines(
    evaluation: IndicatorEvaluation, quarter: ScopeFigures | None, year: Period, quarter_span: Period, now: datetime
) -> list[IndicatorLine]:
    year_share = elapsed_share(year, now)
    quarter_share = elapsed_share(quarter_span, now)
    lines = []
    for row in evaluation.rows:
        source_kind, _, metric = str(row["source"]).partition(":")
        target = row["target"]
        unit = str(row["unit"] or "")
        q_actual: float | None = None
        q_state: str | None = None
        if quarter is not None and source_kind == "metric" and metric in QUARTER_METRICS:
            q_actual = sla_metric(metric, quarter)
            q_target = target
            if target is not None and unit != "%":
                q_target = target / 4
            q_state = judge(row["operator"], q_target, unit, q_actual, None, quarter_share)
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
                year_state=judge(row["operator"], target, unit, row["actual"], row["met"], year_share),
                quarter_actual=q_actual,
                quarter_state=q_state,
            )
        )
    return lines


@dataclass(frozen=True)
class DueTicket:
    id: int
    number: str
    title: str
    unit: str
    priority: str
    category: str
    status: str
    due_at: datetime | None
    due_kind: str  # "响应" or "解决"
    seconds_left: float | None

    @property
    def overdue(self) -> bool:
        return self.seconds_left is not None and self.seconds_left < 0


def countdown_text(seconds: float | None) -> str:
    """``剩余 2小时15分`` / ``已超时 1天3小时``: wall-clock time to a deadline."""
    if seconds is None:
        return "—"
    prefix = "已超时 " if seconds < 0 else "剩余 "
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{prefix}{days}天{hours}小时"
    if hours:
        return f"{prefix}{hours}小时{mins}分"
    return f"{prefix}{mins}分"


def due_tickets(viewer: Viewer, now: datetime, limit: int = DUE_TICKETS) -> list[DueTicket]:
    statement = ticket_query(TicketFilter(status="active"), viewer, now).options(selectinload(Ticket.unit))
    found = []
    for ticket in db.session.scalars(statement.limit(limit)):
        answered = ticket.first_response_at is not None
        due = ticket.resolution_due_at if answered else ticket.response_due_at
        paused = ticket.status == "paused"
        found.append(
            DueTicket(
                id=ticket.id,
                number=ticket.number,
                title=ticket.title,
                unit=ticket.unit.name,
                priority=ticket.priority,
                category=TICKET_CATEGORIES.get(ticket.category, ticket.category),
                status=ticket.status,
                due_at=due,
                due_kind="解决" if answered else "响应",
                seconds_left=None if due is None or paused else (due - now).total_seconds(),
            )
        )
    return found


@dataclass(frozen=True)
class OutageLine:
    id: int
    target: str
    start: datetime
    end: datetime | None
    source: str
    cause: str
    excluded: bool
    minutes: float


def outages_now_and_recent(now: datetime) -> list[OutageLine]:
    since = now - timedelta(days=RECENT_OUTAGE_DAYS)
    rows = db.session.scalars(
        select(Outage)
        .options(selectinload(Outage.exclusions), selectinload(Outage.target))
        .where(Outage.start <= now, (Outage.end.is_(None)) | (Outage.end > since))
        .order_by(Outage.end.is_not(None), Outage.start.desc())
        .limit(RECENT_OUTAGES)
    )
    found = []
    for outage in rows:
        end = outage.end if outage.end is not None and outage.end <= now else None
        found.append(
            OutageLine(
                id=outage.id,
                target=outage.target.name,
                start=outage.start,
                end=end,
                source=outage.source,
                cause=outage.cause,
                excluded=bool(outage.exclusions),
                minutes=((end or now) - outage.start).total_seconds() / 60,
            )
        )
    return found


@dataclass(frozen=True)
class MonthAvailability:
    label: str  # "4月"
    availability: float | None  # percent of known time the system was up
    downtime_minutes: float


def quarter_months(quarter_span: Period, now: datetime) -> list[MonthAvailability]:
    """Each month of the quarter (to ``now``): the system's availability, from the SLA figures per month."""
    found = []
    tz = quarter_span.tz
    for month in quarter_span.months():
        period = month_period(month, tz)
        label = f"{int(month[5:7])}月"
        if period.start >= now:
            found.append(MonthAvailability(label, None, 0.0))
            continue
        figures = measure_period(period, now).total
        service = figures.service_minutes
        known = service - figures.unknown_minutes - figures.maintenance_minutes - figures.excluded_minutes
        availability = None if known <= 0 else max(0.0, (known - figures.downtime_minutes) / known * 100)
        found.append(MonthAvailability(label, availability, figures.downtime_minutes))
    return found


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


def default_year(now: datetime) -> int:
    """The current local year when it has budget projects, else the latest earlier year that has."""
    current = now.astimezone(_zone()).year
    latest = db.session.scalar(select(func.max(Project.fiscal_year)).where(Project.fiscal_year <= current))
    return int(latest) if latest is not None else current


def quarter_of(year: int, now: datetime) -> str:
    """The current quarter when ``year`` is this year; the last quarter of a past year; Q1 of a future one."""
    local = now.astimezone(_zone())
    if local.year == year:
        return f"{year}Q{(local.month - 1) // 3 + 1}"
    return f"{year}Q4" if year < local.year else f"{year}Q1"


# Which sections each role sees: the dashboard never shows a role what its pages would refuse.
SECTIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"targets", "indicators", "outages", "tickets", "inspections", "budget", "reports", "charts"}),
    "vendor": frozenset({"targets", "indicators", "outages", "tickets", "inspections", "reports", "charts"}),
    "auditor": frozenset({"targets", "indicators", "outages", "tickets", "inspections", "budget", "reports", "charts"}),
    "unit": frozenset({"indicators", "tickets"}),
}


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
    tz = str(current_app.config["TIMEZONE"])
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


# The measured part of each (database, year) is kept and reused while no business data changed (the audit
# log did not grow) and for at most FRESH_SECONDS. Past that, or once data changed, the page shows the
# figures it has, marked as being updated, and one background thread measures again, started once the
# request's own work is done so that it does not slow the page down; with no figures yet (after a start)
# the page shows its live sections with the figures to follow (its script fetches the fragment again
# within seconds). Pages never wait on a full year's measurement: figures of pending tickets and service
# minutes lag the clock by about a minute at most, and the live sections (targets, outages, due tickets,
# inspections) are read on every request. An application in testing mode measures synchronously: no
# thread may outlive a test's database.
FRESH_SECONDS = 60.0


@dataclass
class _Cached:
    audit_id: int
    part: MeasuredPart | None
    refreshing: bool = False


_PARTS: dict[tuple[str, int, str], _Cached] = {}
_PARTS_LOCK = threading.Lock()


def _audit_id() -> int:
    return int(db.session.scalar(select(func.max(AuditRecord.id))) or 0)


def _measure_in_background(app: Flask, key: tuple[str, int, str], entry: _Cached, year: int, label: str) -> None:
    def run() -> None:
        with app.app_context():
            try:
                audit_id = _audit_id()
                part = measure_part(year, label, utcnow())
                with _PARTS_LOCK:
                    _PARTS[key] = _Cached(audit_id, part)
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


def clear_cache() -> None:
    with _PARTS_LOCK:
        _PARTS.clear()


def build_dashboard(viewer: Viewer, year: int | None = None, now: datetime | None = None) -> Dashboard:
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
    label = quarter_of(year, now)
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
            board.indicators = part.indicators
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
    return board
