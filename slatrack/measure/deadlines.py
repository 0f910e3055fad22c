"""Response and resolution deadlines of one ticket, and where it stands at ``as_of``.

- Response deadline = reported_at + the priority's response window, counted on the contract's
  service calendar. Pauses do not move it (a ticket cannot be paused before it is answered).
- Resolution deadline = reported_at + the priority's resolution window on the calendar, with
  the service time spent paused not counted: each pause pushes the deadline back by its own
  service minutes. A pause still open at ``as_of`` is counted up to ``as_of``, so the deadline
  shown is "as_of + what is left" while the clock stands still.
- Status at ``as_of``: ``met`` when done at or before the deadline (exactly on it is met),
  ``breached`` when done after it or not done and the deadline is before ``as_of``, otherwise
  ``pending``.
- Time left = service minutes from ``as_of`` to the deadline while pending; negative (minutes
  overdue) while breached and not yet done; ``None`` once done.
- Overdue = service minutes from the deadline to when it was done (or to ``as_of`` if still
  open) for a breach; ``None`` otherwise.
- Elapsed figures (``response_minutes``, ``resolution_minutes``) are service minutes from the
  report, pauses excluded; after a reopen the clock ran on until the final resolve.

The timeline must be the ticket replayed with ``as_of`` (``lifecycle.replay(..., as_of=as_of)``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from slatrack.measure.calendars import AlwaysOn, Calendar
from slatrack.measure.lifecycle import TicketTimeline
from slatrack.measure.periods import require_aware

PRIORITIES = ("P1", "P2", "P3", "P4")
_KNOWN_PRIORITIES = frozenset(PRIORITIES)
DEFAULT_RESPONSE_MINUTES: Mapping[str, float] = {"P1": 30, "P2": 30, "P3": 30, "P4": 30}
DEFAULT_RESOLUTION_MINUTES: Mapping[str, float] = {"P1": 120, "P2": 240, "P3": 480, "P4": 72 * 60}


class Status(StrEnum):
    MET = "met"
    BREACHED = "breached"
    PENDING = "pending"


@dataclass(frozen=True)
class SlaTerms:
    """A contract's windows per priority (service minutes) and its service calendar."""

    response_minutes: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_RESPONSE_MINUTES))
    resolution_minutes: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_RESOLUTION_MINUTES))
    calendar: Calendar = field(default_factory=AlwaysOn)

    def __post_init__(self) -> None:
        for label, windows in (("响应", self.response_minutes), ("解决", self.resolution_minutes)):
            for priority in PRIORITIES:
                if priority not in windows:
                    raise ValueError(f"缺少优先级 {priority} 的{label}时限")
                if windows[priority] <= 0:
                    raise ValueError(f"优先级 {priority} 的{label}时限必须大于 0")

    def response_window(self, priority: str) -> float:
        return self.response_minutes[_check_priority(priority)]

    def resolution_window(self, priority: str) -> float:
        return self.resolution_minutes[_check_priority(priority)]


@dataclass(frozen=True)
class TicketSla:
    """Deadlines and status of one ticket at ``as_of``. Minutes are service minutes."""

    response_deadline: datetime
    response_status: Status
    response_minutes: float | None
    response_time_left: float | None
    response_overdue_minutes: float | None
    resolution_deadline: datetime
    resolution_status: Status
    resolution_minutes: float | None
    resolution_time_left: float | None
    resolution_overdue_minutes: float | None


def _check_priority(priority: str) -> str:
    if priority not in _KNOWN_PRIORITIES:
        raise ValueError(f"未知的优先级：{priority!r}，应为 P1、P2、P3 或 P4")
    return priority


def response_deadline(reported_at: datetime, priority: str, terms: SlaTerms) -> datetime:
    """reported_at + the response window on the calendar."""
    return terms.calendar.add_minutes(require_aware(reported_at), terms.response_window(priority))


def resolution_deadline(
    reported_at: datetime,
    priority: str,
    terms: SlaTerms,
    pauses: Sequence[tuple[datetime, datetime]] = (),
) -> datetime:
    """reported_at + the resolution window on the calendar, pushed back by the paused service time.

    ``pauses`` are the ticket's pause intervals in order, not overlapping.
    """
    calendar = terms.calendar
    cursor = require_aware(reported_at)
    remaining = terms.resolution_window(priority)
    for pause_start, pause_end in pauses:
        if pause_end <= cursor:
            continue
        candidate = calendar.add_minutes(cursor, remaining)
        if candidate <= pause_start:
            return candidate
        remaining -= calendar.minutes_between(cursor, pause_start)
        cursor = max(cursor, pause_end)
    return calendar.add_minutes(cursor, remaining)


def paused_minutes(calendar: Calendar, pauses: Sequence[tuple[datetime, datetime]], until: datetime) -> float:
    """Service minutes spent paused before ``until``."""
    return sum(calendar.minutes_between(s, min(e, until)) for s, e in pauses if s < until)


def _status(done_at: datetime | None, deadline: datetime, as_of: datetime) -> Status:
    if done_at is not None:
        return Status.MET if done_at <= deadline else Status.BREACHED
    return Status.BREACHED if deadline < as_of else Status.PENDING


def _time_left(
    calendar: Calendar, status: Status, done_at: datetime | None, deadline: datetime, as_of: datetime
) -> float | None:
    if done_at is not None:
        return None
    if status is Status.PENDING:
        return calendar.minutes_between(as_of, deadline)
    return -calendar.minutes_between(deadline, as_of)


def _overdue(
    calendar: Calendar, status: Status, done_at: datetime | None, deadline: datetime, as_of: datetime
) -> float | None:
    if status is not Status.BREACHED:
        return None
    return calendar.minutes_between(deadline, as_of if done_at is None else done_at)


def evaluate(timeline: TicketTimeline, priority: str, terms: SlaTerms, as_of: datetime) -> TicketSla:
    """Deadlines, statuses, elapsed service minutes and time left of one ticket at ``as_of``."""
    as_of = require_aware(as_of, "as_of")
    calendar = terms.calendar
    reported = timeline.reported_at
    responded = timeline.first_response_at
    resolved = timeline.resolved_at
    pauses = timeline.pause_intervals(as_of)

    due_response = response_deadline(reported, priority, terms)
    response_status = _status(responded, due_response, as_of)
    due_resolution = resolution_deadline(reported, priority, terms, pauses)
    resolution_status = _status(resolved, due_resolution, as_of)

    resolution_minutes = None
    if resolved is not None:
        resolution_minutes = calendar.minutes_between(reported, resolved) - paused_minutes(calendar, pauses, resolved)
    return TicketSla(
        response_deadline=due_response,
        response_status=response_status,
        response_minutes=None if responded is None else calendar.minutes_between(reported, responded),
        response_time_left=_time_left(calendar, response_status, responded, due_response, as_of),
        response_overdue_minutes=_overdue(calendar, response_status, responded, due_response, as_of),
        resolution_deadline=due_resolution,
        resolution_status=resolution_status,
        resolution_minutes=resolution_minutes,
        resolution_time_left=_time_left(calendar, resolution_status, resolved, due_resolution, as_of),
        resolution_overdue_minutes=_overdue(calendar, resolution_status, resolved, due_resolution, as_of),
    )
