from datetime import datetime, timedelta, timezone

import pytest

from slatrack.measure.calendars import WorkingHours
from slatrack.measure.deadlines import SlaTerms, Status, evaluate, resolution_deadline, response_deadline
from slatrack.measure.lifecycle import Event, replay

CST = timezone(timedelta(hours=8))
ALWAYS = SlaTerms()  # 30 min response; P1 2 h, P2 4 h, P3 8 h, P4 72 h; 7×24
OFFICE = SlaTerms(calendar=WorkingHours())  # 09:00-12:00, 13:30-17:30 on China's working days


def cst(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST)


R = cst(2025, 5, 6, 10, 0)  # a Tuesday


def m(minutes: float) -> datetime:
    return R + timedelta(minutes=minutes)


def test_default_windows_on_seven_by_twenty_four() -> None:
    assert response_deadline(R, "P4", ALWAYS) == cst(2025, 5, 6, 10, 30)
    assert resolution_deadline(R, "P1", ALWAYS) == cst(2025, 5, 6, 12, 0)
    assert resolution_deadline(R, "P2", ALWAYS) == cst(2025, 5, 6, 14, 0)
    assert resolution_deadline(R, "P3", ALWAYS) == cst(2025, 5, 6, 18, 0)
    # 72 h later, across the night and a weekend, because 7×24 counts every minute.
    assert resolution_deadline(R, "P4", ALWAYS) == cst(2025, 5, 9, 10, 0)


def test_answered_exactly_on_the_deadline_is_met() -> None:
    timeline = replay(R, [Event("respond", m(30))])
    sla = evaluate(timeline, "P1", ALWAYS, as_of=m(60))
    assert sla.response_status is Status.MET
    assert sla.response_minutes == 30
    assert sla.response_time_left is None and sla.response_overdue_minutes is None


def test_answered_one_second_late_is_breached() -> None:
    timeline = replay(R, [Event("respond", m(30) + timedelta(seconds=1))])
    sla = evaluate(timeline, "P1", ALWAYS, as_of=m(60))
    assert sla.response_status is Status.BREACHED
    assert sla.response_overdue_minutes == pytest.approx(1 / 60)


def test_pending_then_breached_without_a_response() -> None:
    timeline = replay(R, [])
    # At +20 the deadline (+30) is ahead: pending, 10 minutes left.
    early = evaluate(timeline, "P2", ALWAYS, as_of=m(20))
    assert early.response_status is Status.PENDING and early.response_time_left == 10
    # At exactly +30 a response could still arrive on time: still pending, 0 left.
    edge = evaluate(timeline, "P2", ALWAYS, as_of=m(30))
    assert edge.response_status is Status.PENDING and edge.response_time_left == 0
    # At +45 it is breached, 15 minutes overdue; resolution (+240) still pending with 195 left.
    late = evaluate(timeline, "P2", ALWAYS, as_of=m(45))
    assert late.response_status is Status.BREACHED
    assert late.response_time_left == -15 and late.response_overdue_minutes == 15
    assert late.resolution_status is Status.PENDING and late.resolution_time_left == 195


def test_pause_pushes_the_resolution_deadline_back() -> None:
    # P1 (120 min): respond +5, paused +30..+90 (60 min), resolved +170.
    # Deadline 10:00 + 120 + 60 = 13:00; 12:50 is within it. Resolution time 170 - 60 = 110 minutes.
    events = [Event("respond", m(5)), Event("pause", m(30)), Event("resume", m(90)), Event("resolve", m(170))]
    sla = evaluate(replay(R, events), "P1", ALWAYS, as_of=m(600))
    assert sla.resolution_deadline == cst(2025, 5, 6, 13, 0)
    assert sla.resolution_status is Status.MET
    assert sla.resolution_minutes == 110


def test_open_pause_stops_the_clock_at_as_of() -> None:
    # P1: 30 minutes ran before the pause at +30; paused still at 15:00 (+300), 90 minutes are left,
    # so the deadline reads 15:00 + 90 = 16:30 and the ticket is pending.
    events = [Event("respond", m(5)), Event("pause", m(30))]
    sla = evaluate(replay(R, events, as_of=m(300)), "P1", ALWAYS, as_of=m(300))
    assert sla.resolution_status is Status.PENDING
    assert sla.resolution_deadline == cst(2025, 5, 6, 16, 30)
    assert sla.resolution_time_left == 90


def test_pause_after_the_deadline_does_not_rescue_it() -> None:
    # P1 deadline 12:00; paused 12:30..13:00, resolved 13:30 -> breached by 90 minutes.
    events = [Event("respond", m(5)), Event("pause", m(150)), Event("resume", m(180)), Event("resolve", m(210))]
    sla = evaluate(replay(R, events), "P1", ALWAYS, as_of=m(600))
    assert sla.resolution_deadline == cst(2025, 5, 6, 12, 0)
    assert sla.resolution_status is Status.BREACHED
    assert sla.resolution_overdue_minutes == 90


