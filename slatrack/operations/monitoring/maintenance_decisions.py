"""The bureau decides a vendor's maintenance request in the open: approve or reject, with a reason (audited).

Only approved windows count (``figures.loading.load_maintenance``); a rejected one stays on record with who
rejected it and why, and can no longer be approved.
"""

from __future__ import annotations

from slatrack import audit
from slatrack.clock import utcnow
from slatrack.extensions import db
from slatrack.models import MaintenanceWindow
from slatrack.operations import Conflict, OperationError
from slatrack.operations.notifications import hooks as alerts
from slatrack.policy import Principal


def _undecided(window: MaintenanceWindow) -> None:
    if window.approved_at is not None:
        raise Conflict("该计划维护已批准")
    if window.rejected_at is not None:
        raise Conflict("该计划维护已驳回，不能再批准或驳回")


def approve(window: MaintenanceWindow, reason: str, principal: Principal) -> MaintenanceWindow:
    """Approve (the reason is optional for an approval and kept when given)."""
    _undecided(window)
    window.approved_by_id = principal.user_id
    window.approved_at = utcnow()
    window.decision_reason = (reason or "").strip()
    _audit(window, "approve", window.decision_reason)
    alerts.maintenance_approved(window)
    db.session.commit()
    return window


def reject(window: MaintenanceWindow, reason: str, principal: Principal) -> MaintenanceWindow:
    reason = (reason or "").strip()
    if not reason:
        raise OperationError("驳回计划维护必须填写理由", fields={"reason": "请填写驳回理由"})
    _undecided(window)
    window.rejected_by_id = principal.user_id
    window.rejected_at = utcnow()
    window.decision_reason = reason
    _audit(window, "reject", reason)
    db.session.commit()
    return window


def _audit(window: MaintenanceWindow, decision: str, reason: str) -> None:
    verb = "批准" if decision == "approve" else "驳回"
    audit.record(
        f"maintenance.{decision}",
        object_type="maintenance_windows",
        object_id=str(window.id),
        detail=f"{verb}计划维护 #{window.id}" + (f"：{reason}" if reason else ""),
    )
