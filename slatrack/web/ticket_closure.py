"""The unit's answer to a resolved request on its ticket page: 确认解决 (then the rating) or 退回 with a reason."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from slatrack.extensions import db
from slatrack.operations import OperationError
from slatrack.operations.accounts.current import acting_user
from slatrack.operations.tickets import closure
from slatrack.operations.tickets import queries as ticket_queries
from slatrack.policy import allow

bp = Blueprint("ticket_closure", __name__, url_prefix="/tickets")


def _answer(ticket_id: int, returning: bool) -> ResponseReturnValue:
    viewer = ticket_queries.Viewer(role=g.principal.role, unit_id=g.principal.unit_id, user_id=g.principal.user_id)
    ticket = ticket_queries.get_ticket(ticket_id, viewer)
    if not FlaskForm().validate_on_submit():
        flash("表单已过期，请刷新后重试", "warning")
        return redirect(url_for("ticket_pages.detail", ticket_id=ticket_id))
    try:
        if returning:
            closure.return_resolution(ticket, request.form.get("reason", ""), acting_user())
        else:
            closure.confirm_resolution(ticket, acting_user())
    except OperationError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise
        flash(exc.message, "warning")
    else:
        flash("已退回，运维方将继续处理" if returning else "已确认解决，请为本次服务评分", "success")
    return redirect(url_for("ticket_pages.detail", ticket_id=ticket_id))


@bp.route("/<int:ticket_id>/confirm-resolution", methods=["POST"])
@allow("admin", "unit")
def confirm(ticket_id: int) -> ResponseReturnValue:
    return _answer(ticket_id, returning=False)


@bp.route("/<int:ticket_id>/return", methods=["POST"])
@allow("admin", "unit")
def give_back(ticket_id: int) -> ResponseReturnValue:
    return _answer(ticket_id, returning=True)
