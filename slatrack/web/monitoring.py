"""Monitoring pages: targets with a 90-day availability strip, outages with adjudication, maintenance windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from slatrack.clock import local_zone, zone_name
from slatrack.models import utcnow
from slatrack.models.enums import EXCLUSION_CATEGORIES, TARGET_KINDS
from slatrack.operations import OperationError
from slatrack.operations.monitoring import maintenance_decisions, outage_causes
from slatrack.operations.monitoring import outages as outage_ops
from slatrack.operations.monitoring.targets import get_target, list_targets
from slatrack.operations.monitoring.views import DayFigure, current_state, daily_figures, recent_results
from slatrack.policy import READERS, STAFF, allow
from slatrack.web.periods import shown_period

bp = Blueprint("monitoring", __name__, url_prefix="/monitoring")

STRIP_DAYS = 90
STATE_LABELS = {"up": "正常", "down": "停机", "failing": "检查失败（未确认）", "unknown": "未知"}


class ExclusionForm(FlaskForm):  # type: ignore[misc]
    category = SelectField("类别", choices=[SelectChoice(key, label) for key, label in EXCLUSION_CATEGORIES.items()])
    reason = TextAreaField("理由", validators=[DataRequired("请填写理由"), Length(max=2000)])
    start = DateTimeLocalField("开始（留空为整个停机）", validators=[Optional()], format="%Y-%m-%dT%H:%M")
    end = DateTimeLocalField(
        "结束（留空为整个停机；持续中的停机直至其结束）", validators=[Optional()], format="%Y-%m-%dT%H:%M"
    )


class OutageCauseForm(FlaskForm):  # type: ignore[misc]
    cause = TextAreaField("停机原因", validators=[DataRequired("请填写停机原因"), Length(max=4000)])
    handling = TextAreaField("处理情况", validators=[DataRequired("请填写处理情况"), Length(max=4000)])


class MaintenanceForm(FlaskForm):  # type: ignore[misc]
    start = DateTimeLocalField("开始", validators=[DataRequired("请填写开始时间")], format="%Y-%m-%dT%H:%M")
    end = DateTimeLocalField("结束", validators=[DataRequired("请填写结束时间")], format="%Y-%m-%dT%H:%M")
    reason = StringField("维护内容", validators=[DataRequired("请填写维护内容"), Length(max=500)])


def _aware(value: datetime | None) -> datetime | None:
    """A datetime-local form value, read in the configured time zone."""
    return None if value is None else value.replace(tzinfo=local_zone())


@dataclass(frozen=True)
class Summary:
    up: float
    down: float
    unknown: float

    @property
    def availability(self) -> float | None:
        known = self.up + self.down
        return None if known <= 0 else self.up / known * 100


def _summary(figures: list[DayFigure]) -> Summary:
    return Summary(
        sum(f.up_minutes for f in figures),
        sum(f.down_minutes for f in figures),
        sum(f.unknown_minutes for f in figures),
    )


def availability_strip(figures: list[DayFigure]) -> Markup:
    """The days as an inline SVG bar: green up, red with downtime, amber mostly unknown, grey not measured."""
    width, gap, height = 7, 2, 28
    parts = [
        f'<svg class="strip" role="img" viewBox="0 0 {len(figures) * (width + gap)} {height}" '
        f'width="{len(figures) * (width + gap)}" height="{height}" aria-label="最近 {len(figures)} 天每日可用情况">'
    ]
    for index, figure in enumerate(figures):
        if not figure.measured:
            colour, text = "#cbd2d9", "未监测"
        elif figure.down_minutes > 0:
            colour, text = "#b3261e", f"停机 {figure.down_minutes:.0f} 分钟"
        elif figure.unknown_minutes > (figure.up_minutes + figure.unknown_minutes) / 2:
            colour, text = "#e0a800", f"未知 {figure.unknown_minutes:.0f} 分钟"
        else:
            colour, text = "#1e7d32", "正常"
        if figure.measured and figure.unknown_minutes and figure.down_minutes:
            text += f"，未知 {figure.unknown_minutes:.0f} 分钟"
        if figure.transient_failures:
            text += f"，瞬时失败 {figure.transient_failures} 次"
        share = figure.availability
        label = f"{figure.day.isoformat()}：{text}" + ("" if share is None else f"（可用率 {share:.2f}%）")
        parts.append(
            f'<rect x="{index * (width + gap)}" y="0" width="{width}" height="{height}" rx="1" fill="{colour}">'
            f"<title>{escape(label)}</title></rect>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


@bp.route("/targets")
@allow(*READERS)
def targets() -> ResponseReturnValue:
    now = utcnow()
    rows = []
    for target in list_targets():
        figures = daily_figures(target, STRIP_DAYS, now, zone_name())
        state = "retired" if target.retired_at else ("paused" if target.paused else current_state(target, now))
        rows.append(
            {"target": target, "state": state, "summary": _summary(figures), "strip": availability_strip(figures)}
        )
    labels = {**STATE_LABELS, "retired": "已停用", "paused": "已暂停"}
    return render_template("monitoring/targets.html", rows=rows, labels=labels, kinds=TARGET_KINDS, days=STRIP_DAYS)


@bp.route("/targets/<int:target_id>")
@allow(*READERS)
def target_detail(target_id: int) -> ResponseReturnValue:
    target = get_target(target_id)
    now = utcnow()
    figures = daily_figures(target, STRIP_DAYS, now, zone_name())
    return render_template(
        "monitoring/target.html",
        target=target,
        kinds=TARGET_KINDS,
        state=current_state(target, now),
        labels=STATE_LABELS,
        strip=availability_strip(figures),
        summary=_summary(figures),
        days=STRIP_DAYS,
        results=recent_results(target.id),
        outages=outage_ops.list_outages(target_id=target.id)[:50],
    )


@bp.route("/outages")
@allow(*READERS)
def outages(
    failed: ExclusionForm | None = None, failed_id: int | None = None, status: int = 200
) -> ResponseReturnValue:
    period = shown_period()
    start, end = period.bounds()
    rows = outage_ops.list_outages(start=start, end=end)
    forms = {outage.id: ExclusionForm(prefix=f"o{outage.id}") for outage in rows} if g.principal.role == "admin" else {}
    cause_forms = (
        {o.id: OutageCauseForm(prefix=f"c{o.id}", cause=o.cause, handling=o.handling) for o in rows}
        if g.principal.role in STAFF
        else {}
    )
    if failed is not None and failed_id is not None:
        forms[failed_id] = failed  # the typed values stay after a refusal
    page = render_template(
        "monitoring/outages.html",
        rows=rows,
        forms=forms,
        cause_forms=cause_forms,
        period=period,
        categories=EXCLUSION_CATEGORIES,
        sources={"probe": "监测", "manual": "人工"},
        failed_id=failed_id,
    )
    return page, status


@bp.route("/outages/<int:outage_id>/exclusions", methods=["POST"])
@allow("admin")
def exclude(outage_id: int) -> ResponseReturnValue:
    outage = outage_ops.get_outage(outage_id)
    form = ExclusionForm(prefix=f"o{outage.id}")
    if not form.validate_on_submit():  # back to the same period, with what was typed
        for errors in form.errors.values():
            for error in errors:
                flash(f"未保存：{error}", "warning")
        return outages(form, outage.id, 422)
    try:
        outage_ops.add_exclusion(
            outage,
            category=form.category.data,
            reason=form.reason.data or "",
            start=_aware(form.start.data),
            end=_aware(form.end.data),
            principal=g.principal,
        )
    except OperationError as exc:
        flash(f"未保存：{exc.message}", "warning")
        return outages(form, outage.id, exc.status)
    flash("已记录排除裁定", "success")
    return redirect(url_for("monitoring.outages", **shown_period().query()))


@bp.route("/outages/<int:outage_id>/cause", methods=["POST"])
@allow(*STAFF)
def outage_cause(outage_id: int) -> ResponseReturnValue:
    outage = outage_ops.get_outage(outage_id)
    form = OutageCauseForm(prefix=f"c{outage.id}")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(f"未保存：{error}", "warning")
    else:
        try:
            outage_causes.set_cause(outage, cause=form.cause.data or "", handling=form.handling.data or "")
        except OperationError as exc:
            flash(f"未保存：{exc.message}", "warning")
        else:
            flash("已保存停机原因和处理情况", "success")
    return redirect(url_for("monitoring.outages", **shown_period().query(), _anchor=f"outage-{outage.id}"))


@bp.route("/maintenance", methods=["GET", "POST"])
@allow(*STAFF)
def maintenance() -> ResponseReturnValue:
    form = MaintenanceForm()
    if form.validate_on_submit():
        start, end = _aware(form.start.data), _aware(form.end.data)
        assert start is not None and end is not None
        try:
            window = outage_ops.request_maintenance(
                start=start, end=end, reason=form.reason.data or "", principal=g.principal
            )
        except OperationError as exc:
            flash(f"未保存：{exc.message}", "warning")
        else:
            flash("计划维护已生效" if window.approved_at else "计划维护已提交，等待管理员批准", "success")
            return redirect(url_for("monitoring.maintenance"))
    windows = [outage_ops.maintenance_fields(window) for window in outage_ops.list_maintenance()]
    return render_template("monitoring/maintenance.html", form=form, windows=windows)


@bp.route("/maintenance/<int:window_id>/approve", methods=["POST"])
@allow("admin")
def approve(window_id: int) -> ResponseReturnValue:
    form = FlaskForm()
    if not form.validate_on_submit():
        flash("请求已失效，请重试", "warning")
        return redirect(url_for("monitoring.maintenance"))
    rejecting = request.form.get("decision") == "reject"
    try:
        window = outage_ops.get_maintenance(window_id)
        reason = request.form.get("reason", "")
        if rejecting:
            maintenance_decisions.reject(window, reason, g.principal)
        else:
            maintenance_decisions.approve(window, reason, g.principal)
    except OperationError as exc:
        flash(exc.message, "warning")
    else:
        flash("已驳回计划维护" if rejecting else "已批准计划维护", "success")
    return redirect(url_for("monitoring.maintenance"))
