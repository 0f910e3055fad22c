"""Notification channels (告警通知渠道): list, create, change, delete, and send a test message. Admin only.

The secret is write-only and the webhook URL comes back with its tokens masked.
"""

from __future__ import annotations

from typing import Any

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from slatrack.api import limits, openapi
from slatrack.operations.notifications import channels as ops
from slatrack.operations.notifications.catalog import CHANNEL_KINDS, EVENTS
from slatrack.policy import allow

blp = Blueprint("notification_channels", __name__, description="告警通知渠道")


KIND_ERROR = "类型应为 wecom、dingtalk、feishu、email、webhook 之一"


class ChannelSchema(Schema):
    name = limits.text(limits.NAME_MAX, min_length=1, required=True, metadata={"description": "渠道名称（唯一）"})
    kind = fields.String(required=True, validate=validate.OneOf(list(CHANNEL_KINDS), error=KIND_ERROR))
    url = limits.text(1000, load_default=None, metadata={"description": "完整的 Webhook 地址（邮件渠道不填）"})
    secret = limits.text(
        500, load_default=None, metadata={"description": "钉钉加签、飞书签名或 Webhook 签名密钥；只写"}
    )
    recipients = fields.List(
        limits.text(limits.SHORT_MAX),
        load_default=None,
        validate=validate.Length(max=100, error="最多 100 个接收人"),
        metadata={"description": "邮箱、钉钉手机号或企业微信 userid；@all 为全体"},
    )
    events = fields.List(
        fields.String(validate=validate.OneOf(list(EVENTS), error="未知的事件")),
        load_default=None,
        metadata={"description": "订阅的事件，默认全部"},
    )
    units = fields.List(
        limits.text(limits.NAME_MAX),
        load_default=None,
        validate=validate.Length(max=100, error="最多 100 个单位"),
        metadata={"description": "只接收这些单位的工单事件"},
    )
    enabled = fields.Boolean(load_default=True)
    rate_per_minute = limits.integer(
        1, 600, load_default=None, metadata={"description": "每分钟最多条数，超出合并为汇总"}
    )


class ChannelPatchSchema(ChannelSchema):
    name = limits.text(limits.NAME_MAX, min_length=1)
    kind = fields.String(validate=validate.OneOf(list(CHANNEL_KINDS), error=KIND_ERROR))
    enabled = fields.Boolean()


class ChannelOutSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "Webhook 地址，其中的令牌已隐藏"})
    has_secret = fields.Boolean(required=True)
    recipients = fields.List(fields.String(), required=True)
    events = fields.List(fields.String(), required=True)
    units = fields.List(fields.String(), required=True)
    enabled = fields.Boolean(required=True)
    rate_per_minute = fields.Integer(required=True)
    created_at = fields.String(required=True, metadata={"description": "ISO 8601"})


class DeletedSchema(Schema):
    deleted = fields.Integer(required=True)
    cancelled_deliveries = fields.Integer(required=True)


class TestAnswerSchema(Schema):
    ok = fields.Boolean(required=True)
    answer = fields.String(required=True, metadata={"description": "接收方的应答"})


@blp.route("/notification-channels", methods=["GET"])
@allow("admin")
@blp.doc(responses=openapi.ok(ChannelOutSchema(many=True)))
def list_channels() -> Any:
    """通知渠道列表（不返回密钥，Webhook 地址中的令牌已隐藏）"""
    return [ops.channel_fields(channel) for channel in ops.list_channels()]


@blp.route("/notification-channels", methods=["POST"])
@allow("admin")
@blp.arguments(ChannelSchema)
@blp.doc(responses=openapi.ok(ChannelOutSchema, 201, "已创建"))
def create_channel(body: dict[str, Any]) -> Any:
    """新建通知渠道"""
    values = {key: value for key, value in body.items() if value is not None}
    return ops.channel_fields(ops.create_channel(values)), 201


@blp.route("/notification-channels/<int:channel_id>", methods=["GET"])
@allow("admin")
@blp.doc(responses=openapi.ok(ChannelOutSchema))
def get_channel(channel_id: int) -> Any:
    """通知渠道详情"""
    return ops.channel_fields(ops.get_channel(channel_id))


@blp.route("/notification-channels/<int:channel_id>", methods=["PATCH"])
@allow("admin")
@blp.arguments(ChannelPatchSchema(partial=True))
@blp.doc(responses=openapi.ok(ChannelOutSchema))
def patch_channel(body: dict[str, Any], channel_id: int) -> Any:
    """修改通知渠道（secret 为空字符串则清除密钥，不传则保留）"""
    channel = ops.get_channel(channel_id)
    values = {key: value for key, value in body.items() if value is not None or key in ("units", "recipients")}
    return ops.channel_fields(ops.update_channel(channel, values))


@blp.route("/notification-channels/<int:channel_id>", methods=["DELETE"])
@allow("admin")
@blp.doc(responses=openapi.ok(DeletedSchema))
def delete_channel(channel_id: int) -> Any:
    """删除通知渠道（未发出的通知标记为已取消，发送记录保留）"""
    cancelled = ops.delete_channel(ops.get_channel(channel_id))
    return {"deleted": channel_id, "cancelled_deliveries": cancelled}


@blp.route("/notification-channels/<int:channel_id>/test", methods=["POST"])
@allow("admin")
@blp.doc(responses=openapi.ok(TestAnswerSchema))
def test_channel(channel_id: int) -> Any:
    """立即发送一条测试消息，返回接收方的应答（记入发送日志）"""
    ok, answer = ops.send_test(ops.get_channel(channel_id), g.principal)
    return {"ok": ok, "answer": answer}
