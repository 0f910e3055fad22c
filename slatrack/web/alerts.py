"""Administrators' alert pages: the notification channels (add, change, delete, 测试发送) and the delivery
log (every message sent, retried or failed with the receiver's answer; events still waiting)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from slatrack.extensions import db
from slatrack.models import NotificationChannel
from slatrack.operations import OperationError
from slatrack.operations.notifications import channels as ops
from slatrack.operations.notifications import log as notification_log
from slatrack.operations.notifications.catalog import CHANNEL_KINDS, EVENTS
from slatrack.operations.notifications.delivery import retry_failed
from slatrack.operations.reference.units import unit_choices
from slatrack.policy import allow

bp = Blueprint("alerts", __name__)
STATUS_LABELS = {"pending": "等待发送", "sent": "已发送", "failed": "发送失败", "cancelled": "已取消"}
SEND_KINDS = {"single": "单条", "digest": "汇总", "test": "测试"}


class Checkboxes(SelectMultipleField):  # type: ignore[misc]
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ChannelForm(FlaskForm):  # type: ignore[misc]
    name = StringField("名称")
    kind = SelectField("类型", choices=[SelectChoice(key, label) for key, label in CHANNEL_KINDS.items()])
    url = StringField("Webhook 地址（邮件渠道不填）")
    secret = PasswordField("密钥（钉钉加签 / 飞书签名 / Webhook 签名；修改时留空则保持不变）")
    clear_secret = BooleanField("清除已保存的密钥")
    recipients = StringField("接收人（邮箱、钉钉手机号或企业微信成员账号，逗号分隔；@all 为全体）")
    events = Checkboxes("订阅的事件", choices=[SelectChoice(key, label) for key, label in EVENTS.items()])
    units = Checkboxes("只接收这些单位的工单事件（不选为全部）", choices=[])
    rate_per_minute = IntegerField("每分钟最多条数（留空按类型默认；超出合并为汇总）", validators=[Optional()])
    enabled = BooleanField("启用", default=True)


class ActionForm(FlaskForm):  # type: ignore[misc]
    """A button: only the CSRF token."""


def _form(channel: NotificationChannel | None = None) -> ChannelForm:
    form = ChannelForm()
    form.units.choices = [SelectChoice(code, label) for code, label in unit_choices()]
    if channel is not None and request.method == "GET":
        form.name.data = channel.name
        form.kind.data = channel.kind
        form.url.data = ""
        form.recipients.data = "，".join(channel.recipients)
        form.events.data = list(channel.events)
        form.units.data = list(channel.units)
        form.rate_per_minute.data = channel.rate_per_minute
        form.enabled.data = channel.enabled
    elif channel is None and request.method == "GET":
        form.events.data = list(EVENTS)
    return form


def _values(form: ChannelForm, editing: bool) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": form.name.data or "",
        "kind": form.kind.data,
        "recipients": form.recipients.data or "",
        "events": list(form.events.data or []),
        "units": list(form.units.data or []),
        "enabled": bool(form.enabled.data),
    }
    if form.rate_per_minute.data is not None:
        values["rate_per_minute"] = form.rate_per_minute.data
    if form.url.data or not editing:
        values["url"] = form.url.data or ""
    if form.secret.data:
        values["secret"] = form.secret.data
    elif editing and form.clear_secret.data:
        values["secret"] = ""
    return values


def _attach(form: ChannelForm, error: OperationError) -> None:
    placed = False
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors), message]
            placed = True
    if not placed:
        form.name.errors = [*list(form.name.errors), error.message]


@bp.route("/notification-channels", methods=["GET", "POST"])
@allow("admin")
def channels() -> ResponseReturnValue:
    form = _form()
    if request.method == "POST" and form.validate_on_submit():
        try:
            channel = ops.create_channel(_values(form, editing=False))
        except OperationError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            flash(f"已添加通知渠道「{channel.name}」，可以按“测试发送”检查配置", "success")
            return redirect(url_for("alerts.channels"))
    rows = [ops.channel_fields(channel) for channel in ops.list_channels()]
    return render_template(
        "alerts/channels.html", rows=rows, form=form, action=ActionForm(), kinds=CHANNEL_KINDS, events=EVENTS
    )


@bp.route("/notification-channels/<int:channel_id>/edit", methods=["GET", "POST"])
@allow("admin")
def edit_channel(channel_id: int) -> ResponseReturnValue:
    channel = ops.get_channel(channel_id)
    form = _form(channel)
    if request.method == "POST" and form.validate_on_submit():
        try:
            ops.update_channel(channel, _values(form, editing=True))
        except OperationError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            flash(f"已保存通知渠道「{channel.name}」", "success")
            return redirect(url_for("alerts.channels"))
    return render_template("alerts/edit.html", channel=ops.channel_fields(channel), form=form)


@bp.route("/notification-channels/<int:channel_id>/delete", methods=["POST"])
@allow("admin")
def delete_channel(channel_id: int) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        channel = ops.get_channel(channel_id)
        name = channel.name
        cancelled = ops.delete_channel(channel)
        flash(f"已删除通知渠道「{name}」" + (f"，{cancelled} 条未发送的通知已取消" if cancelled else ""), "success")
    return redirect(url_for("alerts.channels"))


@bp.route("/notification-channels/<int:channel_id>/test", methods=["POST"])
@allow("admin")
def test_channel(channel_id: int) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        channel = ops.get_channel(channel_id)
        ok, answer = ops.send_test(channel, g.principal)
        if ok:
            flash(f"测试消息已发送到「{channel.name}」，接收方应答：{answer}", "success")
        else:
            flash(f"测试消息发送失败（「{channel.name}」）：{answer}", "error")
    return redirect(url_for("alerts.delivery_log", channel=channel_id))


@bp.route("/notification-log")
@allow("admin")
def delivery_log() -> ResponseReturnValue:
    channel_id = request.args.get("channel", type=int)
    return render_template(
        "alerts/log.html",
        sends=notification_log.recent_sends(channel_id),
        waiting=notification_log.open_deliveries(channel_id),
        channels=ops.list_channels(),
        channel_id=channel_id,
        statuses=STATUS_LABELS,
        send_kinds=SEND_KINDS,
        events=EVENTS,
        action=ActionForm(),
    )


@bp.route("/notification-log/retry", methods=["POST"])
@allow("admin")
def retry() -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        count = retry_failed()
        flash(f"已将 {count} 条发送失败的通知重新排队", "success")
    return redirect(url_for("alerts.delivery_log"))
