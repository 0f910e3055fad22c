"""Who may set a ticket's times and priority (docs/tickets.md, "Who may set what").

A unit's request is reported at the moment it is submitted (a unit sends no report time) and the priority
it picks is a suggestion: the ticket runs on the suggested priority, provisionally, until the vendor (or the
bureau) confirms it or changes it with a reason. Staff set the priority themselves (confirmed at once) and
may state a report time (a late one is a late entry, see ``late_entries``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from slatrack import audit
from slatrack.extensions import db
from slatrack.models import Ticket, User
from slatrack.models.enums import PRIORITIES
from slatrack.operations import Conflict, OperationError
from slatrack.operations.tickets.state import refresh_counted

UNIT_TIME_REFUSED = "使用单位的服务请求按提交时刻报告，不能填写报告时间"
UNIT_PRIORITY_REFUSED = "使用单位只能建议优先级（suggested_priority），由运维方确认或调整"


@dataclass(frozen=True)
class PriorityChoice:
    priority: str  # what the deadlines run on now
    suggested: str | None  # a unit's suggestion, kept as it was made
    confirmed: bool


def check_request(
    user: User | None, reported_at: datetime | None, priority: str | None, suggested: str | None
) -> PriorityChoice:
    """What a creator may set: a unit neither a report time nor a final priority (422 naming the field)."""
    if user is not None and user.role == "unit":
        if reported_at is not None:
            raise OperationError(UNIT_TIME_REFUSED, fields={"reported_at": "使用单位不能填写报告时间"})
        if priority:
            raise OperationError(UNIT_PRIORITY_REFUSED, fields={"priority": "使用单位只能填写建议优先级"})
        if not suggested:
            raise OperationError("请选择建议优先级", fields={"suggested_priority": "必填"})
        return PriorityChoice(suggested, suggested, confirmed=False)
    if not priority:
        raise OperationError("请选择优先级", fields={"priority": "必填"})
    return PriorityChoice(priority, suggested or None, confirmed=True)


def confirm_priority(ticket: Ticket, priority: str, reason: str, user: User | None, now: datetime) -> Ticket:
    """The vendor confirms a unit's suggested priority, or changes it with a reason; audited."""
    if priority not in PRIORITIES:
        allowed = "、".join(PRIORITIES)
        raise OperationError(f"未知的优先级：{priority!r}", fields={"priority": f"应为 {allowed} 之一"})
    if ticket.priority_confirmed_at is not None:
        raise Conflict("该工单的优先级已确认", fields={"priority": "已确认"})
    reason = (reason or "").strip()
    if priority != ticket.suggested_priority and not reason:
        raise OperationError("调整单位建议的优先级必须填写理由", fields={"reason": "调整优先级时必填"})
    before = ticket.priority
    ticket.priority = priority
    ticket.priority_reason = reason
    ticket.priority_confirmed_at = now
    ticket.priority_confirmed_by_id = user.id if user is not None else None
    refresh_counted(ticket)
    verb = "确认" if priority == ticket.suggested_priority else f"由 {before} 调整为"
    audit.record(
        "ticket.priority",
        object_type="tickets",
        object_id=str(ticket.id),
        detail=f"{verb}工单 {ticket.number} 的优先级 {priority}" + (f"：{reason}" if reason else ""),
    )
    db.session.commit()
    return ticket


def check_edit(ticket: Ticket, user: User | None, reported_at: datetime, priority: str) -> None:
    """An edit moves neither the measured report time (vendor) nor an unconfirmed priority without its reason."""
    if user is not None and user.role == "vendor" and reported_at != ticket.reported_at:
        raise OperationError(
            "运维方不能修改已登记的报告时间；如需更正请联系局方", fields={"reported_at": "只有局方可以修改"}
        )
    if ticket.priority_confirmed_at is None and priority != ticket.priority:
        raise OperationError(
            "单位建议的优先级请在工单页“确认优先级”处确认或调整（调整须填写理由）",
            fields={"priority": "请先确认单位建议的优先级"},
        )


def check_close(ticket: Ticket, kind: str, user: User | None) -> None:
    """The vendor does not close a unit's request: the unit confirms it (or the job does), see ``closure``."""
    if kind == "close" and user is not None and user.role == "vendor" and submitted_by_unit(ticket):
        raise Conflict(
            "使用单位提交的请求由该单位确认解决（逾期自动确认），运维方不能直接关闭", fields={"type": "待单位确认"}
        )


def submitted_by_unit(ticket: Ticket) -> bool:
    if ticket.created_by_id is None:
        return False
    return db.session.scalar(select(User.role).where(User.id == ticket.created_by_id)) == "unit"
