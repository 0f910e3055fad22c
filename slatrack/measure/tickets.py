"""Ticket figures for a period at ``as_of`` (SPEC section 4): response, resolution, consultations.

Which tickets count: reported inside the period (start <= reported_at < end) and at or before
``as_of``; cancelled ones are counted apart and left out of every figure. Events after
``as_of`` are ignored (the ticket is replayed as it stood then).

- Response rate = responded in time / (responded in time + breached) × 100; pending tickets
  (no response, deadline not passed at ``as_of``) are in neither and are listed.
- Answered rate = tickets with any response at or before ``as_of`` / tickets (pending included) × 100.
- Resolution rate = resolved within deadline / (within + breached) × 100, pending left out the
  same way; median resolution time in service minutes, pauses excluded, over resolved tickets.
- Consultations = tickets of the consultation categories (答疑, 数据处理, 操作指导, 业务咨询,
  业务培训, 等保测评配合, 信息通知).
- A rate with a zero denominator is ``None``.

Two steps, so that a period crossing two contracts can be measured per contract and in total:
``evaluate_tickets`` gives one ``TicketOutcome`` per ticket under its contract's terms;
``summarize`` turns any list of outcomes into ``TicketFigures`` (per contract, or all together).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from slatrack.measure.deadlines import SlaTerms, Status, TicketSla, evaluate
from slatrack.measure.lifecycle import Event, TicketTimeline, replay
from slatrack.measure.periods import Period, require_aware
from slatrack.measure.rates import percent

CATEGORIES: dict[str, str] = {
    "consult": "答疑",
    "data": "数据处理",
    "guidance": "操作指导",
    "business": "业务咨询",
    "training": "业务培训",
    "mlps": "等保测评配合",
    "notice": "信息通知",
    "fault": "故障处理",
    "optimization": "功能优化",
    "patch": "补丁/版本升级",
    "other": "其他",
}
CONSULTATION_CATEGORIES = frozenset({"consult", "data", "guidance", "business", "training", "mlps", "notice"})


@dataclass(frozen=True)
class TicketRecord:
    """A ticket as measurements see it. ``key`` is the caller's id (database id or number)."""

    key: str
    number: str
    unit: str
    category: str
    priority: str
    channel: str
    mode: str
    reported_at: datetime
    events: tuple[Event, ...] = ()


@dataclass(frozen=True)
class TicketOutcome:
    """One ticket replayed and evaluated at ``as_of``."""

    record: TicketRecord
    timeline: TicketTimeline
    sla: TicketSla

    @property
    def cancelled(self) -> bool:
        return self.timeline.cancelled


@dataclass(frozen=True)
class TicketCounts:
    """Counts and rates over a set of non-cancelled tickets."""

    tickets: int
    responded_in_time: int
    breached: int
    pending: int
    answered: int
    resolved: int
    resolved_in_time: int
    resolution_breached: int
    resolution_pending: int
    response_rate: float | None
    answered_rate: float | None
    resolution_rate: float | None
    median_resolution_minutes: float | None


@dataclass(frozen=True)
class TicketNotice:
    """A ticket in a list of breaches or pending ones.

    ``minutes``: service minutes overdue (breach; until done, or until ``as_of`` if still open)
    or service minutes left (pending).
    """

    key: str
    number: str
    unit: str
    category: str
    priority: str
    reported_at: datetime
    deadline: datetime
    done_at: datetime | None
    minutes: float | None


@dataclass(frozen=True)
class TicketFigures:
    overall: TicketCounts
    cancelled: int
    consultations: int
    by_category: dict[str, TicketCounts] = field(default_factory=dict)
    by_unit: dict[str, TicketCounts] = field(default_factory=dict)
    by_channel: dict[str, TicketCounts] = field(default_factory=dict)
    by_mode: dict[str, TicketCounts] = field(default_factory=dict)
    by_priority: dict[str, TicketCounts] = field(default_factory=dict)
    response_breaches: tuple[TicketNotice, ...] = ()
    resolution_breaches: tuple[TicketNotice, ...] = ()
    pending_responses: tuple[TicketNotice, ...] = ()


class _Tally:
    """Mutable accumulator behind ``TicketCounts``."""

    __slots__ = (
        "answered",
        "breached",
        "durations",
        "in_time",
        "pending",
        "res_breached",
        "res_in_time",
        "res_pending",
        "tickets",
    )

    def __init__(self) -> None:
        self.tickets = self.in_time = self.breached = self.pending = self.answered = 0
        self.res_in_time = self.res_breached = self.res_pending = 0
        self.durations: list[float] = []

    def add(self, sla: TicketSla, answered: bool) -> None:
        self.tickets += 1
        self.answered += answered
        status = sla.response_status
        if status is Status.MET:
            self.in_time += 1
        elif status is Status.BREACHED:
            self.breached += 1
        else:
            self.pending += 1
        status = sla.resolution_status
        if status is Status.MET:
            self.res_in_time += 1
        elif status is Status.BREACHED:
            self.res_breached += 1
        else:
            self.res_pending += 1
        if sla.resolution_minutes is not None:
            self.durations.append(sla.resolution_minutes)

    def freeze(self) -> TicketCounts:
        return TicketCounts(
            tickets=self.tickets,
            responded_in_time=self.in_time,
            breached=self.breached,
            pending=self.pending,
            answered=self.answered,
            resolved=len(self.durations),
            resolved_in_time=self.res_in_time,
            resolution_breached=self.res_breached,
            resolution_pending=self.res_pending,
            response_rate=percent(self.in_time, self.in_time + self.breached),
            answered_rate=percent(self.answered, self.tickets),
            resolution_rate=percent(self.res_in_time, self.res_in_time + self.res_breached),
            median_resolution_minutes=statistics.median(self.durations) if self.durations else None,
        )


