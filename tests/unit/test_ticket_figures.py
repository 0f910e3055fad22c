from datetime import datetime, timedelta, timezone

import pytest

from slatrack.measure.deadlines import SlaTerms
from slatrack.measure.lifecycle import Event
from slatrack.measure.periods import quarter_period
from slatrack.measure.tickets import (
    TicketRecord,
    all_resolved_in_time,
    evaluate_tickets,
    summarize,
    ticket_figures,
)

CST = timezone(timedelta(hours=8))
Q2 = quarter_period("2025Q2")
AS_OF = datetime(2025, 6, 30, 12, 0, tzinfo=CST)
TERMS = SlaTerms()  # 7×24, 30 min response, P1 2 h, P2 4 h, P3 8 h, P4 72 h


def cst(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=CST)


def ticket(
    key: str,
    category: str,
    unit: str,
    priority: str,
    reported: datetime,
    events: list[Event],
    channel: str = "电话",
    mode: str = "远程",
) -> TicketRecord:
    return TicketRecord(key, f"GD-{key}", unit, category, priority, channel, mode, reported, tuple(events))


TICKETS = [
    # T1 responded in 20 min, resolved in 60 (P3 window 480): met, met.
    ticket(
        "T1",
        "consult",
        "522701",
        "P3",
        cst(4, 10, 9),
        [Event("respond", cst(4, 10, 9, 20)), Event("resolve", cst(4, 10, 10))],
    ),
    # T2 P1 responded after 45 min (15 late), resolved after 180 (60 late): breached, breached.
    ticket(
        "T2",
        "fault",
        "522702",
        "P1",
        cst(5, 1, 8),
        [Event("respond", cst(5, 1, 8, 45)), Event("resolve", cst(5, 1, 11))],
        channel="系统",
    ),
    # T3 P2 responded exactly at +30 (met); paused 60 min; resolved at +270 -> 210 service minutes (met).
    ticket(
        "T3",
        "data",
        "522701",
        "P2",
        cst(5, 20, 14),
        [
            Event("respond", cst(5, 20, 14, 30)),
            Event("pause", cst(5, 20, 15)),
            Event("resume", cst(5, 20, 16)),
            Event("resolve", cst(5, 20, 18, 30)),
        ],
        channel="微信",
        mode="上门",
    ),
    # T4 reported 10 min before as_of, no response yet: pending (20 min left), resolution pending.
    ticket("T4", "guidance", "522702", "P4", cst(6, 30, 11, 50), []),
    # T5 never answered, deadline long gone: breached, breached.
    ticket("T5", "other", "522701", "P3", cst(6, 1, 9), []),
    # T6 cancelled: counted apart, in no figure.
    ticket("T6", "consult", "522703", "P3", cst(5, 5, 10), [Event("cancel", cst(5, 5, 10, 10), "重复提交")]),
    # T7 reported one minute before the quarter; T8 after as_of: both outside.
    ticket("T7", "consult", "522701", "P3", cst(3, 31, 23, 59), [Event("respond", cst(4, 1, 0, 5))]),
    ticket("T8", "consult", "522701", "P3", cst(6, 30, 13), []),
    # T9 responded in 10 min; its resolve (12:30) is after as_of, so it is unresolved and breached.
    ticket(
        "T9",
        "notice",
        "522701",
        "P3",
        cst(6, 10, 9),
        [Event("respond", cst(6, 10, 9, 10)), Event("resolve", cst(6, 30, 12, 30))],
        channel="系统",
    ),
    # T10's only response is dated after as_of: not answered, breached (and resolution breached).
    ticket(
        "T10", "training", "522702", "P4", cst(4, 15, 9), [Event("respond", cst(7, 1, 9))], channel="现场", mode="上门"
    ),
]


def test_response_resolution_and_consultations_worked_by_hand() -> None:
    figures = ticket_figures(TICKETS, Q2, AS_OF, TERMS)
    total = figures.overall
    # In the quarter, at or before as_of, not cancelled: T1 T2 T3 T4 T5 T9 T10 = 7; T6 cancelled.
    assert total.tickets == 7
    assert figures.cancelled == 1
    # Response: in time T1 T3 T9 = 3; breached T2 T5 T10 = 3; pending T4 -> 3 / 6 = 50.00 %.
    assert (total.responded_in_time, total.breached, total.pending) == (3, 3, 1)
    assert total.response_rate == 50.0
    # Answered by as_of: T1 T2 T3 T9 = 4 of 7 = 57.142857 -> 57.14 %.
    assert total.answered == 4
    assert total.answered_rate == 57.14
    # Resolution: in time T1 T3 = 2; breached T2 T5 T9 T10 = 4; pending T4 -> 2 / 6 = 33.33 %.
    assert (total.resolved_in_time, total.resolution_breached, total.resolution_pending) == (2, 4, 1)
    assert total.resolution_rate == 33.33
    # Resolved by as_of: T1 60, T2 180, T3 210 (270 - 60 paused) -> median 180 minutes.
    assert total.resolved == 3
    assert total.median_resolution_minutes == 180
    # Consultations: T1 consult, T3 data, T4 guidance, T9 notice, T10 training = 5.
    assert figures.consultations == 5


