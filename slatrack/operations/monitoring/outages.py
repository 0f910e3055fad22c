"""Outage records (停机记录), exclusions and maintenance windows (计划维护).

Probe outages are derived: after every ingestion the confirmed failure runs of the changed span
(measure.evidence.confirmed_outages on the stored segments) are reconciled with the stored records. A new
run opens a record and its fault ticket (once); a run that grows, recovers or lapses updates its record
in place (same id, links and exclusions kept); two records whose runs merged become one (the earlier
keeps its id and takes over the other's tickets and exclusions); a record whose run is no longer
confirmed is deleted. Every change goes through the ORM and is audited with who (or which job) made it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from slatrack.clock import local_zone
from slatrack.extensions import db
from slatrack.labels import datetime_text
from slatrack.measure.evidence import OutageRun, confirmed_outages
from slatrack.models import Exclusion, MaintenanceWindow, Outage, Target, Ticket, User, utcnow
from slatrack.models.enums import EXCLUSION_CATEGORIES, FAULT_TICKET_REQUESTER, TARGET_KINDS
from slatrack.operations import Conflict, NotFound, OperationError
from slatrack.operations.notifications import hooks as alerts
from slatrack.policy import Principal

# The fault ticket opened for a probe outage: the system owner (州直部门) reports it through the system.
FAULT_TICKET_UNIT = "522700"
FAULT_TICKET_CHANNEL = "系统"
FAULT_TICKET_MODE = "远程"


def _fault_ticket(target: Target, run: OutageRun, now: datetime) -> Ticket:
    from slatrack.operations.tickets.lifecycle import create_ticket

    return create_ticket(
        unit_code=FAULT_TICKET_UNIT,
        category="fault",
        priority="P1" if target.critical else "P3",
        channel=FAULT_TICKET_CHANNEL,
        mode=FAULT_TICKET_MODE,
        title=f"监测告警：{target.name} 连续 {run.failures} 次检查失败"[:200],
        description=(
            f"监测对象 {target.name}（{TARGET_KINDS.get(target.kind, target.kind)}）"
            f"自 {datetime_text(run.start.astimezone(local_zone()))} 起连续检查失败，"
            f"已达到确认次数 {target.confirm_failures}，系统自动创建故障工单。"
        ),
        requester=FAULT_TICKET_REQUESTER,
        reported_at=run.start,
        commit=False,
        now=max(now, run.start),
    )


def _overlaps(outage: Outage, start: datetime, end: datetime | None) -> bool:
    """Closed-interval overlap between a record (open: no end) and [start, end] (None: no end)."""
    return (end is None or outage.start <= end) and (outage.end is None or outage.end >= start)


def _probe_outages(target_id: int, start: datetime, end: datetime | None) -> list[Outage]:
    query = select(Outage).where(
        Outage.target_id == target_id,
        Outage.source == "probe",
        or_(Outage.end.is_(None), Outage.end >= start),
    )
    if end is not None:
        query = query.where(Outage.start <= end)
    return list(db.session.scalars(query.order_by(Outage.start, Outage.id)))


def reconcile_outages(target: Target, span_start: datetime, span_end: datetime, now: datetime) -> list[Outage]:
    """Bring the target's probe outage records in [span_start, span_end] in line with its segments.

    Returns the records created in this call (each with its fault ticket).
    """
    from slatrack.operations.monitoring.segment_store import load_segments

    existing = _probe_outages(target.id, span_start, span_end)
    low = min([span_start, *(o.start for o in existing)])
    segments = load_segments(target.id, since=low)
    runs = [
        run
        for run in confirmed_outages(segments, target.confirm_failures, now)
        if run.start <= span_end
        and run.end >= low
        and run.end > target.monitored_since
        and (target.retired_at is None or run.start < target.retired_at)
    ]
    if runs:
        wider = _probe_outages(target.id, min(low, runs[0].start), max(span_end, runs[-1].end))
        known = {o.id for o in existing}
        existing += [o for o in wider if o.id not in known]
        existing.sort(key=lambda o: (o.start, o.id))
    unassigned = list(existing)
    created: list[Outage] = []
    for run in runs:
        end = None if run.status == "open" else run.end
        matches = [o for o in unassigned if _overlaps(o, run.start, run.end)]
        if not matches:
            outage = Outage(target_id=target.id, source="probe", start=run.start, end=end, cause="")
            db.session.add(outage)
            db.session.flush()
            outage.tickets.append(_fault_ticket(target, run, now))
            created.append(outage)
            alerts.outage_opened(outage, target, now)
            continue
        keep, *merged = matches
        for other in merged:
            for ticket in list(other.tickets):
                if ticket not in keep.tickets:
                    keep.tickets.append(ticket)
            for exclusion in list(other.exclusions):
                exclusion.outage = keep
            unassigned.remove(other)
            db.session.flush()
            db.session.delete(other)
        unassigned.remove(keep)
        if keep.start != run.start:
            keep.start = run.start
        if keep.end != end:
            keep.end = end
            alerts.outage_closed(keep, target, now)
        _fit_exclusions(keep)
    for stale in unassigned:
        db.session.delete(stale)
    db.session.flush()
    return created


def _fit_exclusions(outage: Outage) -> None:
    """Clip an outage's exclusions to its (possibly shrunk) span; drop those left empty."""
    for exclusion in list(outage.exclusions):
        start = max(exclusion.start, outage.start)
        if exclusion.end is None:  # up to "still going": it follows the outage's end
            if outage.end is not None and outage.end <= start:
                outage.exclusions.remove(exclusion)
            elif start != exclusion.start:
                exclusion.start = start
            continue
        end = exclusion.end if outage.end is None else min(exclusion.end, outage.end)
        if end <= start:
            outage.exclusions.remove(exclusion)
            continue
        if start != exclusion.start:
            exclusion.start = start
        if end != exclusion.end:
            exclusion.end = end


