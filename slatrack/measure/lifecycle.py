"""The ticket state machine, pure: a ticket's history of events folded into its timeline.

States: ``new`` (reported, no response yet), ``in_progress`` (responded), ``paused``
(the SLA clock is stopped, e.g. waiting for the requester), ``resolved``, ``closed``
(resolution confirmed), ``cancelled``.

Transition table (state after the event; "—" = refused with a ``TransitionError``)::

    event \\ state  new          in_progress  paused       resolved     closed       cancelled
    respond         in_progress  —            —            —            —            —
    pause           —            paused       —            —            —            —
    resume          —            —            in_progress  —            —            —
    resolve         resolved*    resolved     resolved**   —            —            —
    close           —            —            —            closed       —            —
    reopen          —            —            —            in_progress  in_progress  —
    cancel***       cancelled    cancelled    cancelled**  —            —            —
    comment         (unchanged in every state, including closed and cancelled)

    *   resolving a ticket that was never responded to records the resolution as its first
        response too: whoever solved it has evidently answered.
    **  a pause still open ends at that event.
    *** cancel requires a non-empty reason (the event's note).

Time rules, checked for every event (refusals in Chinese, since users see them): an event may
be dated in the past, but never before the ticket was reported, never before the previous
event (equal times are fine, in the given order), and never after ``now``.

After a ``reopen`` the ticket counts as unresolved again; ``resolved_at`` becomes the time of
the next ``resolve``. The first response is kept: it happened once and for all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from slatrack.measure.periods import DEFAULT_TZ, require_aware, zone


class State(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    PAUSED = "paused"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class EventType(StrEnum):
    RESPOND = "respond"
    PAUSE = "pause"
    RESUME = "resume"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    CANCEL = "cancel"
    COMMENT = "comment"


STATE_LABELS: dict[State, str] = {
    State.NEW: "待响应",
    State.IN_PROGRESS: "处理中",
    State.PAUSED: "已挂起",
    State.RESOLVED: "已解决",
    State.CLOSED: "已关闭",
    State.CANCELLED: "已取消",
}

EVENT_LABELS: dict[EventType, str] = {
    EventType.RESPOND: "响应",
    EventType.PAUSE: "挂起",
    EventType.RESUME: "恢复",
    EventType.RESOLVE: "解决",
    EventType.CLOSE: "关闭",
    EventType.REOPEN: "重新打开",
    EventType.CANCEL: "取消",
    EventType.COMMENT: "备注",
}

TRANSITIONS: dict[EventType, dict[State, State]] = {
    EventType.RESPOND: {State.NEW: State.IN_PROGRESS},
    EventType.PAUSE: {State.IN_PROGRESS: State.PAUSED},
    EventType.RESUME: {State.PAUSED: State.IN_PROGRESS},
    EventType.RESOLVE: {State.NEW: State.RESOLVED, State.IN_PROGRESS: State.RESOLVED, State.PAUSED: State.RESOLVED},
    EventType.CLOSE: {State.RESOLVED: State.CLOSED},
    EventType.REOPEN: {State.RESOLVED: State.IN_PROGRESS, State.CLOSED: State.IN_PROGRESS},
    EventType.CANCEL: {State.NEW: State.CANCELLED, State.IN_PROGRESS: State.CANCELLED, State.PAUSED: State.CANCELLED},
    EventType.COMMENT: {state: state for state in State},
}

# Specific reasons for the refusals users hit most; anything else gets the generic message.
_REFUSALS: dict[tuple[EventType, State], str] = {
    (EventType.RESPOND, State.IN_PROGRESS): "工单已响应，不能重复响应",
    (EventType.RESPOND, State.PAUSED): "工单已响应，不能重复响应",
    (EventType.RESPOND, State.RESOLVED): "工单已解决，不能再响应",
    (EventType.RESPOND, State.CLOSED): "工单已关闭，不能再响应",
    (EventType.PAUSE, State.NEW): "工单尚未响应，只有处理中的工单才能挂起",
    (EventType.PAUSE, State.PAUSED): "工单已处于挂起状态",
    (EventType.RESUME, State.NEW): "工单未挂起，无需恢复",
    (EventType.RESUME, State.IN_PROGRESS): "工单未挂起，无需恢复",
    (EventType.RESOLVE, State.RESOLVED): "工单已解决，不能重复解决",
    (EventType.RESOLVE, State.CLOSED): "工单已关闭，如需继续处理请先重新打开",
    (EventType.CLOSE, State.NEW): "工单尚未解决，不能关闭",
    (EventType.CLOSE, State.IN_PROGRESS): "工单尚未解决，不能关闭",
    (EventType.CLOSE, State.PAUSED): "工单尚未解决，不能关闭",
    (EventType.CLOSE, State.CLOSED): "工单已关闭，不能重复关闭",
    (EventType.REOPEN, State.NEW): "工单尚未解决，无需重新打开",
    (EventType.REOPEN, State.IN_PROGRESS): "工单尚未解决，无需重新打开",
    (EventType.REOPEN, State.PAUSED): "工单尚未解决，无需重新打开",
    (EventType.REOPEN, State.CANCELLED): "已取消的工单不能重新打开",
    (EventType.CANCEL, State.RESOLVED): "工单已解决，不能取消",
    (EventType.CANCEL, State.CLOSED): "工单已关闭，不能取消",
    (EventType.CANCEL, State.CANCELLED): "工单已取消，不能重复取消",
}


class TransitionError(ValueError):
    """An event refused by the state machine or the time rules; ``reason`` is in Chinese.

    ``index`` is the position of the offending event when raised by ``replay``.
    """

    def __init__(self, reason: str, index: int | None = None) -> None:
        super().__init__(reason if index is None else f"第 {index + 1} 个事件：{reason}")
        self.reason = reason
        self.index = index


@dataclass(frozen=True)
class Event:
    """One entry of a ticket's history. ``type`` accepts the plain strings too (``"respond"``)."""

    type: EventType
    at: datetime
    note: str = ""

    def __post_init__(self) -> None:
        if type(self.type) is EventType and isinstance(self.at, datetime) and self.at.tzinfo is UTC:
            return  # already an event type and a UTC instant (what the loaders give): nothing to convert
        try:
            kind = EventType(self.type)
        except ValueError as exc:
            allowed = "、".join(e.value for e in EventType)
            raise TransitionError(f"未知的事件类型：{self.type!r}，应为 {allowed} 之一") from exc
        try:
            at = require_aware(self.at, "事件时间")
        except ValueError as exc:
            raise TransitionError(str(exc)) from exc
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "at", at)


