from datetime import datetime, timedelta, timezone

import pytest

from slatrack.measure.lifecycle import (
    Event,
    EventType,
    State,
    TicketTimeline,
    TransitionError,
    apply,
    replay,
)

CST = timezone(timedelta(hours=8))
REPORTED = datetime(2025, 5, 6, 10, 0, tzinfo=CST)
NOW = datetime(2025, 5, 20, 10, 0, tzinfo=CST)


def at(minutes: int) -> datetime:
    return REPORTED + timedelta(minutes=minutes)


# A history that brings a ticket into each state (minutes after the report).
PATHS: dict[State, list[Event]] = {
    State.NEW: [],
    State.IN_PROGRESS: [Event(EventType.RESPOND, at(5))],
    State.PAUSED: [Event(EventType.RESPOND, at(5)), Event(EventType.PAUSE, at(10))],
    State.RESOLVED: [Event(EventType.RESPOND, at(5)), Event(EventType.RESOLVE, at(20))],
    State.CLOSED: [Event(EventType.RESPOND, at(5)), Event(EventType.RESOLVE, at(20)), Event(EventType.CLOSE, at(30))],
    State.CANCELLED: [Event(EventType.CANCEL, at(5), "重复提交")],
}

# The documented table, written out independently of the module's own table.
ALLOWED: dict[tuple[EventType, State], State] = {
    (EventType.RESPOND, State.NEW): State.IN_PROGRESS,
    (EventType.PAUSE, State.IN_PROGRESS): State.PAUSED,
    (EventType.RESUME, State.PAUSED): State.IN_PROGRESS,
    (EventType.RESOLVE, State.NEW): State.RESOLVED,
    (EventType.RESOLVE, State.IN_PROGRESS): State.RESOLVED,
    (EventType.RESOLVE, State.PAUSED): State.RESOLVED,
    (EventType.CLOSE, State.RESOLVED): State.CLOSED,
    (EventType.REOPEN, State.RESOLVED): State.IN_PROGRESS,
    (EventType.REOPEN, State.CLOSED): State.IN_PROGRESS,
    (EventType.CANCEL, State.NEW): State.CANCELLED,
    (EventType.CANCEL, State.IN_PROGRESS): State.CANCELLED,
    (EventType.CANCEL, State.PAUSED): State.CANCELLED,
    **{(EventType.COMMENT, state): state for state in State},
}


def state_of(state: State) -> TicketTimeline:
    timeline = replay(REPORTED, PATHS[state], now=NOW)
    assert timeline.state is state
    return timeline


@pytest.mark.parametrize("event_type", list(EventType))
@pytest.mark.parametrize("state", list(State))
def test_every_transition_of_the_table(state: State, event_type: EventType) -> None:
    timeline = state_of(state)
    event = Event(event_type, at(60), "原因" if event_type is EventType.CANCEL else "")
    expected = ALLOWED.get((event_type, state))
    if expected is None:
        with pytest.raises(TransitionError) as refused:
            apply(timeline, event, NOW)
        assert refused.value.reason  # a Chinese reason for the user
    else:
        assert apply(timeline, event, NOW).state is expected


@pytest.mark.parametrize(
    ("state", "event", "reason"),
    [
        (State.IN_PROGRESS, EventType.RESPOND, "工单已响应，不能重复响应"),
        (State.NEW, EventType.PAUSE, "工单尚未响应，只有处理中的工单才能挂起"),
        (State.RESOLVED, EventType.PAUSE, "已解决的工单不能挂起"),
        (State.IN_PROGRESS, EventType.CLOSE, "工单尚未解决，不能关闭"),
        (State.CANCELLED, EventType.RESOLVE, "已取消的工单不能解决"),
        (State.CANCELLED, EventType.REOPEN, "已取消的工单不能重新打开"),
        (State.CLOSED, EventType.CANCEL, "工单已关闭，不能取消"),
    ],
)
def test_refusals_say_why(state: State, event: EventType, reason: str) -> None:
    with pytest.raises(TransitionError) as refused:
        apply(state_of(state), Event(event, at(60), "原因"), NOW)
    assert refused.value.reason == reason


def test_cancel_requires_a_reason() -> None:
    with pytest.raises(TransitionError, match="取消工单必须填写原因"):
        apply(state_of(State.NEW), Event(EventType.CANCEL, at(1), "   "), NOW)
    timeline = apply(state_of(State.NEW), Event(EventType.CANCEL, at(1), " 用户撤回 "), NOW)
    assert timeline.cancelled and timeline.cancel_reason == "用户撤回" and timeline.cancelled_at == at(1)