def close_lapsed_outages(now: datetime | None = None) -> int:
    """Give open probe outages whose last failure's hold has expired (no result since) their end."""
    now = now or utcnow()
    changed = 0
    for outage in list(db.session.scalars(select(Outage).where(Outage.source == "probe", Outage.end.is_(None)))):
        target = db.session.get(Target, outage.target_id)
        assert target is not None
        reconcile_outages(target, outage.start, now, now)
        if outage in db.session and outage.end is not None:
            changed += 1
    db.session.commit()
    return changed


# ---------------------------------------------------------------------------------------------------
# Listing


def list_outages(
    start: datetime | None = None, end: datetime | None = None, target_id: int | None = None
) -> list[Outage]:
    query = select(Outage).options(selectinload(Outage.exclusions), selectinload(Outage.tickets))
    if end is not None:
        query = query.where(Outage.start < end)
    if start is not None:
        query = query.where(or_(Outage.end.is_(None), Outage.end > start))
    if target_id is not None:
        query = query.where(Outage.target_id == target_id)
    return list(db.session.scalars(query.order_by(Outage.start.desc(), Outage.id.desc())))


def get_outage(outage_id: int) -> Outage:
    outage = db.session.get(Outage, outage_id)
    if outage is None:
        raise NotFound("停机记录不存在")
    return outage


def outage_fields(outage: Outage) -> dict[str, Any]:
    target: Target = outage.target
    return {
        "id": outage.id,
        "target": target.name,
        "target_id": target.id,
        "start": outage.start,
        "end": outage.end,
        "source": outage.source,
        "cause": outage.cause,
        "handling": outage.handling,
        "ticket_ids": sorted(ticket.id for ticket in outage.tickets),
        "exclusions": [exclusion_fields(exclusion) for exclusion in sorted(outage.exclusions, key=_by_start)],
    }


def exclusion_fields(exclusion: Exclusion) -> dict[str, Any]:
    decided_by = db.session.get(User, exclusion.decided_by_id) if exclusion.decided_by_id else None
    return {
        "id": exclusion.id,
        "category": exclusion.category,
        "reason": exclusion.reason,
        "start": exclusion.start,
        "end": exclusion.end,
        "decided_by": decided_by.username if decided_by else "",
        "created_at": exclusion.created_at,
    }


def _by_start(exclusion: Exclusion) -> datetime:
    return exclusion.start


# ---------------------------------------------------------------------------------------------------
# Manual outages and exclusions


def create_manual_outage(
    *,
    target_reference: str | int,
    start: datetime,
    end: datetime,
    cause: str,
    principal: Principal | None,
    handling: str = "",
) -> Outage:
    from slatrack.operations.monitoring.targets import find_target

    target = find_target(target_reference)
    if target is None:
        raise OperationError(f"未知的监测对象：{target_reference}", fields={"target": "未知的监测对象"})
    if end <= start:
        raise OperationError("结束时间必须晚于开始时间", fields={"end": "必须晚于开始时间"})
    if start > utcnow() + timedelta(minutes=5):
        raise OperationError("不能登记尚未开始的停机", fields={"start": "不能晚于当前时间"})
    if not cause.strip():
        raise OperationError("请填写停机原因", fields={"cause": "必填"})
    outage = Outage(
        target_id=target.id,
        source="manual",
        start=start,
        end=end,
        cause=cause.strip(),
        handling=handling.strip(),
        created_by_id=principal.user_id if principal else None,
    )
    db.session.add(outage)
    db.session.flush()
    from slatrack.operations.tickets.late_entries import note_outage_end

    note_outage_end(outage.id, end, utcnow(), principal.role if principal else None, outage.created_by_id)
    db.session.commit()
    return outage


