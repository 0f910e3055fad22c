"""The vendor confirms or changes a unit's suggested priority on the ticket page (a change needs a reason)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from slatrack import clock
from slatrack.extensions import db
from slatrack.operations import OperationError
from slatrack.operations.accounts.current import acting_user
from slatrack.operations.tickets import priority as ops
from slatrack.operations.tickets import queries as ticket_queries
from slatrack.policy import STAFF, allow

bp = Blueprint("ticket_priority", __name__, url_prefix="/tickets")


@bp.route("/<int:ticket_id>/priority", methods=["POST"])
@allow(*STAFF)
def confirm(ticket_id: int) -> ResponseReturnValue:
    viewer = ticket_queries.Viewer(role=g.principal.role, unit_id=g.principal.unit_id, user_id=g.principal.user_id)
    ticket = ticket_queries.get_ticket(ticket_id, viewer)
    if FlaskForm().validate_on_submit():
        try:
            ops.confirm_priority(
                ticket, request.form.get("priority", ""), request.form.get("reason", ""), acting_user(), clock.utcnow()
            )
        except OperationError as exc:
            db.session.rollback()
            if exc.status == 404:
                raise
            flash(exc.message, "warning")
        else:
            flash(f"优先级已确认：{ticket.priority}", "success")
    else:
        flash("表单已过期，请刷新后重试", "warning")
    return redirect(url_for("ticket_pages.detail", ticket_id=ticket_id))