def test_events_dated_in_the_past_are_accepted() -> None:
    # Recorded two weeks later (now = 05-20) but dated when they happened (05-06).
    timeline = replay(REPORTED, [Event("respond", at(12)), Event("resolve", at(95))], now=NOW)
    assert timeline.first_response_at == at(12)
    assert timeline.resolved_at == at(95)


def test_event_before_the_report_is_refused() -> None:
    with pytest.raises(TransitionError, match="早于工单报告时间 2025-05-06 10:00:00"):
        apply(state_of(State.NEW), Event(EventType.RESPOND, at(-1)), NOW)


def test_event_before_the_previous_event_is_refused() -> None:
    timeline = state_of(State.IN_PROGRESS)  # responded at +5
    with pytest.raises(TransitionError, match="早于上一个事件的时间"):
        apply(timeline, Event(EventType.RESOLVE, at(4)), NOW)
    # The same instant as the previous event is fine.
    assert apply(timeline, Event(EventType.RESOLVE, at(5)), NOW).resolved_at == at(5)


def test_event_in_the_future_is_refused() -> None:
    with pytest.raises(TransitionError, match="晚于当前时间"):
        apply(state_of(State.NEW), Event(EventType.RESPOND, NOW + timedelta(seconds=1)), NOW)
    assert apply(state_of(State.NEW), Event(EventType.RESPOND, NOW), NOW).state is State.IN_PROGRESS


def test_unknown_event_type_and_naive_time_are_refused() -> None:
    with pytest.raises(TransitionError, match="未知的事件类型"):
        Event("escalate", at(1))  # type: ignore[arg-type]
    with pytest.raises(TransitionError, match="必须带时区"):
        Event(EventType.RESPOND, datetime(2025, 5, 6, 10, 5))  # noqa: DTZ001


def test_replay_builds_the_timeline_with_pauses() -> None:
    events = [
        Event("respond", at(10)),
        Event("pause", at(30), "等待用户提供数据"),
        Event("comment", at(40), "已催促"),
        Event("resume", at(90)),
        Event("pause", at(100)),
        Event("resolve", at(130)),  # ends the open pause
        Event("close", at(200)),
    ]
    timeline = replay(REPORTED, events, now=NOW)
    assert timeline.state is State.CLOSED
    assert timeline.first_response_at == at(10)
    assert timeline.pauses == ((at(30), at(90)), (at(100), at(130)))
    assert timeline.paused_since is None
    assert timeline.resolved_at == at(130)
    assert timeline.closed_at == at(200)
    assert not timeline.cancelled


def test_replay_ignores_events_after_as_of() -> None:
    events = [Event("respond", at(10)), Event("pause", at(30)), Event("resume", at(90)), Event("resolve", at(130))]
    timeline = replay(REPORTED, events, as_of=at(60))
    # As of +60 the ticket was paused since +30; the open pause runs until whatever "until" is asked.
    assert timeline.state is State.PAUSED
    assert timeline.resolved_at is None
    assert timeline.pauses == ()
    assert timeline.pause_intervals(at(60)) == ((at(30), at(60)),)


def test_resolving_without_a_response_counts_as_the_first_response() -> None:
    timeline = replay(REPORTED, [Event("resolve", at(15))], now=NOW)
    assert timeline.first_response_at == at(15)
    assert timeline.resolved_at == at(15)


def test_reopen_clears_the_resolution_but_keeps_the_first_response() -> None:
    events = [
        Event("respond", at(5)),
        Event("resolve", at(20)),
        Event("close", at(25)),
        Event("reopen", at(40), "问题复现"),
        Event("resolve", at(70)),
    ]
    timeline = replay(REPORTED, events, now=NOW)
    assert timeline.state is State.RESOLVED
    assert timeline.first_response_at == at(5)
    assert timeline.resolved_at == at(70)
    assert timeline.closed_at is None
    assert timeline.reopen_count == 1


def test_replay_names_the_offending_event() -> None:
    events = [Event("respond", at(5)), Event("respond", at(6))]
    with pytest.raises(TransitionError) as refused:
        replay(REPORTED, events, now=NOW)
    assert refused.value.index == 1
    assert str(refused.value) == "第 2 个事件：工单已响应，不能重复响应"
