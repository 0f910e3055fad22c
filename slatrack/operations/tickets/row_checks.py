"""Checking the rows of a ticket file before anything is written: every fault is collected with its row
and column, and each good row becomes the ticket's fields with its events rebuilt from the times.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from slatrack import clock
from slatrack.extensions import db
from slatrack.measure import lifecycle
from slatrack.models import Unit
from slatrack.models.enums import CHANNELS, MODES, PRIORITIES, TICKET_CATEGORIES
from slatrack.operations.spreadsheets import RowError, cell_text
from slatrack.operations.tickets import validation as ticket_validation
from slatrack.operations.tickets.columns import parse_time


@dataclass
class CheckedRow:
    line: int
    number: str | None
    unit: Unit
    reported_at: datetime
    category: str
    priority: str
    channel: str
    mode: str
    title: str
    description: str
    requester: str
    events: list[lifecycle.Event]
    timeline: lifecycle.TicketTimeline
    key: str


def _lookup_tables() -> tuple[dict[str, Unit], dict[str, str], dict[str, str]]:
    units: dict[str, Unit] = {}
    for unit in db.session.scalars(select(Unit)):
        units[unit.code] = unit
        units[unit.name] = unit
    categories = {code: code for code in TICKET_CATEGORIES}
    categories.update({label: code for code, label in TICKET_CATEGORIES.items()})
    categories.update({"补丁": "patch", "版本升级": "patch", "咨询": "consult"})
    priorities = {code: code for code in PRIORITIES}
    priorities.update({label: code for code, label in PRIORITIES.items()})
    priorities.update({code.lower(): code for code in PRIORITIES})
    priorities.update({label.split()[1]: code for code, label in PRIORITIES.items()})
    return units, categories, priorities


def import_key(unit_code: str, reported_at: datetime, category: str, title: str, requester: str) -> str:
    """The hash of a row's identifying fields: the same row imported again is recognised."""
    parts = (unit_code, reported_at.astimezone(UTC).isoformat(), category, title.strip(), requester.strip())
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class RowChecker:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.zone = clock.local_zone()
        self.units, self.categories, self.priorities = _lookup_tables()
        self.errors: list[RowError] = []

    def fail(self, line: int, column: str, message: str) -> None:
        self.errors.append(RowError(line, column, message))

    def time_cell(self, line: int, values: dict[str, Any], column: str, required: bool = False) -> datetime | None:
        raw = values.get(column)
        if cell_text(raw) == "":
            if required:
                self.fail(line, column, "不能为空")
            return None
        try:
            moment = parse_time(raw, self.zone)
        except ValueError as exc:
            self.fail(line, column, str(exc))
            return None
        if moment > self.now:
            self.fail(line, column, "不能晚于当前时间")
            return None
        return moment

    def pauses(self, line: int, raw: Any) -> list[tuple[datetime, datetime | None]] | None:
        text = cell_text(raw)
        found: list[tuple[datetime, datetime | None]] = []
        if not text:
            return found
        for piece in re.split(r"[;；\n]", text):
            piece = piece.strip()
            if not piece:
                continue
            start_text, _, end_text = piece.partition("~")
            try:
                start = parse_time(start_text.strip(), self.zone)
                end = parse_time(end_text.strip(), self.zone) if end_text.strip() else None
            except ValueError as exc:
                self.fail(line, "挂起记录", f"{piece}：{exc}")
                return None
            if end is not None and end < start:
                self.fail(line, "挂起记录", f"{piece}：结束时间早于开始时间")
                return None
            found.append((start, end))
        return found

    def row(self, line: int, values: dict[str, Any]) -> CheckedRow | None:
        before = len(self.errors)
        number = cell_text(values.get("工单编号")) or None
        if number is not None and len(number) > 24:
            self.fail(line, "工单编号", "不能超过 24 个字符")
        unit_text = cell_text(values.get("单位"))
        unit = self.units.get(unit_text)
        if unit is None:
            self.fail(line, "单位", "不能为空" if not unit_text else f"未知的单位：{unit_text}")
        reported = self.time_cell(line, values, "报告时间", required=True)
        category = self._choice(line, values, "类别", self.categories)
        priority = self._choice(line, values, "优先级", self.priorities)
        channel = self._choice(line, values, "渠道", {c: c for c in CHANNELS})
        mode = self._choice(line, values, "方式", {m: m for m in MODES})
        title = cell_text(values.get("标题"))
        if fault := ticket_validation.title_fault(title):
            self.fail(line, "标题", fault)
        requester = cell_text(values.get("报告人"))
        if fault := ticket_validation.requester_fault(requester):
            self.fail(line, "报告人", fault)
        responded = self.time_cell(line, values, "响应时间")
        pauses = self.pauses(line, values.get("挂起记录"))
        resolved = self.time_cell(line, values, "解决时间")
        closed = self.time_cell(line, values, "关闭时间")
        cancelled = self.time_cell(line, values, "取消时间")
        reason = cell_text(values.get("取消原因"))
        if cancelled is not None and not reason:
            self.fail(line, "取消原因", "填写取消时间时必须填写取消原因")
        if len(self.errors) > before or reported is None or unit is None or pauses is None:
            return None
        assert category and priority and channel and mode
        events = _events(responded, pauses, resolved, closed, cancelled, reason)
        try:
            timeline = lifecycle.replay(reported, events, now=self.now)
        except lifecycle.TransitionError as exc:
            column = _COLUMN_OF_EVENT.get(events[exc.index].type if exc.index is not None else "", "状态")
            self.fail(line, column, exc.reason)
            return None
        key = import_key(unit.code, reported, category, title, requester)
        return CheckedRow(
            line=line,
            number=number,
            unit=unit,
            reported_at=reported,
            category=category,
            priority=priority,
            channel=channel,
            mode=mode,
            title=title,
            description=cell_text(values.get("描述")),
            requester=requester,
            events=events,
            timeline=timeline,
            key=key,
        )

    def _choice(self, line: int, values: dict[str, Any], column: str, table: dict[str, str]) -> str | None:
        text = cell_text(values.get(column))
        found = table.get(text) or table.get(text.upper())
        if found is None:
            self.fail(line, column, "不能为空" if not text else f"未知的{column}：{text}")
        return found


_COLUMN_OF_EVENT = {
    "respond": "响应时间",
    "pause": "挂起记录",
    "resume": "挂起记录",
    "resolve": "解决时间",
    "close": "关闭时间",
    "cancel": "取消时间",
}


def _events(
    responded: datetime | None,
    pauses: list[tuple[datetime, datetime | None]],
    resolved: datetime | None,
    closed: datetime | None,
    cancelled: datetime | None,
    reason: str,
) -> list[lifecycle.Event]:
    """The history the key times describe, in the lifecycle's order."""
    events: list[lifecycle.Event] = []
    if responded is not None:
        events.append(lifecycle.Event(lifecycle.EventType.RESPOND, responded))
    for start, end in pauses:
        events.append(lifecycle.Event(lifecycle.EventType.PAUSE, start))
        if end is not None:
            # A pause that ends with the resolution or the cancel needs no resume of its own.
            if end in (resolved, cancelled):
                continue
            events.append(lifecycle.Event(lifecycle.EventType.RESUME, end))
    if resolved is not None:
        events.append(lifecycle.Event(lifecycle.EventType.RESOLVE, resolved))
    if closed is not None:
        events.append(lifecycle.Event(lifecycle.EventType.CLOSE, closed))
    if cancelled is not None:
        events.append(lifecycle.Event(lifecycle.EventType.CANCEL, cancelled, reason))
    return events
