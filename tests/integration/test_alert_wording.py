"""Alert messages print times as the pages and documents do (2026年12月3日 14:03, Beijing time), never as
2026-12-03 14:03; a digest's lines carry the short form (12月3日 14:03)."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Flask
from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import AlertEvent, Ticket, utcnow
from slatrack.operations.notifications.delivery import outgoing
from tests.integration.test_alerts import CST, _every_event, alert_app, mailbox  # noqa: F401 (fixtures)

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}|\b\d{2}-\d{2} \d{2}:\d{2}")


def _chinese(moment: datetime) -> str:
    local = moment.astimezone(CST)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def test_every_alert_prints_chinese_times_in_beijing(alert_app: Flask) -> None:  # noqa: F811
    now = utcnow().replace(second=0, microsecond=0)
    _every_event(now)
    events = list(db.session.scalars(select(AlertEvent)))
    assert len({e.event for e in events}) == 15
    for event in events:
        assert not ISO_DAY.search(event.title + event.text), (event.event, event.title, event.text)
    created = {e.data.get("number"): e for e in events if e.event == "ticket.created"}
    tickets = [t for t in db.session.scalars(select(Ticket)) if t.number in created]
    assert len(tickets) == len(created) >= 2
    for ticket in tickets:
        assert f"于 {_chinese(ticket.reported_at)} 提交工单" in created[ticket.number].text
    contract = next(e for e in events if e.event == "contract.ending")
    assert "将于 2025年12月31日到期" in contract.text

    digest = outgoing(events)
    assert all(re.fullmatch(r"\d{1,2}月\d{1,2}日 \d{2}:\d{2}", when) for when in digest.local_times)
    assert digest.title == f"【告警汇总】{len(events)} 条通知（{digest.local_times[0]} 起）"
    first = events[0].at.astimezone(CST)
    assert digest.local_times[0] == f"{first.month}月{first.day}日 {first:%H:%M}"
