"""POST /api/v1/probe-results: check results from remote agents (and admins), all or nothing per batch;
POST /api/v1/heartbeat/<token>: a push target's heartbeat, authenticated by the target's own token."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from slatrack.api import limits
from slatrack.models import utcnow
from slatrack.operations import NotFound, OperationError
from slatrack.operations.monitoring.agents import note_contacts
from slatrack.operations.monitoring.ingest import MAX_BATCH, ingest_results, record_result
from slatrack.operations.monitoring.targets import target_by_heartbeat_token
from slatrack.policy import allow, public

blp = Blueprint("probe_results", __name__, description="探测结果")


class ProbeResultSchema(Schema):
    target = limits.NameOrId(required=True, metadata={"description": "监测对象名称或 id"})
    observed_at = fields.AwareDateTime(required=True, metadata={"description": "检查时间 (ISO 8601，带时区)"})
    ok = fields.Boolean(required=True)
    latency_ms = fields.Float(allow_none=True)
    detail = fields.String()
    sample_id = fields.String(required=True, metadata={"description": "结果的唯一标识，重复发送不会重复计入"})
    metrics = fields.Dict(allow_none=True)


class IngestAnswerSchema(Schema):
    accepted = fields.Integer()
    duplicates = fields.Integer()


@blp.route("/probe-results", methods=["POST"])
@allow("admin", "probe")
@blp.doc(
    requestBody={
        "required": True,
        "content": {"application/json": {"schema": {"type": "array", "items": ProbeResultSchema}}},
        "description": f"探测结果列表（每批最多 {MAX_BATCH} 条）",
    }
)
@blp.response(200, IngestAnswerSchema)
def post_results() -> dict[str, int]:
    """提交一批探测结果：任一条无效则整批不写入（422 指出序号和字段）；已收到的 sample_id 计为重复"""
    body = request.get_json(silent=True)
    if body is None:
        raise OperationError("请求体不是有效的 JSON 列表", status=400, fields={"body": "应为 JSON 列表"})
    report = ingest_results(body)
    if g.principal.is_machine:  # an agent: note which targets it sends (the agents page)
        note_contacts(g.principal.token_id, report.target_ids)
    return {"accepted": report.accepted, "duplicates": report.duplicates}


class HeartbeatAnswerSchema(Schema):
    target = fields.String()
    observed_at = fields.AwareDateTime()


@blp.route("/heartbeat/<token>", methods=["POST"])
@public
@blp.response(200, HeartbeatAnswerSchema)
def heartbeat(token: str) -> dict[str, Any]:
    """心跳推送（以监测对象自己的心跳令牌认证，无需 API 令牌）"""
    target = target_by_heartbeat_token(token)
    if target is None or target.kind != "push":
        raise NotFound("心跳令牌无效")
    now = utcnow()
    if target.retired_at is not None and target.retired_at <= now:
        raise OperationError("监测对象已停用", status=409)
    record_result(
        target, ok=True, observed_at=now, detail="收到心跳", sample_id=f"hb-{target.id}-{now.timestamp():.6f}"
    )
    return {"target": target.name, "observed_at": now}
