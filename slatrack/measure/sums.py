"""Figures summed from settled parts, so that a new ``as_of`` does not re-add a year (issue 18).

``compute_sla`` (sla.py) measures the same period again and again with a later ``as_of`` while almost
nothing moves: the tickets of past months are settled (``tickets.OutcomeMemo``) and a window that ended
before ``as_of`` has evidence that ``as_of`` no longer changes. ``FigureSums`` is kept by the caller
beside the outcome memo (one per set of inputs) and holds:

- per scope (a contract's tickets, or all of them, of one period), the **ticket tally of its settled
  outcomes**: counts per response/resolution status, resolution minutes and breach notices, in total and
  per category, unit, channel, mode and priority. A new ``as_of`` tallies only the tickets not settled yet
  (those still open or within a deadline) and adds them; newly settled tickets are added to the kept
  tally. A kept tally is dropped when one of its outcomes is no longer among the settled ones (a ticket
  changed, or an earlier ``as_of``).
- per window, the **monitoring part of a scope** (downtime, waiting and repair, unknown time, transient
  failures, major faults, outage rows) once ``as_of`` is at or past the inputs' evidence horizon: every
  segment's end, every outage record's start, end and linked first responses. From there on the window's
  evidence reads the same at any later ``as_of`` (no run can still be confirmed, no outage still be open,
  no response still arrive); an outage record without an end disables this.

The figures are exactly those of a full replay: the tallies are added in the tickets' input order (the
order of the notice lists) and the medians are taken over the same resolution minutes.
"""

from __future__ import annotations

import dataclasses
import heapq
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from slatrack.measure.deadlines import Status
from slatrack.measure.sla_inputs import SlaInputs
from slatrack.measure.tickets import (
    CONSULTATION_CATEGORIES,
    OutcomeMemo,
    Signature,
    TicketCounts,
    TicketFigures,
    TicketNotice,
    TicketOutcome,
    counts,
    notice,
)

DIMENSIONS = ("category", "unit", "channel", "mode", "priority")
KEPT_TALLIES = 32
KEPT_MONITORING = 16
T = TypeVar("T")


@dataclass(frozen=True)
class Tally:
    """Tickets' contributions to ``TicketFigures``, ready to be added to another tally."""

    members: dict[str, TicketOutcome]  # by ticket key: the outcomes tallied (identity checked)
    signatures: Counter[Signature]
    durations: list[float]
    by: dict[str, Counter[tuple[str, Signature]]]
    by_durations: dict[str, dict[str, list[float]]]
    cancelled: int
    consultations: int
    # The outcomes listed as response breaches, resolution breaches and pending responses, by input position.
    notices: tuple[list[tuple[int, TicketOutcome]], ...]


def tally(outcomes: Iterable[TicketOutcome], positions: dict[str, int], base: Tally | None = None) -> Tally:
    """The tally of ``outcomes`` (added to a copy of ``base`` when given); positions order the notices."""
    members = dict(base.members) if base else {}
    signatures = Counter(base.signatures) if base else Counter()
    durations = list(base.durations) if base else []
    by = {d: Counter(base.by[d]) if base else Counter() for d in DIMENSIONS}
    by_durations = {d: {v: list(m) for v, m in base.by_durations[d].items()} if base else {} for d in DIMENSIONS}
    cancelled = base.cancelled if base else 0
    consultations = base.consultations if base else 0
    notices = tuple(list(n) for n in base.notices) if base else ([], [], [])
    for outcome in outcomes:
        record, sla, timeline = outcome.record, outcome.sla, outcome.timeline
        members[record.key] = outcome
        if timeline.cancelled:
            cancelled += 1
            continue
        if record.category in CONSULTATION_CATEGORIES:
            consultations += 1
        signature = (sla.response_status, sla.resolution_status, timeline.first_response_at is not None)
        signatures[signature] += 1
        minutes = sla.resolution_minutes
        if minutes is not None:
            durations.append(minutes)
        values = (record.category, record.unit, record.channel, record.mode, record.priority)
        for dimension, value in zip(DIMENSIONS, values, strict=True):
            by[dimension][(value, signature)] += 1
            if minutes is not None:
                by_durations[dimension].setdefault(value, []).append(minutes)
        if sla.response_status is Status.BREACHED:
            notices[0].append((positions[record.key], outcome))
        elif sla.response_status is Status.PENDING:
            notices[2].append((positions[record.key], outcome))
        if sla.resolution_status is Status.BREACHED:
            notices[1].append((positions[record.key], outcome))
    for kept in notices:
        kept.sort(key=_position)
    return Tally(members, signatures, durations, by, by_durations, cancelled, consultations, notices)


