"""Ticket creation, numbering, deadlines and the event rules, through the operations."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from slatrack.audit import acting_as
from slatrack.extensions import db
from slatrack.models import AuditRecord, Contract, Ticket, TicketEvent, TicketSequence
from slatrack.operations import OperationError
from slatrack.operations.tickets.lifecycle import create_ticket, record_event, sla_of

SH = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


def new_ticket(**overrides: Any) -> Ticket:
    values: dict[str, Any] = {
        "unit_code": "522701",
        "category": "consult",
        "priority": "P3",
        "channel": "电话",
        "mode": "远程",
        "title": "无法登录系统",
        "reported_at": local(2025, 5, 10, 9, 30),
    }
    values.update(overrides)
    with acting_as("test"):
        return create_ticket(**values)


def test_numbers_follow_the_local_year_and_are_never_reused(app: Flask) -> None:
    first = new_ticket()
    second = new_ticket(reported_at=local(2025, 6, 1, 10, 0))
    # 00:30 on 1 January in Shanghai is still 31 December in UTC: the local year decides.
    third = new_ticket(reported_at=local(2026, 1, 1, 0, 30))
    assert (first.number, second.number, third.number) == ("YW-2025-0001", "YW-2025-0002", "YW-2026-0001")
    with acting_as("test"):
        record_event(second, "cancel", local(2025, 6, 1, 10, 5), "重复提交")
    assert new_ticket().number == "YW-2025-0003"
    assert db.session.get(TicketSequence, 2025).last == 3  # type: ignore[union-attr]


def test_contract_and_default_deadlines_on_7x24(app: Flask) -> None:
    ticket = new_ticket(priority="P2", reported_at=local(2025, 5, 10, 23, 50))
    assert ticket.contract is not None and ticket.contract.code == "OM-2025"
    assert ticket.status == "open"
    assert ticket.response_due_at == local(2025, 5, 11, 0, 20)
    assert ticket.resolution_due_at == local(2025, 5, 11, 3, 50)
    before = new_ticket(reported_at=local(2025, 4, 13, 23, 0))
    assert before.contract is not None and before.contract.code == "OM-2023"
    audited = db.session.scalars(
        select(AuditRecord).where(AuditRecord.object_type == "tickets", AuditRecord.object_id == str(ticket.id))
    ).all()
    assert audited and audited[0].actor == "test"


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("unit", {"unit_code": "999999"}),
        ("category", {"category": "gossip"}),
        ("priority", {"priority": "P9"}),
        ("channel", {"channel": "飞鸽"}),
        ("mode", {"mode": "空投"}),
        ("title", {"title": "  "}),
        ("reported_at", {"reported_at": datetime(2025, 5, 10, 9, 30)}),  # noqa: DTZ001 - naive on purpose
        ("reported_at", {"reported_at": datetime.now(UTC) + timedelta(hours=1)}),
    ],
)
def test_bad_fields_are_named_and_nothing_is_written(app: Flask, field: str, overrides: dict[str, Any]) -> None:
    with pytest.raises(OperationError) as caught:
        new_ticket(**overrides)
    assert field in caught.value.fields
    db.session.rollback()
    assert db.session.scalar(select(Ticket.id)) is None
    assert db.session.get(TicketSequence, 2025) is None


def _workdays(app: Flask) -> None:
    contract = db.session.scalar(select(Contract).where(Contract.code == "OM-2025"))
    assert contract is not None
    contract.calendar = "workdays"
    om2023 = db.session.scalar(select(Contract).where(Contract.code == "OM-2023"))
    assert om2023 is not None
    om2023.calendar = "workdays"
    db.session.commit()


def test_working_hours_across_a_weekend(app: Flask) -> None:
    _workdays(app)
    # Friday 2025-05-16 17:00, P3: 30 min to respond, 8 working hours to resolve.
    ticket = new_ticket(reported_at=local(2025, 5, 16, 17, 0))
    # 30 minutes left on Friday until 17:30: the response is due at the close.
    assert ticket.response_due_at == local(2025, 5, 16, 17, 30)
    # 30 minutes on Friday, then Monday 09:00-12:00 (180) and 13:30-17:30 (240) = 450, then 30 min on Tuesday.
    assert ticket.resolution_due_at == local(2025, 5, 20, 9, 30)
    # Reported on Saturday: the clock starts on Monday morning.
    saturday = new_ticket(reported_at=local(2025, 5, 17, 10, 0))
    assert saturday.response_due_at == local(2025, 5, 19, 9, 30)


def test_working_hours_across_the_2025_spring_festival(app: Flask) -> None:
    _workdays(app)
    # Spring Festival 2025: holiday 28 Jan - 4 Feb; Sunday 26 Jan and Saturday 8 Feb are make-up working days.
    ticket = new_ticket(priority="P3", reported_at=local(2025, 1, 24, 17, 0))  # Friday before
    # Friday 30 min left; Saturday 25th off; Sunday 26th is a working day (调休): 420 min more, 17:30 ends on it.
    assert ticket.response_due_at == local(2025, 1, 24, 17, 30)
    assert ticket.resolution_due_at == local(2025, 1, 27, 9, 30)  # 30 + 420 on the 26th, 30 on Monday 27th
    during = new_ticket(priority="P4", reported_at=local(2025, 1, 29, 10, 0))
    # Nothing counts until Wednesday 5 Feb 09:00: response due 09:30.
    assert during.response_due_at == local(2025, 2, 5, 9, 30)
    # 72 h = 4320 min = 9 working days of 420 min + 540 min... walk: 5,6,7 Feb, Sat 8 Feb (调休), 10-14 Feb
    # = 9 days (3780 min), then 540 min more: Mon 17 Feb 420 and Tue 18 Feb 120 -> 11:00.
    assert during.resolution_due_at == local(2025, 2, 18, 11, 0)


def test_pause_and_resume_push_the_resolution_deadline(app: Flask) -> None:
    ticket = new_ticket(priority="P1", reported_at=local(2025, 5, 10, 9, 0))  # 7x24, P1 2 h
    assert ticket.resolution_due_at == local(2025, 5, 10, 11, 0)
    with acting_as("test"):
        record_event(ticket, "respond", local(2025, 5, 10, 9, 10), "电话联系")
        record_event(ticket, "pause", local(2025, 5, 10, 9, 40), "等待用户提供截图")
        assert ticket.status == "paused"
        record_event(ticket, "resume", local(2025, 5, 10, 10, 40), "")
    assert ticket.status == "in_progress"
    assert ticket.resolution_due_at == local(2025, 5, 10, 12, 0)
    sla = sla_of(ticket, local(2025, 5, 10, 11, 30))
    assert sla.resolution_status == "pending"
    assert sla.resolution_time_left == pytest.approx(30)
    assert sla.response_status == "met" and sla.response_minutes == pytest.approx(10)
    with acting_as("test"):
        record_event(ticket, "resolve", local(2025, 5, 10, 11, 50), "已处理")
    assert ticket.resolved_at == local(2025, 5, 10, 11, 50)
    assert sla_of(ticket).resolution_status == "met"


def test_event_times(app: Flask) -> None:
    ticket = new_ticket(reported_at=local(2025, 5, 10, 9, 0))
    with acting_as("test"), pytest.raises(OperationError) as caught:
        record_event(ticket, "respond", local(2025, 5, 10, 8, 59), "")
    assert caught.value.status == 422 and "at" in caught.value.fields
    with acting_as("test"), pytest.raises(OperationError) as caught:
        record_event(ticket, "respond", datetime.now(UTC) + timedelta(minutes=5), "")
    assert caught.value.status == 422 and "at" in caught.value.fields
    with acting_as("test"):
        record_event(ticket, "respond", local(2025, 5, 10, 9, 20), "")  # logged after the fact
    with acting_as("test"), pytest.raises(OperationError) as caught:
        record_event(ticket, "comment", local(2025, 5, 10, 9, 10), "补记")
    assert caught.value.status == 422 and "上一个事件" in caught.value.message
    with acting_as("test"), pytest.raises(OperationError) as caught:
        record_event(ticket, "respond", local(2025, 5, 10, 9, 30), "")
    assert caught.value.status == 409 and caught.value.message == "工单已响应，不能重复响应"
    assert ticket.first_response_at == local(2025, 5, 10, 9, 20)


def test_concurrent_creation_gives_unique_numbers(app: Flask) -> None:
    errors: list[BaseException] = []
    numbers: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        with app.app_context():
            try:
                for _ in range(5):
                    for attempt in range(20):
                        try:
                            ticket = new_ticket()
                            break
                        except OperationalError as exc:  # SQLite only: "database is locked" under contention
                            assert "locked" in str(exc)
                            db.session.rollback()
                            if attempt == 19:
                                raise
                    with lock:
                        numbers.append(ticket.number)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == [f"YW-2025-{n:04d}" for n in range(1, 21)]


def test_two_people_responding_at_once_record_one_response(app: Flask) -> None:
    ticket_id = new_ticket(reported_at=local(2025, 5, 10, 9, 0)).id
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(minute: int) -> None:
        with app.app_context():
            try:
                ticket = db.session.get(Ticket, ticket_id)
                assert ticket is not None
                barrier.wait(timeout=10)
                with acting_as(f"worker-{minute}"):
                    record_event(ticket, "respond", local(2025, 5, 10, 9, minute), "")
                outcome = "ok"
            except OperationError as exc:
                outcome = f"refused {exc.status}"
            except OperationalError as exc:  # SQLite serialises writers: the loser may find it locked
                assert "locked" in str(exc)
                outcome = "locked"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    # Both log the same instant, so the loser is refused for the state (responded already), not for the time.
    threads = [threading.Thread(target=worker, args=(minute,)) for minute in (5, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) in (["locked", "ok"], ["ok", "refused 409"]), outcomes
    assert outcomes.count("ok") == 1
    stored = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)).all()
    assert [e.type for e in stored] == ["respond"]