@dataclass(frozen=True)
class TicketTimeline:
    """Everything measurements need from a ticket's history, as of its last applied event."""

    reported_at: datetime
    state: State = State.NEW
    last_event_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    pauses: tuple[tuple[datetime, datetime], ...] = ()
    paused_since: datetime | None = None
    reopen_count: int = 0

    @property
    def cancelled(self) -> bool:
        return self.state is State.CANCELLED

    def pause_intervals(self, until: datetime) -> tuple[tuple[datetime, datetime], ...]:
        """Closed pauses plus a still-open one running until ``until`` (e.g. ``as_of``)."""
        if self.paused_since is None or until <= self.paused_since:
            return self.pauses
        return (*self.pauses, (self.paused_since, until))


def start(reported_at: datetime) -> TicketTimeline:
    """The timeline of a ticket just reported."""
    return TicketTimeline(reported_at=require_aware(reported_at, "报告时间"))


def next_state(state: State, event_type: EventType | str, note: str = "") -> State:
    """The state after an event, by the transition table alone (no time rules)."""
    kind = event_type if isinstance(event_type, EventType) else EventType(event_type)
    target = TRANSITIONS[kind].get(state)
    if target is None:
        reason = _REFUSALS.get((kind, state))
        if reason is None:
            reason = f"{STATE_LABELS[state]}的工单不能{EVENT_LABELS[kind]}"
        raise TransitionError(reason)
    if kind is EventType.CANCEL and not note.strip():
        raise TransitionError("取消工单必须填写原因")
    return target