def _position(item: tuple[int, TicketOutcome]) -> int:
    return item[0]


def _breakdown(parts: Sequence[Tally], dimension: str) -> dict[str, TicketCounts]:
    by_value: dict[str, Counter[Signature]] = {}
    for part in parts:
        for (value, signature), count in part.by[dimension].items():
            by_value.setdefault(value, Counter())[signature] += count
    result: dict[str, TicketCounts] = {}
    for value in sorted(by_value):
        minutes = [m for part in parts for m in part.by_durations[dimension].get(value, ())]
        result[value] = counts(by_value[value], minutes)
    return result


def figures(parts: Sequence[Tally]) -> TicketFigures:
    """``TicketFigures`` of the tallies added together."""
    signatures: Counter[Signature] = Counter()
    for part in parts:
        signatures.update(part.signatures)
    return TicketFigures(
        overall=counts(signatures, [m for part in parts for m in part.durations]),
        cancelled=sum(part.cancelled for part in parts),
        consultations=sum(part.consultations for part in parts),
        by_category=_breakdown(parts, "category"),
        by_unit=_breakdown(parts, "unit"),
        by_channel=_breakdown(parts, "channel"),
        by_mode=_breakdown(parts, "mode"),
        by_priority=_breakdown(parts, "priority"),
        response_breaches=_notices(parts, 0),
        resolution_breaches=_notices(parts, 1),
        pending_responses=_notices(parts, 2),
    )


def _notices(parts: Sequence[Tally], which: int) -> tuple[TicketNotice, ...]:
    listed = heapq.merge(*(part.notices[which] for part in parts), key=_position)
    if which == 0:
        return tuple(
            notice(o, o.sla.response_deadline, o.timeline.first_response_at, o.sla.response_overdue_minutes)
            for _, o in listed
        )
    if which == 1:
        return tuple(
            notice(o, o.sla.resolution_deadline, o.timeline.resolved_at, o.sla.resolution_overdue_minutes)
            for _, o in listed
        )
    return tuple(notice(o, o.sla.response_deadline, None, o.sla.response_time_left) for _, o in listed)


def added(base: Tally, made: TicketFigures, extra: Tally) -> TicketFigures:
    """``figures([base, extra])`` where ``made`` is ``figures([base])``: only what ``extra`` touches is redone.

    A year's settled tickets plus the few still open: the counts of every category, unit, ... that no open
    ticket has, and the notice lists no open ticket joins, are those already made.
    """
    overall = made.overall
    if extra.signatures:
        overall = counts(base.signatures + extra.signatures, base.durations + extra.durations)
    by = [
        _added_breakdown(base, extra, dimension, known)
        for dimension, known in zip(
            DIMENSIONS, (made.by_category, made.by_unit, made.by_channel, made.by_mode, made.by_priority), strict=True
        )
    ]
    lists = (made.response_breaches, made.resolution_breaches, made.pending_responses)
    notices = [_added_notices(base, extra, which, known) for which, known in enumerate(lists)]
    return TicketFigures(
        overall=overall,
        cancelled=base.cancelled + extra.cancelled,
        consultations=base.consultations + extra.consultations,
        by_category=by[0],
        by_unit=by[1],
        by_channel=by[2],
        by_mode=by[3],
        by_priority=by[4],
        response_breaches=notices[0],
        resolution_breaches=notices[1],
        pending_responses=notices[2],
    )


