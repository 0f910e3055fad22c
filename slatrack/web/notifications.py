"""Each person's notifications (reminders, alerts for their role, their unit's own): list them, mark them read."""

from __future__ import annotations

from math import ceil

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError

from slatrack.extensions import db
from slatrack.operations.notifications.catalog import EVENTS
from slatrack.operations.notifications.inbox import NOTIFICATIONS_PER_PAGE, mark_read, notifications_page, unread_count
from slatrack.policy import EVERYONE, allow

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
KIND_LABELS = {"inspection_due": "例行检查", "ticket_due": "工单时限", "report_due": "季度报告", **EVENTS}


class ActionForm(FlaskForm):  # type: ignore[misc]
    """A button: only the CSRF token."""


@bp.app_context_processor
def _unread() -> dict[str, object]:
    def unread_notifications() -> int:
        principal = getattr(g, "principal", None)
        if principal is None or principal.is_machine:
            return 0
        try:
            return unread_count(principal)
        except SQLAlchemyError:  # an error page after a database failure must still render
            db.session.rollback()
            return 0

    return {"unread_notifications": unread_notifications}


@bp.route("")
@allow(*EVERYONE)
def index() -> ResponseReturnValue:
    unread_only = request.args.get("unread") == "1"
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    total, rows = notifications_page(g.principal, page, unread_only)
    return render_template(
        "notifications/index.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(ceil(total / NOTIFICATIONS_PER_PAGE), 1),
        args={"unread": "1"} if unread_only else {},
        unread_only=unread_only,
        action=ActionForm(),
        kinds=KIND_LABELS,
    )


@bp.route("/<int:notification_id>/read", methods=["POST"])
@allow(*EVERYONE)
def read_one(notification_id: int) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        mark_read(g.principal, notification_id)
    return redirect(url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@allow(*EVERYONE)
def read_all() -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        changed = mark_read(g.principal)
        flash(f"已将 {changed} 条通知标为已读", "success")
    return redirect(url_for("notifications.index"))
