"""Notification channels the admin manages: validate, create, change, delete, and send a test message.

The secret and the webhook URL (which carries the robot's access token) are stored for signing and sending
but never returned in clear: ``channel_fields`` masks the URL and only says whether a secret is set.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import current_app
from sqlalchemy import select, update

from slatrack import audit
from slatrack.extensions import db
from slatrack.models import AlertDelivery, NotificationChannel, Unit, utcnow
from slatrack.operations import Conflict, NotFound, OperationError
from slatrack.operations.notifications import senders, vault
from slatrack.operations.notifications.catalog import CHANNEL_KINDS, DEFAULT_RATE, EVENTS
from slatrack.operations.notifications.outbox import absolute_link
from slatrack.operations.notifications.settings import smtp_settings
from slatrack.policy import Principal

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FIELDS = ("name", "kind", "url", "secret", "recipients", "events", "units", "enabled", "rate_per_minute")


def _fail(field: str, message: str) -> OperationError:
    return OperationError(message, fields={field: message})


def mask_url(url: str) -> str:
    """The URL with its tokens hidden: query values and long path segments (Feishu's hook id)."""
    if not url:
        return ""
    parts = urlsplit(url)
    path = "/".join(seg[:4] + "***" if len(seg) >= 20 else seg for seg in parts.path.split("/"))
    query = "&".join(f"{pair.split('=', 1)[0]}=***" for pair in parts.query.split("&") if pair)
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def channel_fields(channel: NotificationChannel) -> dict[str, Any]:
    return {
        "id": channel.id,
        "name": channel.name,
        "kind": channel.kind,
        "url": mask_url(channel.webhook_url),
        "has_secret": bool(channel.secret),
        "recipients": list(channel.recipients),
        "events": list(channel.events),
        "units": list(channel.units),
        "enabled": channel.enabled,
        "rate_per_minute": channel.rate_per_minute,
        "created_at": channel.created_at.isoformat(),
    }


def _string_list(value: Any, field: str, label: str) -> list[str]:
    if isinstance(value, str):
        value = [item for item in re.split(r"[\s,，;；]+", value) if item]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _fail(field, f"{label}应为字符串列表")
    return [item.strip() for item in value if item.strip()]


def _validated(values: dict[str, Any], current: NotificationChannel | None) -> dict[str, Any]:
    """The checked values (only those given); raises OperationError naming the field."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        name = sorted(unknown)[0]
        raise _fail(name, f"未知字段：{name}")
    out: dict[str, Any] = {}
    if "name" in values or current is None:
        name = str(values.get("name") or "").strip()
        if not 1 <= len(name) <= 64:
            raise _fail("name", "名称必填，最多 64 个字符")
        taken = db.session.scalar(select(NotificationChannel.id).where(NotificationChannel.name == name))
        if taken is not None and (current is None or taken != current.id):
            raise Conflict(f"渠道名称已存在：{name}", fields={"name": "名称已存在"})
        out["name"] = name
    kind = values.get("kind", current.kind if current else None)
    if kind not in CHANNEL_KINDS:
        raise _fail("kind", "类型应为 wecom、dingtalk、feishu、email、webhook 之一")
    out["kind"] = kind
    if "url" in values or current is None or "kind" in values:
        url = str(values.get("url", current.webhook_url if current else "") or "").strip()
        if kind == "email":
            url = ""
        elif not url.startswith(("http://", "https://")) or len(url) > 1000 or not urlsplit(url).netloc:
            raise _fail("url", "请填写完整的 Webhook 地址（http:// 或 https:// 开头）")
        out["webhook_url"] = url
    if "secret" in values and values["secret"] is not None:
        secret = str(values["secret"]).strip()
        if len(secret) > 500:
            raise _fail("secret", "密钥过长")
        out["secret"] = vault.seal(secret) if secret else None
    if "recipients" in values or current is None or "kind" in values:
        raw = values.get("recipients", current.recipients if current else [])
        recipients = _string_list(raw if raw is not None else [], "recipients", "接收人")
        if kind == "email":
            if not recipients:
                raise _fail("recipients", "邮件渠道至少需要一个收件人邮箱")
            bad = [r for r in recipients if not EMAIL.match(r)]
            if bad:
                raise _fail("recipients", f"不是有效的邮箱地址：{bad[0]}")
            if smtp_settings(current_app.config) is None:
                raise _fail("kind", "未配置邮件服务器（SLATRACK_SMTP_HOST 等），不能使用邮件渠道")
        out["recipients"] = recipients
    if "events" in values or current is None:
        raw = values.get("events")
        events = list(EVENTS) if raw is None else _string_list(raw, "events", "事件")
        bad = [e for e in events if e not in EVENTS]
        if bad:
            raise _fail("events", f"未知的事件：{bad[0]}")
        if not events:
            raise _fail("events", "至少选择一种事件")
        out["events"] = [e for e in EVENTS if e in events]
    if "units" in values or current is None:
        units = _string_list(values.get("units") or [], "units", "单位")
        known = set(db.session.scalars(select(Unit.code)))
        bad = [u for u in units if u not in known]
        if bad:
            raise _fail("units", f"未知的单位代码：{bad[0]}")
        out["units"] = units
    if "enabled" in values:
        if not isinstance(values["enabled"], bool):
            raise _fail("enabled", "enabled 应为 true 或 false")
        out["enabled"] = values["enabled"]
    if "rate_per_minute" in values or current is None:
        rate = values.get("rate_per_minute")
        if rate is None:
            rate = DEFAULT_RATE[kind] if current is None or "kind" in values else current.rate_per_minute
        if not isinstance(rate, int) or isinstance(rate, bool) or not 1 <= rate <= 600:
            raise _fail("rate_per_minute", "每分钟条数上限应为 1 到 600 的整数")
        out["rate_per_minute"] = rate
    return out


def list_channels() -> list[NotificationChannel]:
    return list(db.session.scalars(select(NotificationChannel).order_by(NotificationChannel.name)))


def get_channel(channel_id: int) -> NotificationChannel:
    channel = db.session.get(NotificationChannel, channel_id)
    if channel is None:
        raise NotFound(f"通知渠道不存在：{channel_id}")
    return channel


def create_channel(values: dict[str, Any]) -> NotificationChannel:
    checked = _validated(values, None)
    checked.setdefault("enabled", True)
    channel = NotificationChannel(**checked)
    db.session.add(channel)
    db.session.commit()
    return channel


def update_channel(channel: NotificationChannel, values: dict[str, Any]) -> NotificationChannel:
    for key, value in _validated(values, channel).items():
        if getattr(channel, key) != value:
            setattr(channel, key, value)
    db.session.commit()
    return channel


def delete_channel(channel: NotificationChannel) -> int:
    """Delete a channel; its waiting deliveries are marked cancelled (kept in the log). Returns how many."""
    result = db.session.execute(
        update(AlertDelivery)
        .where(AlertDelivery.channel_id == channel.id, AlertDelivery.status == "pending")
        .values(status="cancelled", last_error="渠道已删除")
    )
    db.session.delete(channel)
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def send_test(channel: NotificationChannel, principal: Principal) -> tuple[bool, str]:
    """Send a test message now (not through the queue) and log it; returns the receiver's verdict."""
    from slatrack.operations.notifications.delivery import transmit
    from slatrack.operations.notifications.outbox import local_text, short_text

    now = utcnow()
    message = senders.Message(
        event="test",
        title=f"【测试】slatrack 通知渠道「{channel.name}」",
        text=(
            f"这是一条测试消息，由 {principal.name} 于 {local_text(now)} 发送。"
            "收到此消息说明该渠道配置正确，停机、工单和到期提醒将发送到这里。"
        ),
        url=absolute_link("/notification-channels"),
        at=now,
        data={"channel": channel.name},
    )
    record = transmit(channel, senders.Outgoing([message], [short_text(now)]), "test", now)
    audit.record(
        "test_send", object_type="notification_channels", object_id=str(channel.id),
        outcome="success" if record.ok else "failure", detail=record.answer[:200],
    )  # fmt: skip
    db.session.commit()
    return record.ok, record.answer
