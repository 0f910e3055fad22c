"""The one validation of a ticket's fields, shared by the API, the pages and the spreadsheet import."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from slatrack.clock import aware, utcnow
from slatrack.models import (
    Unit,
    User,
)
from slatrack.models.enums import CHANNELS, MODES, PRIORITIES, TICKET_CATEGORIES
from slatrack.operations import OperationError
from slatrack.operations.reference.units import find_unit

# ---------------------------------------------------------------- validation

MAX_TITLE = 200
MAX_REQUESTER = 64


def _choice(value: str, allowed: Sequence[str], field: str, label: str) -> str:
    if value not in allowed:
        options = "、".join(allowed)
        raise OperationError(f"未知的{label}：{value!r}", fields={field: f"应为 {options} 之一"})
    return value


def check_unit_scope(user: User | None, unit: Unit) -> None:
    if user is not None and user.role == "unit" and user.unit_id != unit.id:
        raise OperationError("使用单位只能为本单位提交工单", fields={"unit": "只能为本单位提交工单"})


@dataclass(frozen=True)
class TicketFields:
    """Validated values of a ticket's editable fields."""

    unit: Unit
    category: str
    priority: str
    channel: str
    mode: str
    title: str
    description: str
    requester: str
    reported_at: datetime


def title_fault(title: str) -> str | None:
    """What is wrong with a (trimmed) title, or None: the rule for the API, the pages and the import."""
    if not title:
        return "不能为空"
    if len(title) > MAX_TITLE:
        return f"不能超过 {MAX_TITLE} 个字"
    return None


def requester_fault(requester: str) -> str | None:
    return f"不能超过 {MAX_REQUESTER} 个字" if len(requester) > MAX_REQUESTER else None


def validate_fields(
    *,
    unit_code: str,
    category: str,
    priority: str,
    channel: str,
    mode: str,
    title: str,
    description: str,
    requester: str,
    reported_at: datetime,
    now: datetime | None = None,
) -> TicketFields:
    """Check every field; the first fault raises an OperationError naming the field."""
    unit = find_unit(unit_code or "")
    _choice(category, list(TICKET_CATEGORIES), "category", "类别")
    _choice(priority, list(PRIORITIES), "priority", "优先级")
    _choice(channel, CHANNELS, "channel", "渠道")
    _choice(mode, MODES, "mode", "方式")
    title = (title or "").strip()
    if fault := title_fault(title):
        raise OperationError(f"标题{fault}", fields={"title": fault})
    requester = (requester or "").strip()
    if fault := requester_fault(requester):
        raise OperationError(f"报告人{fault}", fields={"requester": fault})
    reported = aware(reported_at, "reported_at", "报告时间")
    present = now or utcnow()
    if reported > present:
        raise OperationError("报告时间不能晚于当前时间", fields={"reported_at": "不能晚于当前时间"})
    return TicketFields(
        unit=unit,
        category=category,
        priority=priority,
        channel=channel,
        mode=mode,
        title=title,
        description=(description or "").strip(),
        requester=requester,
        reported_at=reported,
    )
