"""The one-line calls the rest of slatrack makes when something worth an alert happens.

Each builds the Chinese message a person acts on (what, which system or ticket, since when, the deadline,
a link) and writes it to the outbox in the caller's transaction. Historic entries (a backfill, an import,
the demo history) are not alerted: an alert is for what can still be acted on.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from slatrack.extensions import db
from slatrack.models import utcnow
from slatrack.models.enums import FAULT_TICKET_REQUESTER, TARGET_KINDS
from slatrack.operations.notifications.outbox import duration_text, emit, local_text

if TYPE_CHECKING:
    from slatrack.models import MaintenanceWindow, Outage, Target, Ticket, TicketEvent

# Older than this when written, a change is history, not news.
HISTORIC = timedelta(hours=1)
HISTORIC_TICKET = timedelta(hours=24)
PRIORITY_LABELS = {"P1": "P1 紧急", "P2": "P2 高", "P3": "P3 中", "P4": "P4 低"}


def _ticket_data(ticket: Ticket) -> dict[str, object]:
    return {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "unit": ticket.unit.code if ticket.unit is not None else None,
        "priority": ticket.priority,
        "status": ticket.status,
        "response_due_at": ticket.response_due_at.isoformat() if ticket.response_due_at else None,
        "resolution_due_at": ticket.resolution_due_at.isoformat() if ticket.resolution_due_at else None,
    }


def outage_opened(outage: Outage, target: Target, now: datetime | None = None) -> None:
    """A confirmed outage (called when the record is created, with its fault ticket attached)."""
    now = now or utcnow()
    if outage.end is not None and outage.end < now - HISTORIC:
        return
    ticket = outage.tickets[0] if outage.tickets else None
    critical = "关键对象，计入系统停机时间" if target.critical else "非关键对象"
    since = local_text(outage.start)
    kind = TARGET_KINDS.get(target.kind, target.kind)
    text = f"监测对象「{target.name}」（{kind}，{critical}）自 {since} 起检查连续失败，已确认停机。"
    if ticket is not None:
        text += (
            f"已自动创建故障工单 {ticket.number}（{PRIORITY_LABELS.get(ticket.priority, ticket.priority)}），"
            f"响应时限 {local_text(ticket.response_due_at)}。请立即排查，并在工单中登记响应。"
        )
    emit(
        "outage.opened", f"outage.opened:{outage.id}",
        title=f"【停机】{target.name} 无法访问", text=text, link=f"/monitoring/outages#outage-{outage.id}",
        at=outage.start,
        data={"outage_id": outage.id, "target": target.name, "critical": target.critical,
              "start": outage.start.isoformat(), "ticket": ticket.number if ticket else None},
    )  # fmt: skip
    if outage.end is not None:  # confirmed and already recovered within the same batch of results
        outage_closed(outage, target, now)


def outage_closed(outage: Outage, target: Target, now: datetime | None = None) -> None:
    """An outage that has ended (its record got an end)."""
    now = now or utcnow()
    if outage.end is None or outage.end < now - HISTORIC:
        return
    minutes = (outage.end - outage.start).total_seconds() / 60
    numbers = "、".join(t.number for t in outage.tickets)
    text = (
        f"监测对象「{target.name}」已恢复：{local_text(outage.start)} 至 {local_text(outage.end)}，"
        f"停机 {duration_text(minutes)}。"
        + (f"请在工单 {numbers} 中登记处理结果并解决工单；" if numbers else "")
        + "如属计划维护、甲方原因或不可抗力，请在停机记录中申请排除。"
    )
    emit(
        "outage.closed", f"outage.closed:{outage.id}",
        title=f"【恢复】{target.name} 已恢复（停机 {duration_text(minutes)}）", text=text,
        link=f"/monitoring/outages#outage-{outage.id}", at=outage.end,
        data={"outage_id": outage.id, "target": target.name, "start": outage.start.isoformat(),
              "end": outage.end.isoformat(), "duration_minutes": round(minutes, 1)},
    )  # fmt: skip


def ticket_created(ticket: Ticket, now: datetime | None = None) -> None:
    """A new service request; the fault ticket of an outage is announced by outage.opened instead."""
    now = now or utcnow()
    if ticket.reported_at < now - HISTORIC_TICKET or ticket.requester == FAULT_TICKET_REQUESTER:
        return
    unit = ticket.unit.name if ticket.unit is not None else ""
    text = (
        f"{unit}（{ticket.requester or '未填写报告人'}）于 {local_text(ticket.reported_at)} 提交工单 {ticket.number}"
        f"「{ticket.title}」，{PRIORITY_LABELS.get(ticket.priority, ticket.priority)}。"
        f"请在 {local_text(ticket.response_due_at)} 前响应，{local_text(ticket.resolution_due_at)} 前解决。"
    )
    emit(
        "ticket.created", f"ticket.created:{ticket.id}", title=f"【新工单】{ticket.number} {ticket.title}",
        text=text, link=f"/tickets/{ticket.id}", at=ticket.reported_at, data=_ticket_data(ticket),
        unit_id=ticket.unit_id,
    )  # fmt: skip


def ticket_event(ticket: Ticket, event: TicketEvent, now: datetime | None = None) -> None:
    """A recorded ticket event: the first response and each resolution are told to the unit that asked."""
    now = now or utcnow()
    if event.at < now - HISTORIC_TICKET:
        return
    if event.type == "respond":
        text = f"您单位的工单 {ticket.number}「{ticket.title}」已于 {local_text(event.at)} 由运维人员响应"
        text += f"：{event.note}" if event.note else "，正在处理。"
        emit(
            "ticket.responded", f"ticket.responded:{ticket.id}", title=f"【已响应】{ticket.number} {ticket.title}",
            text=text, link=f"/tickets/{ticket.id}", at=event.at, data=_ticket_data(ticket), unit_id=ticket.unit_id,
        )  # fmt: skip
    elif event.type == "resolve":
        text = f"您单位的工单 {ticket.number}「{ticket.title}」已于 {local_text(event.at)} 解决"
        text += f"（{event.note}）" if event.note else ""
        text += "。请确认处理结果：问题已解决请评价服务，未解决请在工单中说明，运维人员将重新处理。"
        emit(
            "ticket.resolved", f"ticket.resolved:{ticket.id}:{event.at.isoformat()}",
            title=f"【已解决，待确认】{ticket.number} {ticket.title}", text=text, link=f"/tickets/{ticket.id}",
            at=event.at, data=_ticket_data(ticket), unit_id=ticket.unit_id,
        )  # fmt: skip


def maintenance_requested(window: MaintenanceWindow) -> None:
    """A vendor's maintenance request waiting for the bureau (an admin's own is approved at once)."""
    if window.id is None:
        db.session.flush()
    if window.approved_at is not None:
        maintenance_approved(window)
        return
    text = (
        f"运维方申请计划维护：{local_text(window.start)} 至 {local_text(window.end)}，原因：{window.reason}。"
        "维护期间的停机经批准后不计入停机时间，请在维护开始前审批。"
    )
    emit(
        "maintenance.requested", f"maintenance.requested:{window.id}", title="【待审批】计划维护申请",
        text=text, link="/monitoring/maintenance", at=window.start,
        data={"window_id": window.id, "start": window.start.isoformat(), "end": window.end.isoformat()},
    )  # fmt: skip


def maintenance_approved(window: MaintenanceWindow) -> None:
    text = (
        f"计划维护 {local_text(window.start)} 至 {local_text(window.end)}（{window.reason}）已批准，"
        "请按时实施并在结束后确认系统恢复。"
    )
    emit(
        "maintenance.approved", f"maintenance.approved:{window.id}", title="【已批准】计划维护", text=text,
        link="/monitoring/maintenance", at=window.approved_at or utcnow(),
        data={"window_id": window.id, "start": window.start.isoformat(), "end": window.end.isoformat()},
    )  # fmt: skip