def add_exclusion(
    outage: Outage,
    *,
    category: str,
    reason: str,
    start: datetime | None,
    end: datetime | None,
    principal: Principal | None,
) -> Exclusion:
    """Adjudicate part (default: all) of an outage as not the vendor's; it must lie within the outage.

    On an outage still going, an empty end means "up to its end": the exclusion follows the outage's end.
    """
    if category not in EXCLUSION_CATEGORIES:
        raise OperationError(
            f"排除类别必须是 {', '.join(EXCLUSION_CATEGORIES)} 之一", fields={"category": "未知的排除类别"}
        )
    if not reason.strip():
        raise OperationError("请填写排除理由", fields={"reason": "必填"})
    outage_end = outage.end or utcnow()
    start = start or outage.start
    end = end or outage.end  # None on an outage still going: up to its end
    if end is not None and end <= start:
        raise OperationError("排除的结束时间必须晚于开始时间", fields={"end": "必须晚于开始时间"})
    if start < outage.start:
        raise OperationError("排除时段必须在停机时段之内", fields={"start": "早于停机开始时间"})
    if end is not None and end > outage_end:
        raise OperationError("排除时段必须在停机时段之内", fields={"end": "晚于停机结束时间"})
    if start >= outage_end:
        raise OperationError("排除的开始时间必须早于当前时间", fields={"start": "晚于停机的当前时刻"})
    for other in outage.exclusions:
        if (end is None or other.start < end) and (other.end is None or start < other.end):
            raise Conflict("与已有的排除时段重叠", fields={"start": "与已有的排除时段重叠"})
    exclusion = Exclusion(
        outage=outage,
        category=category,
        reason=reason.strip(),
        start=start,
        end=end,
        decided_by_id=principal.user_id if principal else None,
    )
    db.session.add(exclusion)
    db.session.commit()
    return exclusion


# ---------------------------------------------------------------------------------------------------
# Maintenance windows


def request_maintenance(*, start: datetime, end: datetime, reason: str, principal: Principal) -> MaintenanceWindow:
    """Record planned maintenance: an admin's is approved at once, a vendor's waits for an admin."""
    if end <= start:
        raise OperationError("结束时间必须晚于开始时间", fields={"end": "必须晚于开始时间"})
    if not reason.strip():
        raise OperationError("请填写维护原因", fields={"reason": "必填"})
    if end - start > timedelta(days=7):
        raise OperationError("单次计划维护不能超过 7 天", fields={"end": "维护时长超过 7 天"})
    window = MaintenanceWindow(start=start, end=end, reason=reason.strip(), requested_by_id=principal.user_id)
    if principal.role == "admin":
        window.approved_by_id = principal.user_id
        window.approved_at = utcnow()
    db.session.add(window)
    alerts.maintenance_requested(window)
    db.session.commit()
    return window


def approve_maintenance(window_id: int, principal: Principal, reason: str = "") -> MaintenanceWindow:
    from slatrack.operations.monitoring import maintenance_decisions

    return maintenance_decisions.approve(get_maintenance(window_id), reason, principal)


def get_maintenance(window_id: int) -> MaintenanceWindow:
    window = db.session.get(MaintenanceWindow, window_id)
    if window is None:
        raise NotFound("计划维护不存在")
    return window


def list_maintenance(start: datetime | None = None, end: datetime | None = None) -> list[MaintenanceWindow]:
    query = select(MaintenanceWindow)
    if end is not None:
        query = query.where(MaintenanceWindow.start < end)
    if start is not None:
        query = query.where(MaintenanceWindow.end > start)
    return list(db.session.scalars(query.order_by(MaintenanceWindow.start.desc())))


def maintenance_fields(window: MaintenanceWindow) -> dict[str, Any]:
    def name(user_id: int | None) -> str:
        user = db.session.get(User, user_id) if user_id else None
        return user.username if user else ""

    return {
        "id": window.id,
        "start": window.start,
        "end": window.end,
        "reason": window.reason,
        "approved": window.approved_at is not None,
        "approved_at": window.approved_at,
        "requested_by": name(window.requested_by_id),
        "approved_by": name(window.approved_by_id),
        "rejected": window.rejected_at is not None,
        "rejected_by": name(window.rejected_by_id),
        "decision_reason": window.decision_reason or "",
    }