def test_working_hours_deadline_across_a_weekend() -> None:
    # P3 (480) reported Friday 2025-03-07 15:00: 150 minutes to 17:30, weekend off, Monday 09:00-12:00
    # gives 180 (330 so far), 150 more from 13:30 -> Monday 2025-03-10 16:00. Response: Friday 15:30.
    reported = cst(2025, 3, 7, 15, 0)
    assert response_deadline(reported, "P3", OFFICE) == cst(2025, 3, 7, 15, 30)
    assert resolution_deadline(reported, "P3", OFFICE) == cst(2025, 3, 10, 16, 0)
    # Resolved Monday 15:00: 150 + 180 + 90 = 420 service minutes, met.
    timeline = replay(reported, [Event("respond", cst(2025, 3, 7, 15, 20)), Event("resolve", cst(2025, 3, 10, 15, 0))])
    sla = evaluate(timeline, "P3", OFFICE, as_of=cst(2025, 3, 11, 9, 0))
    assert sla.resolution_status is Status.MET
    assert sla.resolution_minutes == 420
    assert sla.response_minutes == 20


def test_working_hours_deadline_across_the_spring_festival() -> None:
    # P2 (240) reported Monday 2025-01-27 16:00: 90 minutes that day, holiday 01-28..02-04,
    # 150 more from Wednesday 02-05 09:00 -> 11:30. Response 30 minutes -> 01-27 16:30.
    reported = cst(2025, 1, 27, 16, 0)
    assert response_deadline(reported, "P2", OFFICE) == cst(2025, 1, 27, 16, 30)
    assert resolution_deadline(reported, "P2", OFFICE) == cst(2025, 2, 5, 11, 30)
    # Not answered by 2025-02-03 (a holiday): breached, and overdue by the service time since the
    # deadline, 16:30 -> 17:30 on 01-27 = 60 minutes (the holiday does not count).
    sla = evaluate(replay(reported, []), "P2", OFFICE, as_of=cst(2025, 2, 3, 12, 0))
    assert sla.response_status is Status.BREACHED
    assert sla.response_overdue_minutes == 60
    # The resolution deadline is still ahead: 150 service minutes left (all on 02-05).
    assert sla.resolution_status is Status.PENDING and sla.resolution_time_left == 150


def test_working_hours_deadline_on_a_make_up_working_day() -> None:
    # P1 (120) reported Friday 2025-02-07 17:00: 30 minutes that day, Saturday 02-08 is a make-up
    # working day, 90 more -> Saturday 10:30.
    reported = cst(2025, 2, 7, 17, 0)
    assert resolution_deadline(reported, "P1", OFFICE) == cst(2025, 2, 8, 10, 30)
    # Sunday 2025-01-26 is a make-up day too: reported Saturday 01-25 20:00, response due Sunday 09:30.
    assert response_deadline(cst(2025, 1, 25, 20, 0), "P1", OFFICE) == cst(2025, 1, 26, 9, 30)


def test_working_hours_pause_across_a_night() -> None:
    # P2 (240) reported Monday 2025-03-10 09:00, paused 11:00 -> Tuesday 10:00.
    # 120 service minutes ran before the pause; 120 remain from Tuesday 10:00 -> 12:00.
    # Paused service time: 11:00-12:00 (60) + 13:30-17:30 (240) + Tue 09:00-10:00 (60) = 360.
    # Resolved Tuesday 11:50: Monday 420 + Tuesday 170 = 590 - 360 = 230 minutes.
    reported = cst(2025, 3, 10, 9, 0)
    events = [
        Event("respond", cst(2025, 3, 10, 9, 10)),
        Event("pause", cst(2025, 3, 10, 11, 0)),
        Event("resume", cst(2025, 3, 11, 10, 0)),
        Event("resolve", cst(2025, 3, 11, 11, 50)),
    ]
    sla = evaluate(replay(reported, events), "P2", OFFICE, as_of=cst(2025, 3, 12, 9, 0))
    assert sla.resolution_deadline == cst(2025, 3, 11, 12, 0)
    assert sla.resolution_status is Status.MET
    assert sla.resolution_minutes == 230


def test_custom_windows_and_bad_priorities() -> None:
    terms = SlaTerms(
        response_minutes={"P1": 15, "P2": 30, "P3": 60, "P4": 120},
        resolution_minutes={"P1": 60, "P2": 240, "P3": 480, "P4": 4320},
    )
    assert response_deadline(R, "P1", terms) == cst(2025, 5, 6, 10, 15)
    assert resolution_deadline(R, "P1", terms) == cst(2025, 5, 6, 11, 0)
    with pytest.raises(ValueError, match="未知的优先级"):
        response_deadline(R, "P9", terms)
    with pytest.raises(ValueError, match="缺少优先级 P4 的响应时限"):
        SlaTerms(response_minutes={"P1": 30, "P2": 30, "P3": 30})
    with pytest.raises(ValueError, match="必须大于 0"):
        SlaTerms(resolution_minutes={"P1": 0, "P2": 240, "P3": 480, "P4": 4320})
