"""The admin reverses a payment from the budget page: a counter-entry with a reason (支付记录从不删除)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from slatrack.extensions import db
from slatrack.operations import OperationError
from slatrack.operations.accounts.current import acting_user
from slatrack.operations.records import payment_corrections
from slatrack.policy import allow

bp = Blueprint("payment_corrections", __name__, url_prefix="/payments")


@bp.route("/<int:payment_id>/reverse", methods=["POST"])
@allow("admin")
def reverse(payment_id: int) -> ResponseReturnValue:
    if FlaskForm().validate_on_submit():
        try:
            counter = payment_corrections.reverse_payment(payment_id, request.form.get("reason", ""), acting_user())
        except OperationError as exc:
            db.session.rollback()
            if exc.status == 404:
                raise
            flash(exc.message, "warning")
        else:
            flash(f"已冲销支付记录 #{payment_id}（冲销记录 #{counter.id}）", "success")
    else:
        flash("表单已过期，请刷新后重试", "warning")
    return redirect(url_for("records.budget", year=request.form.get("year") or None))
