"""Monitored targets: create, list, read, change, pause/resume, retire, rotate a push target's token.

Field names are the agent TOML's (probes.spec); kind options are top-level fields.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_smorest import Blueprint
from marshmallow import INCLUDE, Schema, fields, validate

from slatrack.api import limits, openapi
from slatrack.models import Target, utcnow
from slatrack.models.enums import TARGET_KINDS
from slatrack.operations.monitoring import targets as ops
from slatrack.operations.monitoring.upkeep import last_observed
from slatrack.operations.monitoring.views import target_evidence
from slatrack.policy import READERS, allow

blp = Blueprint("targets", __name__, description="监测对象")


class TargetCreateSchema(Schema):
    class Meta:
        unknown = INCLUDE  # kind options (accepted_status, keyword, cpu_max, ...) are checked by probes.spec

    name = limits.text(limits.NAME_MAX, min_length=1, required=True)
    kind = fields.String(
        required=True, validate=validate.OneOf(list(TARGET_KINDS), error="类型应为 http、tcp、host、backup、push 之一")
    )
    url = limits.text(512, load_default=None)
    host = limits.text(255, load_default=None)
    port = limits.integer(1, 65535, load_default=None)
    path = limits.text(512, load_default=None)
    interval_seconds = limits.integer(
        5, 86400, load_default=None, metadata={"description": "检查间隔（秒），默认 60，至少 5"}
    )
    timeout_seconds = limits.integer(1, 3600, load_default=None, metadata={"description": "超时（秒），默认 10"})
    confirm_failures = limits.integer(
        1, 100, load_default=None, metadata={"description": "确认停机所需的连续失败次数，默认 3"}
    )
    critical = fields.Boolean(load_default=None, metadata={"description": "是否计入系统停机，默认 false"})
    monitored_since = limits.moment(load_default=None, metadata={"description": "开始监测时间，默认现在"})
    in_process = fields.Boolean(
        load_default=None, metadata={"description": "由服务器自身检查（默认 true；push 为 false）"}
    )


class TargetPatchSchema(TargetCreateSchema):
    name = limits.text(limits.NAME_MAX, min_length=1)
    kind = fields.String()


class Last24hSchema(Schema):
    up_minutes = fields.Float(required=True)
    down_minutes = fields.Float(required=True)
    unknown_minutes = fields.Float(required=True)
    transient_failures = fields.Integer(required=True)


class TargetSchema(Schema):
    """A target as the API answers it; a kind's options (keyword, cpu_max, ...) are further top-level fields."""

    class Meta:
        unknown = INCLUDE

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(TARGET_KINDS)))
    url = fields.String()
    host = fields.String()
    port = fields.Integer()
    path = fields.String()
    interval_seconds = fields.Integer(required=True)
    timeout_seconds = fields.Integer(required=True)
    confirm_failures = fields.Integer(required=True)
    critical = fields.Boolean(required=True)
    monitored_since = fields.AwareDateTime(required=True, allow_none=True)
    in_process = fields.Boolean(required=True)
    paused = fields.Boolean(required=True)
    retired_at = fields.AwareDateTime(required=True, allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    has_heartbeat_token = fields.Boolean(required=True)
    heartbeat_token = fields.String(metadata={"description": "push 类型新建时返回一次的心跳令牌"})
    last_observed_at = fields.AwareDateTime(allow_none=True, metadata={"description": "仅详情"})
    last_24h = fields.Nested(Last24hSchema, metadata={"description": "仅详情：最近 24 小时"})


class TokenAnswerSchema(Schema):
    id = fields.Integer(required=True)
    heartbeat_token = fields.String(required=True)


class TargetQuerySchema(Schema):
    include_retired = fields.Boolean(load_default=True)


def target_out(target: Target, *, with_status: bool = False) -> dict[str, Any]:
    values = ops.target_fields(target)
    values.update(
        {
            "id": target.id,
            "in_process": target.in_process,
            "paused": target.paused,
            "retired_at": target.retired_at,
            "created_at": target.created_at,
            "has_heartbeat_token": target.heartbeat_token_hash is not None,
        }
    )
    if with_status:
        now = utcnow()
        values["last_observed_at"] = last_observed(target.id)
        day = target_evidence(target, now - timedelta(days=1), now, now)
        values["last_24h"] = {
            "up_minutes": day.up_minutes,
            "down_minutes": day.down_minutes,
            "unknown_minutes": day.unknown_minutes,
            "transient_failures": day.transient_failures,
        }
    return values


def _json(value: dict[str, Any]) -> dict[str, Any]:
    return {key: (item.isoformat() if hasattr(item, "isoformat") else item) for key, item in value.items()}


@blp.route("/targets", methods=["GET"])
@allow(*READERS)
@blp.arguments(TargetQuerySchema, location="query")
@blp.doc(responses=openapi.ok(TargetSchema(many=True)))
def list_targets(query: dict[str, Any]) -> Any:
    """监测对象列表"""
    return [_json(target_out(t)) for t in ops.list_targets(include_retired=query["include_retired"])]


@blp.route("/targets", methods=["POST"])
@allow("admin")
@blp.arguments(TargetCreateSchema)
@blp.doc(responses=openapi.ok(TargetSchema, 201, "已创建"))
def create_target(body: dict[str, Any]) -> Any:
    """新建监测对象（push 类型返回一次性显示的心跳令牌 heartbeat_token）"""
    target, token = ops.create_target(body)
    out = _json(target_out(target))
    if token is not None:
        out["heartbeat_token"] = token
    return out, 201


@blp.route("/targets/<int:target_id>", methods=["GET"])
@allow(*READERS)
@blp.doc(responses=openapi.ok(TargetSchema))
def get_target(target_id: int) -> Any:
    """监测对象详情（含最近 24 小时的在线、停机、未知时间）"""
    return _json(target_out(ops.get_target(target_id), with_status=True))


@blp.route("/targets/<int:target_id>", methods=["PATCH"])
@allow("admin")
@blp.arguments(TargetPatchSchema(partial=True))
@blp.doc(responses=openapi.ok(TargetSchema))
def patch_target(body: dict[str, Any], target_id: int) -> Any:
    """修改监测对象（字段设为 null 则恢复默认）"""
    return _json(target_out(ops.update_target(ops.get_target(target_id), body)))


@blp.route("/targets/<int:target_id>/pause", methods=["POST"])
@allow("admin")
@blp.doc(responses=openapi.ok(TargetSchema))
def pause_target(target_id: int) -> Any:
    """暂停检查"""
    return _json(target_out(ops.set_paused(ops.get_target(target_id), True)))


@blp.route("/targets/<int:target_id>/resume", methods=["POST"])
@allow("admin")
@blp.doc(responses=openapi.ok(TargetSchema))
def resume_target(target_id: int) -> Any:
    """恢复检查"""
    return _json(target_out(ops.set_paused(ops.get_target(target_id), False)))


@blp.route("/targets/<int:target_id>/retire", methods=["POST"])
@allow("admin")
@blp.doc(responses=openapi.ok(TargetSchema))
def retire_target(target_id: int) -> Any:
    """停用监测对象（此后的时间不再计量，历史保留）"""
    return _json(target_out(ops.retire_target(ops.get_target(target_id))))


@blp.route("/targets/<int:target_id>/heartbeat-token", methods=["POST"])
@allow("admin")
@blp.doc(responses=openapi.ok(TokenAnswerSchema))
def rotate_token(target_id: int) -> Any:
    """为 push 类型的监测对象生成新的心跳令牌（旧令牌立即失效，新令牌只显示一次）"""
    target = ops.get_target(target_id)
    token = ops.rotate_heartbeat_token(target)
    return {"id": target.id, "heartbeat_token": token}
