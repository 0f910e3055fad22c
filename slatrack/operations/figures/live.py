"""The dashboard's live sections, read on every request: targets now, outages now and recent, the tickets
due soonest with their countdown, and the availability of the quarter's months so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from slatrack.extensions import db
from slatrack.measure.evidence import failures_by
from slatrack.measure.periods import Period, month_period
from slatrack.models import Outage, ProbeResult, Target, Ticket
from slatrack.models.enums import TICKET_CATEGORIES
from slatrack.operations.figures.sla import measure_period
from slatrack.operations.monitoring.segment_store import load_segments_of
from slatrack.operations.tickets.queries import TicketFilter, Viewer, ticket_query

STATE_LABELS = {
    "up": "正常",
    "down": "停机",
    "failing": "检查失败（未确认）",
    "unknown": "未知",
    "paused": "已暂停",
}


DUE_TICKETS = 8
RECENT_OUTAGE_DAYS = 30
RECENT_OUTAGES = 8


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
    since: datetime | None = None  # when the present down (or failing) spell began

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
        since = None
        if target.paused:
            state = "paused"
        elif not own or own[-1].start > now:
            state = "unknown"
        elif own[-1].state == "up":
            state = "up"
        else:
            state = "down" if failures_by(own[-1], now) >= target.confirm_failures else "failing"
            since = own[-1].start
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
                since=since,
            )
        )
    # Down first, then unknown, then up: what needs attention at the top.
    order = {"down": 0, "unknown": 1, "up": 2}
    found.sort(key=lambda t: (order[t.tone], not t.critical, t.name))
    return found


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
