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
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from slatrack.measure.deadlines import PRIORITIES, SlaTerms, Status, TicketSla, evaluate
from slatrack.measure.lifecycle import Event, State, TicketTimeline, replay
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "reported_at", require_aware(self.reported_at, f"工单 {self.number} 的报告时间"))
        if self.priority not in PRIORITIES:
            raise ValueError(f"工单 {self.number} 的优先级 {self.priority!r} 无效，应为 P1、P2、P3 或 P4")


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


# What the counts need from one ticket: (response status, resolution status, answered by as_of).
Signature = tuple[Status, Status, bool]


def counts(signatures: Counter[Signature], durations: Sequence[float]) -> TicketCounts:
    """Freeze tallied signatures and resolution durations into ``TicketCounts`` (also measure/sums.py's)."""
    response = dict.fromkeys(Status, 0)
    resolution = dict.fromkeys(Status, 0)
    answered = 0
    for (response_status, resolution_status, was_answered), count in signatures.items():
        response[response_status] += count
        resolution[resolution_status] += count
        answered += count if was_answered else 0
    tickets = sum(signatures.values())
    in_time, breached = response[Status.MET], response[Status.BREACHED]
    res_in_time, res_breached = resolution[Status.MET], resolution[Status.BREACHED]
    return TicketCounts(
        tickets=tickets,
        responded_in_time=in_time,
        breached=breached,
        pending=response[Status.PENDING],
        answered=answered,
        resolved=len(durations),
        resolved_in_time=res_in_time,
        resolution_breached=res_breached,
        resolution_pending=resolution[Status.PENDING],
        response_rate=percent(in_time, in_time + breached),
        answered_rate=percent(answered, tickets),
        resolution_rate=percent(res_in_time, res_in_time + res_breached),
        median_resolution_minutes=statistics.median(durations) if durations else None,
    )


def _breakdown(values: list[str], signatures: list[Signature], minutes: list[float | None]) -> dict[str, TicketCounts]:
    """Counts per distinct value (sorted), tallied with ``Counter`` so that 20,000 tickets stay cheap."""
    tallies: Counter[tuple[str, Signature]] = Counter(zip(values, signatures, strict=True))
    by_value: dict[str, Counter[Signature]] = {}
    for (value, signature), count in tallies.items():
        by_value.setdefault(value, Counter())[signature] = count
    durations: dict[str, list[float]] = {value: [] for value in by_value}
    for value, duration in zip(values, minutes, strict=True):
        if duration is not None:
            durations[value].append(duration)
    return {value: counts(by_value[value], durations[value]) for value in sorted(by_value)}


def in_period(record: TicketRecord, period: Period, as_of: datetime) -> bool:
    """Reported inside the period and at or before ``as_of``."""
    return period.start <= record.reported_at < period.end and record.reported_at <= as_of


# A settled outcome, remembered by ticket key: the record it was computed from, and the instant from
# which it no longer depends on ``as_of``.
OutcomeMemo = dict[str, tuple[TicketRecord, datetime, "TicketOutcome"]]
_SETTLED_STATES = frozenset({State.RESOLVED, State.CLOSED, State.CANCELLED})


def _settled_since(record: TicketRecord, outcome: TicketOutcome) -> datetime | None:
    """When the outcome stopped depending on ``as_of``: every event known, the ticket done, no deadline pending."""
    if outcome.timeline.state not in _SETTLED_STATES:
        return None
    if Status.PENDING in (outcome.sla.response_status, outcome.sla.resolution_status):
        return None
    if outcome.timeline.first_response_at is None or outcome.timeline.resolved_at is None:
        return None  # never answered or resolved (cancelled): its time left and overdue minutes run to as_of
    last = max((event.at for event in record.events), default=record.reported_at)
    return max(last, outcome.sla.response_deadline, outcome.sla.resolution_deadline)


def evaluate_tickets(
    tickets: Iterable[TicketRecord],
    period: Period,
    as_of: datetime,
    terms: SlaTerms | Callable[[TicketRecord], SlaTerms],
    memo: OutcomeMemo | None = None,
) -> list[TicketOutcome]:
    """Replay and evaluate the tickets reported in the period (cancelled ones included, flagged).

    ``terms`` is one contract's terms, or a function giving each ticket its contract's terms. ``memo``
    (optional, owned by the caller) keeps the outcomes of settled tickets between calls: a closed ticket
    whose every event and deadline lies before ``as_of`` gives the same outcome at any later ``as_of``.
    The caller must drop the memo when records or terms change.
    """
    as_of = require_aware(as_of, "as_of")
    outcomes: list[TicketOutcome] = []
    for record in tickets:
        if not in_period(record, period, as_of):
            continue
        if memo is not None:
            known = memo.get(record.key)
            if known is not None and known[0] is record and known[1] <= as_of:
                outcomes.append(known[2])
                continue
        ticket_terms = terms if isinstance(terms, SlaTerms) else terms(record)
        timeline = replay(record.reported_at, record.events, as_of=as_of)
        outcome = TicketOutcome(record, timeline, evaluate(timeline, record.priority, ticket_terms, as_of))
        outcomes.append(outcome)
        if memo is not None:
            settled = _settled_since(record, outcome)
            if settled is not None and settled <= as_of:
                memo[record.key] = (record, settled, outcome)
    return outcomes


def notice(
    outcome: TicketOutcome, deadline: datetime, done_at: datetime | None, minutes: float | None
) -> TicketNotice:
    """A ticket's breach or pending-response line (also measure/sums.py's)."""
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
    kept = [o for o in outcomes if not o.cancelled]
    records = [o.record for o in kept]
    signatures: list[Signature] = [
        (o.sla.response_status, o.sla.resolution_status, o.timeline.first_response_at is not None) for o in kept
    ]
    minutes = [o.sla.resolution_minutes for o in kept]
    response_breaches: list[TicketNotice] = []
    resolution_breaches: list[TicketNotice] = []
    pending_responses: list[TicketNotice] = []
    for outcome in kept:
        sla, timeline = outcome.sla, outcome.timeline
        if sla.response_status is Status.BREACHED:
            response_breaches.append(
                notice(outcome, sla.response_deadline, timeline.first_response_at, sla.response_overdue_minutes)
            )
        elif sla.response_status is Status.PENDING:
            pending_responses.append(notice(outcome, sla.response_deadline, None, sla.response_time_left))
        if sla.resolution_status is Status.BREACHED:
            resolution_breaches.append(
                notice(outcome, sla.resolution_deadline, timeline.resolved_at, sla.resolution_overdue_minutes)
            )
    return TicketFigures(
        overall=counts(Counter(signatures), [m for m in minutes if m is not None]),
        cancelled=len(outcomes) - len(kept),
        consultations=sum(1 for r in records if r.category in CONSULTATION_CATEGORIES),
        by_category=_breakdown([r.category for r in records], signatures, minutes),
        by_unit=_breakdown([r.unit for r in records], signatures, minutes),
        by_channel=_breakdown([r.channel for r in records], signatures, minutes),
        by_mode=_breakdown([r.mode for r in records], signatures, minutes),
        by_priority=_breakdown([r.priority for r in records], signatures, minutes),
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