class _Fold:
    """Mutable working copy of a timeline: replaying a long history builds one object, not one per event."""

    __slots__ = (
        "cancel_reason",
        "cancelled_at",
        "closed_at",
        "first_response_at",
        "last_event_at",
        "paused_since",
        "pauses",
        "reopen_count",
        "reported_at",
        "resolved_at",
        "state",
    )

    def __init__(self, timeline: TicketTimeline) -> None:
        self.reported_at = timeline.reported_at
        self.state = timeline.state
        self.last_event_at = timeline.last_event_at
        self.first_response_at = timeline.first_response_at
        self.resolved_at = timeline.resolved_at
        self.closed_at = timeline.closed_at
        self.cancelled_at = timeline.cancelled_at
        self.cancel_reason = timeline.cancel_reason
        self.pauses: list[tuple[datetime, datetime]] = list(timeline.pauses)
        self.paused_since = timeline.paused_since
        self.reopen_count = timeline.reopen_count

    def step(self, event: Event, now: datetime | None) -> None:
        at = event.at
        if at < self.reported_at:
            raise TransitionError(f"事件时间 {_show(at)} 早于工单报告时间 {_show(self.reported_at)}")
        if self.last_event_at is not None and at < self.last_event_at:
            raise TransitionError(f"事件时间 {_show(at)} 早于上一个事件的时间 {_show(self.last_event_at)}")
        if now is not None and at > now:
            raise TransitionError(f"事件时间 {_show(at)} 晚于当前时间，不能登记未来的事件")

        kind = event.type
        target = next_state(self.state, kind, event.note)
        if self.paused_since is not None and target is not State.PAUSED:
            self.pauses.append((self.paused_since, at))
            self.paused_since = None
        if kind is EventType.RESPOND or (kind is EventType.RESOLVE and self.first_response_at is None):
            self.first_response_at = at
        if kind is EventType.PAUSE:
            self.paused_since = at
        elif kind is EventType.RESOLVE:
            self.resolved_at = at
        elif kind is EventType.CLOSE:
            self.closed_at = at
        elif kind is EventType.REOPEN:
            self.resolved_at = self.closed_at = None
            self.reopen_count += 1
        elif kind is EventType.CANCEL:
            self.cancelled_at = at
            self.cancel_reason = event.note.strip()
        self.state = target
        self.last_event_at = at

    def freeze(self) -> TicketTimeline:
        return TicketTimeline(
            reported_at=self.reported_at,
            state=self.state,
            last_event_at=self.last_event_at,
            first_response_at=self.first_response_at,
            resolved_at=self.resolved_at,
            closed_at=self.closed_at,
            cancelled_at=self.cancelled_at,
            cancel_reason=self.cancel_reason,
            pauses=tuple(self.pauses),
            paused_since=self.paused_since,
            reopen_count=self.reopen_count,
        )


def apply(timeline: TicketTimeline, event: Event, now: datetime | None = None) -> TicketTimeline:
    """Apply one event, enforcing the time rules and the transition table.

    ``now`` is the present instant; ``None`` skips the future check (for replaying stored history).
    """
    fold = _Fold(timeline)
    fold.step(event, None if now is None else require_aware(now, "当前时间"))
    return fold.freeze()


def replay(
    reported_at: datetime,
    events: Iterable[Event],
    as_of: datetime | None = None,
    now: datetime | None = None,
) -> TicketTimeline:
    """Fold a history into a timeline.

    Events after ``as_of`` are ignored (a measurement sees the ticket as it stood then).
    Events must be in the order they were recorded; with ``now`` given, future events are refused.
    A refused event raises ``TransitionError`` with its position in ``index``.
    """
    fold = _Fold(start(reported_at))
    cut = None if as_of is None else require_aware(as_of, "as_of")
    present = None if now is None else require_aware(now, "当前时间")
    for index, event in enumerate(events):
        if cut is not None and event.at > cut:
            continue
        try:
            fold.step(event, present)
        except TransitionError as exc:
            raise TransitionError(exc.reason, index) from exc
    return fold.freeze()


def _show(moment: datetime) -> str:
    """Local wall time, as users read it."""
    return moment.astimezone(zone(DEFAULT_TZ)).strftime("%Y-%m-%d %H:%M:%S")