def test_breakdowns() -> None:
    figures = ticket_figures(TICKETS, Q2, AS_OF, TERMS)
    # 522701: T1 T3 T5 T9 -> in time 3 (T1 T3 T9), breached 1 (T5) -> 75.00 %.
    unit1 = figures.by_unit["522701"]
    assert (unit1.tickets, unit1.responded_in_time, unit1.breached, unit1.response_rate) == (4, 3, 1, 75.0)
    # 522702: T2 T4 T10 -> none in time, 2 breached, 1 pending -> 0.00 %.
    unit2 = figures.by_unit["522702"]
    assert (unit2.tickets, unit2.breached, unit2.pending, unit2.response_rate) == (3, 2, 1, 0.0)
    # 522703 only has the cancelled T6.
    assert "522703" not in figures.by_unit
    assert {k: v.tickets for k, v in figures.by_channel.items()} == {"现场": 1, "电话": 3, "系统": 2, "微信": 1}
    assert {k: v.tickets for k, v in figures.by_mode.items()} == {"上门": 2, "远程": 5}
    assert figures.by_category["fault"].response_rate == 0.0
    assert figures.by_priority["P3"].tickets == 3  # T1 T5 T9


def test_lists_of_breached_and_pending_tickets() -> None:
    figures = ticket_figures(TICKETS, Q2, AS_OF, TERMS)
    late = {n.key: n.minutes for n in figures.response_breaches}
    # T2 answered 15 minutes late. T5: 06-01 09:30 -> 06-30 12:00 = 29 days + 150 min = 41,910.
    # T10: 04-15 09:30 -> 06-30 12:00 = 76 days + 150 min = 109,590 (its later response is ignored).
    assert late == {"T2": 15, "T5": 41_910, "T10": 109_590}
    assert [(n.key, n.minutes) for n in figures.pending_responses] == [("T4", 20)]
    assert {n.key for n in figures.resolution_breaches} == {"T2", "T5", "T9", "T10"}
    t2 = next(n for n in figures.resolution_breaches if n.key == "T2")
    assert t2.minutes == 60 and t2.done_at == cst(5, 1, 11)


def test_zero_denominators_give_none() -> None:
    empty = ticket_figures([], Q2, AS_OF, TERMS).overall
    assert empty.tickets == 0
    assert empty.response_rate is None and empty.answered_rate is None
    assert empty.resolution_rate is None and empty.median_resolution_minutes is None
    # Only a pending ticket: nothing decided yet, so the response rate is None, answered 0 of 1 = 0 %.
    only_pending = ticket_figures([TICKETS[3]], Q2, AS_OF, TERMS).overall
    assert only_pending.response_rate is None
    assert only_pending.answered_rate == 0.0


def test_two_contracts_measured_apart_and_in_total() -> None:
    # Contract A up to 04-30 with the defaults; contract B from 05-01 with 60-minute responses.
    lenient = SlaTerms(response_minutes={"P1": 60, "P2": 60, "P3": 60, "P4": 60})

    def terms_of(record: TicketRecord) -> SlaTerms:
        return TERMS if record.reported_at < cst(5, 1, 0) else lenient

    outcomes = evaluate_tickets(TICKETS, Q2, AS_OF, terms_of)
    first = summarize([o for o in outcomes if o.record.reported_at < cst(5, 1, 0)])
    second = summarize([o for o in outcomes if o.record.reported_at >= cst(5, 1, 0)])
    total = summarize(outcomes)
    # A (T1 T10): T1 met, T10 breached -> 1 / 2 = 50 %.
    # B (T2 T3 T4 T5 T9): T2 answered at +45 is now in time, T3 T9 met -> 3; T5 breached; T4 pending
    # -> 3 / 4 = 75 %. Total: in time T1 T2 T3 T9 = 4, breached T5 T10 = 2 -> 4 / 6 = 66.67 %.
    assert first.overall.response_rate == 50.0
    assert second.overall.response_rate == 75.0
    assert total.overall.response_rate == 66.67
    assert total.overall.tickets == first.overall.tickets + second.overall.tickets


def test_derived_grades_for_fault_and_optimization_tickets() -> None:
    outcomes = evaluate_tickets(TICKETS, Q2, AS_OF, TERMS)
    assert all_resolved_in_time(outcomes, ["fault"]) is False  # T2 resolved late
    assert all_resolved_in_time(outcomes, ["consult"]) is True  # T1 in time; T6 cancelled
    assert all_resolved_in_time(outcomes, ["optimization", "patch"]) is True  # none at all


def test_events_after_as_of_are_ignored_even_when_the_ticket_is_resolved_later() -> None:
    later = datetime(2025, 7, 2, tzinfo=CST)
    before = ticket_figures([TICKETS[8]], Q2, AS_OF, TERMS).overall
    after = ticket_figures([TICKETS[8]], Q2, later, TERMS).overall
    assert before.resolved == 0 and before.resolution_breached == 1
    # Seen on 07-02 the resolve of 06-30 12:30 counts (and is late: deadline 06-10 17:00).
    assert after.resolved == 1 and after.median_resolution_minutes == pytest.approx(
        (datetime(2025, 6, 30, 12, 30, tzinfo=CST) - cst(6, 10, 9)).total_seconds() / 60
    )


def test_bad_records_are_refused() -> None:
    with pytest.raises(ValueError, match="工单 GD-X 的优先级 'P5' 无效"):
        ticket("X", "consult", "522701", "P5", cst(5, 1, 9), [])
    with pytest.raises(ValueError, match="工单 GD-X 的报告时间必须带时区"):
        ticket("X", "consult", "522701", "P1", datetime(2025, 5, 1, 9), [])  # noqa: DTZ001
