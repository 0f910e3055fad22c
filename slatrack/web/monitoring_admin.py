"""Managing monitored targets on their pages (administrators): add and change every kind with its options,
pause, resume, retire, 立即检查, a push target's heartbeat token (shown once) and its setup snippets.

Each route parses the form and makes one call into ``operations.monitoring``; the validation is the API's
(``targets.create_target`` / ``update_target``), and every change is audited there.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from slatrack.models import Target
from slatrack.models.enums import TARGET_KINDS
from slatrack.operations import OperationError
from slatrack.operations.monitoring import agents as agent_ops
from slatrack.operations.monitoring import targets as ops
from slatrack.operations.monitoring.check_now import check_now, not_checked_here
from slatrack.policy import READERS, allow
from slatrack.web.target_forms import TargetForm, checked, fill_from, placeholders, show_refusal, values_of

bp = Blueprint("monitoring_admin", __name__, url_prefix="/monitoring")


def heartbeat_url(token: str) -> str:
    """The address a push target's system calls (the configured public address, else this request's)."""
    base = str(current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")
    return f"{base}/api/v1/heartbeat/{token}"


def _form_page(form: TargetForm, target: Target | None, loose: list[str], status: int = 200) -> ResponseReturnValue:
    page = render_template(
        "monitoring/target_form.html",
        form=form,
        target=target,
        kinds=TARGET_KINDS,
        loose=loose,
        placeholders=placeholders(),
    )
    return page, status


def _token_page(target: Target, token: str, created: bool) -> ResponseReturnValue:
    """The one page that shows a push target's heartbeat token; it is never shown again."""
    page = render_template("monitoring/heartbeat_token.html", target=target, url=heartbeat_url(token), created=created)
    return page, 201 if created else 200, {"Cache-Control": "no-store"}


@bp.route("/targets/new", methods=["GET", "POST"])
@allow("admin")
def new_target() -> ResponseReturnValue:
    form = TargetForm()
    if request.method == "GET":
        form.kind.data = request.args.get("kind") if request.args.get("kind") in TARGET_KINDS else "http"
        return _form_page(form, None, [])
    if not form.validate_on_submit():
        return _form_page(form, None, [], 422)
    kind = form.kind.data if form.kind.data in TARGET_KINDS else "http"
    try:
        target, token = ops.create_target(checked(values_of(form, kind)))
    except OperationError as exc:
        return _form_page(form, None, show_refusal(form, exc), exc.status)
    if token is not None:
        return _token_page(target, token, created=True)
    flash(f"已添加监测对象「{target.name}」", "success")
    return redirect(url_for("monitoring.target_detail", target_id=target.id))


@bp.route("/targets/<int:target_id>/edit", methods=["GET", "POST"])
@allow("admin")
def edit_target(target_id: int) -> ResponseReturnValue:
    target = ops.get_target(target_id)
    if target.retired_at is not None:
        flash("已停用的监测对象不能再修改", "warning")
        return redirect(url_for("monitoring.target_detail", target_id=target.id))
    form = TargetForm()
    if request.method == "GET":
        fill_from(form, target)
        return _form_page(form, target, [])
    form.kind.data = target.kind  # the kind cannot change
    if not form.validate_on_submit():
        return _form_page(form, target, [], 422)
    try:
        ops.update_target(target, checked(values_of(form, target.kind, target), target))
    except OperationError as exc:
        return _form_page(form, target, show_refusal(form, exc), exc.status)
    flash(f"已保存监测对象「{target.name}」", "success")
    return redirect(url_for("monitoring.target_detail", target_id=target.id))


def _button_form() -> bool:
    """A button that changes something carries only the CSRF token."""
    if FlaskForm().validate_on_submit():
        return True
    flash("请求已失效，请重试", "warning")
    return False


def _change_state(target_id: int, action: str) -> ResponseReturnValue:
    target = ops.get_target(target_id)
    if _button_form():
        try:
            if action == "retire":
                ops.retire_target(target)
                flash(f"已停用监测对象「{target.name}」：此后的时间不再计量，历史保留", "success")
            else:
                ops.set_paused(target, action == "pause")
                flash(f"已{'暂停' if action == 'pause' else '恢复'}检查「{target.name}」", "success")
        except OperationError as exc:
            flash(exc.message, "warning")
    return redirect(url_for("monitoring.target_detail", target_id=target.id))


@bp.route("/targets/<int:target_id>/pause", methods=["POST"])
@allow("admin")
def pause(target_id: int) -> ResponseReturnValue:
    return _change_state(target_id, "pause")


@bp.route("/targets/<int:target_id>/resume", methods=["POST"])
@allow("admin")
def resume(target_id: int) -> ResponseReturnValue:
    return _change_state(target_id, "resume")


@bp.route("/targets/<int:target_id>/retire", methods=["POST"])
@allow("admin")
def retire(target_id: int) -> ResponseReturnValue:
    return _change_state(target_id, "retire")


@bp.route("/targets/<int:target_id>/check", methods=["POST"])
@allow("admin")
def check(target_id: int) -> ResponseReturnValue:
    """立即检查: the result is shown at the top of the target's page (and stored when the target is active)."""
    target = ops.get_target(target_id)
    if _button_form():
        reason = not_checked_here(target)
        if reason is not None:
            flash(reason, "info")
            return redirect(url_for("monitoring.target_detail", target_id=target.id))
        try:
            outcome = check_now(target)
        except OperationError as exc:
            flash(exc.message, "warning")
        else:
            latency = "" if outcome.latency_ms is None else f"，耗时 {outcome.latency_ms:,.0f} 毫秒"
            stored = "" if outcome.stored else "（已暂停：结果未计入）"
            text = f"立即检查：{'成功' if outcome.ok else '失败'}{latency}。{outcome.detail}{stored}"
            flash(text, "success" if outcome.ok else "warning")
    return redirect(url_for("monitoring.target_detail", target_id=target.id))


@bp.route("/targets/<int:target_id>/heartbeat-token", methods=["POST"])
@allow("admin")
def new_heartbeat_token(target_id: int) -> ResponseReturnValue:
    target = ops.get_target(target_id)
    if not _button_form():
        return redirect(url_for("monitoring.target_detail", target_id=target.id))
    try:
        token = ops.rotate_heartbeat_token(target)
    except OperationError as exc:
        flash(exc.message, "warning")
        return redirect(url_for("monitoring.target_detail", target_id=target.id))
    return _token_page(target, token, created=False)


@bp.route("/agents")
@allow(*READERS)
def agents() -> ResponseReturnValue:
    """探针: each remote agent's last contact and the targets it sends."""
    return render_template(
        "monitoring/agents.html",
        agents=agent_ops.list_agents(),
        unreported=agent_ops.unreported_remote_targets(),
        kinds=TARGET_KINDS,
    )