def _added_breakdown(
    base: Tally, extra: Tally, dimension: str, known: dict[str, TicketCounts]
) -> dict[str, TicketCounts]:
    touched = {value for value, _ in extra.by[dimension]}
    if not touched:
        return known
    result = dict(known)
    for value in touched:
        signatures: Counter[Signature] = Counter()
        for part in (base, extra):
            for (each, signature), count in part.by[dimension].items():
                if each == value:
                    signatures[signature] += count
        minutes = [*base.by_durations[dimension].get(value, ()), *extra.by_durations[dimension].get(value, ())]
        result[value] = counts(signatures, minutes)
    return {value: result[value] for value in sorted(result)}


def _added_notices(base: Tally, extra: Tally, which: int, known: tuple[TicketNotice, ...]) -> tuple[TicketNotice, ...]:
    if not extra.notices[which]:
        return known
    made = zip((position for position, _ in base.notices[which]), known, strict=True)
    more = zip((position for position, _ in extra.notices[which]), _notices([extra], which), strict=True)
    return tuple(notice for _, notice in heapq.merge(made, more, key=_first))


def _first(item: tuple[int, TicketNotice]) -> int:
    return item[0]


class _Settled:
    """A scope's settled tally, the identities of its outcomes, and its figures (made when first asked)."""

    def __init__(self, tally: Tally, made: TicketFigures | None = None) -> None:
        self.tally = tally
        self.ids = frozenset(map(id, tally.members.values()))  # the outcomes are kept alive by ``tally.members``
        self._figures = made

    @property
    def made(self) -> TicketFigures | None:
        return self._figures

    @property
    def figures(self) -> TicketFigures:
        if self._figures is None:
            self._figures = figures([self.tally])  # two threads may both make them: the same figures
        return self._figures


# What a FigureSums keeps of its inputs' settled parts, as plain containers (a snapshot stores it).
SumsState = tuple[dict[Hashable, tuple[Tally, TicketFigures | None]], dict[Hashable, Any]]