def in_period(record: TicketRecord, period: Period, as_of: datetime) -> bool:
    """Reported inside the period and at or before ``as_of``."""
    return period.start <= record.reported_at < period.end and record.reported_at <= as_of


def evaluate_tickets(
    tickets: Iterable[TicketRecord],
    period: Period,
    as_of: datetime,
    terms: SlaTerms | Callable[[TicketRecord], SlaTerms],
) -> list[TicketOutcome]:
    """Replay and evaluate the tickets reported in the period (cancelled ones included, flagged).

    ``terms`` is one contract's terms, or a function giving each ticket its contract's terms.
    """
    as_of = require_aware(as_of, "as_of")
    outcomes: list[TicketOutcome] = []
    for record in tickets:
        if not in_period(record, period, as_of):
            continue
        ticket_terms = terms if isinstance(terms, SlaTerms) else terms(record)
        timeline = replay(record.reported_at, record.events, as_of=as_of)
        outcomes.append(TicketOutcome(record, timeline, evaluate(timeline, record.priority, ticket_terms, as_of)))
    return outcomes


def _notice(
    outcome: TicketOutcome, deadline: datetime, done_at: datetime | None, minutes: float | None
) -> TicketNotice:
    record = outcome.record
    return TicketNotice(
        key=record.key,
        number=record.number,
        unit=record.unit,
        category=record.category,
        priority=record.priority,
        reported_at=record.reported_at,
        deadline=deadline,
        done_at=done_at,
        minutes=minutes,
    )


def summarize(outcomes: Sequence[TicketOutcome]) -> TicketFigures:
    """Figures over evaluated tickets (see the module docstring)."""
    overall = _Tally()
    groups: dict[str, dict[str, _Tally]] = {name: {} for name in ("category", "unit", "channel", "mode", "priority")}
    cancelled = consultations = 0
    response_breaches: list[TicketNotice] = []
    resolution_breaches: list[TicketNotice] = []
    pending_responses: list[TicketNotice] = []
    for outcome in outcomes:
        if outcome.cancelled:
            cancelled += 1
            continue
        record, sla, timeline = outcome.record, outcome.sla, outcome.timeline
        answered = timeline.first_response_at is not None
        overall.add(sla, answered)
        for name, value in (
            ("category", record.category),
            ("unit", record.unit),
            ("channel", record.channel),
            ("mode", record.mode),
            ("priority", record.priority),
        ):
            tally = groups[name].get(value)
            if tally is None:
                tally = groups[name][value] = _Tally()
            tally.add(sla, answered)
        if record.category in CONSULTATION_CATEGORIES:
            consultations += 1
        if sla.response_status is Status.BREACHED:
            response_breaches.append(
                _notice(outcome, sla.response_deadline, timeline.first_response_at, sla.response_overdue_minutes)
            )
        elif sla.response_status is Status.PENDING:
            pending_responses.append(_notice(outcome, sla.response_deadline, None, sla.response_time_left))
        if sla.resolution_status is Status.BREACHED:
            resolution_breaches.append(
                _notice(outcome, sla.resolution_deadline, timeline.resolved_at, sla.resolution_overdue_minutes)
            )
    return TicketFigures(
        overall=overall.freeze(),
        cancelled=cancelled,
        consultations=consultations,
        by_category={k: v.freeze() for k, v in sorted(groups["category"].items())},
        by_unit={k: v.freeze() for k, v in sorted(groups["unit"].items())},
        by_channel={k: v.freeze() for k, v in sorted(groups["channel"].items())},
        by_mode={k: v.freeze() for k, v in sorted(groups["mode"].items())},
        by_priority={k: v.freeze() for k, v in sorted(groups["priority"].items())},
        response_breaches=tuple(response_breaches),
        resolution_breaches=tuple(resolution_breaches),
        pending_responses=tuple(pending_responses),
    )


def ticket_figures(
    tickets: Iterable[TicketRecord],
    period: Period,
    as_of: datetime,
    terms: SlaTerms | Callable[[TicketRecord], SlaTerms],
) -> TicketFigures:
    """``summarize(evaluate_tickets(...))`` in one call."""
    return summarize(evaluate_tickets(tickets, period, as_of, terms))


def all_resolved_in_time(outcomes: Iterable[TicketOutcome], categories: Iterable[str]) -> bool:
    """True when every non-cancelled ticket of these categories was resolved within its window.

    Used for the derived grades (系统故障处理: ``fault``; 系统功能优化: ``optimization``, ``patch``).
    A ticket still open within its window is not yet "resolved in time", so it gives False too;
    no ticket at all gives True (nothing went wrong).
    """
    wanted = frozenset(categories)
    return all(
        o.sla.resolution_status is Status.MET for o in outcomes if not o.cancelled and o.record.category in wanted
    )
