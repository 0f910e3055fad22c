"""The bureau's review queue of late entries (补记): confirm the stated time or reject it, with a reason."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from slatrack.extensions import db
from slatrack.measure.late_entries import STATUS_LABELS, STATUSES
from slatrack.operations import OperationError
from slatrack.operations.accounts.current import acting_user
from slatrack.operations.tickets import late_entries
from slatrack.operations.tickets import late_review as ops
from slatrack.policy import allow

bp = Blueprint("late_entry_pages", __name__, url_prefix="/late-entries")


class DecisionForm(FlaskForm):  # type: ignore[misc]
    reason = StringField("理由", validators=[DataRequired("请填写理由"), Length(max=500, message="不超过 500 字")])


@bp.route("/")
@allow("admin")
def queue() -> ResponseReturnValue:
    status = request.args.get("status", "pending")
    if status not in STATUSES:
        status = "pending"
    entries = [ops.entry_view(entry) for entry in ops.list_entries(status)]
    return render_template(
        "late_entries/queue.html",
        entries=entries,
        status=status,
        statuses=STATUS_LABELS,
        form=DecisionForm(formdata=None),
        grace=int(late_entries.grace().total_seconds() // 60),
    )


def _decide(entry_id: int, decision: str) -> ResponseReturnValue:
    form = DecisionForm()
    if not form.validate_on_submit():
        flash("请填写确认或驳回的理由", "warning")
        return redirect(url_for("late_entry_pages.queue"))
    try:
        entry = ops.decide(entry_id, decision, form.reason.data or "", acting_user())
    except OperationError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise
        flash(exc.message, "warning")
    else:
        verb = "已确认，按所填时间计算" if decision == "confirm" else "已驳回，仍按登记时间计算"
        flash(f"补记 #{entry.id} {verb}", "success")
    return redirect(url_for("late_entry_pages.queue"))


@bp.route("/<int:entry_id>/confirm", methods=["POST"])
@allow("admin")
def confirm(entry_id: int) -> ResponseReturnValue:
    return _decide(entry_id, "confirm")


@bp.route("/<int:entry_id>/reject", methods=["POST"])
@allow("admin")
def reject(entry_id: int) -> ResponseReturnValue:
    return _decide(entry_id, "reject")