class FigureSums:
    """Settled parts of one set of inputs' figures, kept by the caller between measurements.

    Safe to share between threads: kept parts are replaced, never changed in place.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inputs: SlaInputs | None = None
        self._positions: dict[str, int] = {}
        self._horizon: datetime | None = None
        self._tallies: OrderedDict[Hashable, _Settled] = OrderedDict()
        self._monitoring: OrderedDict[Hashable, Any] = OrderedDict()

    def _bind(self, inputs: SlaInputs) -> None:
        with self._lock:
            if self._inputs is inputs:
                return
            self._positions = {record.key: index for index, record in enumerate(inputs.tickets)}
            self._horizon = evidence_horizon(inputs)
            self._tallies = OrderedDict()
            self._monitoring = OrderedDict()
            self._inputs = inputs

    def state(self) -> SumsState:
        """The kept tallies and monitoring parts (their own objects are never changed once kept)."""
        with self._lock:
            return {k: (v.tally, v.made) for k, v in self._tallies.items()}, dict(self._monitoring)

    @classmethod
    def restored(cls, inputs: SlaInputs, state: SumsState) -> FigureSums:
        """Sums of ``inputs`` with the parts ``state()`` gave for the same inputs (from a snapshot)."""
        sums = cls()
        sums._bind(inputs)
        tallies, monitoring = state
        sums._tallies = OrderedDict((k, _Settled(*v)) for k, v in tallies.items())
        sums._monitoring = OrderedDict(monitoring)
        return sums

    def size(self) -> int:
        """The number of settled outcomes tallied, over every kept tally."""
        with self._lock:
            return sum(len(settled.tally.members) for settled in self._tallies.values())

    def carried(self, inputs: SlaInputs) -> FigureSums:
        """Sums for re-read ``inputs`` of the same terms, keeping the tallies (their notices placed anew).

        A tally stays valid for as long as its outcomes are the ones a measurement finds settled (checked
        there, by identity): the caller's memo keeps the outcome of every unchanged ticket. The monitoring
        parts are not carried (the evidence or the outage records may have moved).
        """
        sums = FigureSums()
        sums._bind(inputs)
        positions = sums._positions
        with self._lock:
            kept = list(self._tallies.items())
        for scope, settled in kept:
            part = settled.tally
            if any(key not in positions for key in part.members):
                continue  # a ticket is gone: tallied again when next asked
            notices = tuple(sorted(((positions[o.record.key], o) for _, o in n), key=_position) for n in part.notices)
            moved = notices != part.notices
            placed = dataclasses.replace(part, notices=notices) if moved else part
            sums._tallies[scope] = _Settled(placed, None if moved else settled.made)
        return sums

    def ticket_figures(
        self, inputs: SlaInputs, scope: Hashable, outcomes: Sequence[TicketOutcome], memo: OutcomeMemo | None
    ) -> TicketFigures:
        """``summarize(outcomes)``: the kept tally of the settled ones plus a tally of the others."""
        self._bind(inputs)
        positions = self._positions
        if memo is None:
            return figures([tally(outcomes, positions)])
        kept = self._tallies.get(scope)
        ids = kept.ids if kept is not None else frozenset()
        matched = 0
        new: list[TicketOutcome] = []  # settled, not in the kept tally
        live: list[TicketOutcome] = []
        for outcome in outcomes:
            if id(outcome) in ids:
                matched += 1
                continue
            known = memo.get(outcome.record.key)
            (new if known is not None and known[2] is outcome else live).append(outcome)
        if kept is not None and matched != len(ids):  # a kept outcome is no longer settled: tally again
            new = [o for o in outcomes if id(o) in ids or ((k := memo.get(o.record.key)) is not None and k[2] is o)]
            kept = None
        elif kept is not None and new:
            kept = _Settled(tally(new, positions, kept.tally))
        if kept is None:
            kept = _Settled(tally(new, positions))
        with self._lock:
            if self._inputs is inputs:
                self._tallies[scope] = kept
                self._tallies.move_to_end(scope)
                while len(self._tallies) > KEPT_TALLIES:
                    self._tallies.popitem(last=False)
        if not live:
            return kept.figures
        return added(kept.tally, kept.figures, tally(live, positions))

    def monitoring(self, inputs: SlaInputs, key: Hashable, as_of: datetime, measure: Callable[[], T]) -> T:
        """The monitoring part of a scope: kept by window once ``as_of`` is past the evidence horizon."""
        self._bind(inputs)
        horizon = self._horizon
        if horizon is None or as_of < horizon:
            return measure()
        known = self._monitoring.get(key)
        if known is None:
            known = measure()
            with self._lock:
                if self._inputs is inputs:
                    self._monitoring[key] = known
                    while len(self._monitoring) > KEPT_MONITORING:
                        self._monitoring.popitem(last=False)
        result: T = known
        return result


def evidence_horizon(inputs: SlaInputs) -> datetime | None:
    """The instant from which no later ``as_of`` changes what the evidence and outage records say.

    None when an outage record has no end yet (its end is ``as_of`` itself).
    """
    instants: list[datetime] = []
    for target in inputs.targets:
        if target.segments:
            instants.append(target.segments[-1].end)
        if target.monitored_since is not None:
            instants.append(target.monitored_since)
        if target.retired_at is not None:
            instants.append(target.retired_at)
    for record in inputs.outage_records:
        if record.end is None:
            return None
        instants += (record.start, record.end)
        instants += (response for response in record.first_responses if response is not None)
    return max(instants, default=None)
