"""Outages (derived from checks or entered by hand), their exclusions, and maintenance windows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from slatrack.api import limits
from slatrack.models.enums import EXCLUSION_CATEGORIES
from slatrack.operations.monitoring import maintenance_decisions, outage_causes
from slatrack.operations.monitoring import outages as ops
from slatrack.policy import READERS, STAFF, allow

blp = Blueprint("outages", __name__, description="停机记录与计划维护")


class PeriodQuery(Schema):
    from_ = limits.moment(data_key="from", load_default=None, metadata={"description": "起 (ISO 8601)"})
    to = limits.moment(load_default=None, metadata={"description": "止 (ISO 8601)"})


class ExclusionSchema(Schema):
    id = fields.Integer()
    category = fields.String()
    reason = fields.String()
    start = fields.AwareDateTime()
    end = fields.AwareDateTime(allow_none=True, metadata={"description": "空：直至停机结束（停机仍在持续）"})
    decided_by = fields.String()
    created_at = fields.AwareDateTime()


class OutageSchema(Schema):
    id = fields.Integer()
    target = fields.String()
    target_id = fields.Integer()
    start = fields.AwareDateTime()
    end = fields.AwareDateTime(allow_none=True)
    source = fields.String()
    cause = fields.String(metadata={"description": "停机原因；空：待补充"})
    handling = fields.String(metadata={"description": "处理情况；空：待补充"})
    ticket_ids = fields.List(fields.Integer())
    exclusions = fields.List(fields.Nested(ExclusionSchema))


class OutageCreateSchema(Schema):
    target = limits.NameOrId(required=True, metadata={"description": "监测对象名称或 id"})
    start = limits.moment(required=True)
    end = limits.moment(required=True)
    cause = limits.text(limits.TEXT_MAX, required=True)
    handling = limits.text(limits.TEXT_MAX, load_default="", metadata={"description": "处理情况"})


class OutageCauseSchema(Schema):
    cause = limits.text(limits.TEXT_MAX, min_length=1, required=True, metadata={"description": "停机原因"})
    handling = limits.text(limits.TEXT_MAX, min_length=1, required=True, metadata={"description": "处理情况"})


class ExclusionCreateSchema(Schema):
    category = fields.String(
        required=True,
        validate=validate.OneOf(
            list(EXCLUSION_CATEGORIES), error="类别应为 maintenance、customer、force_majeure、false_alarm 之一"
        ),
    )
    reason = limits.text(limits.TEXT_MAX, min_length=1, required=True)
    start = limits.moment(load_default=None)
    end = limits.moment(load_default=None)


class MaintenanceCreateSchema(Schema):
    start = limits.moment(required=True)
    end = limits.moment(required=True)
    reason = limits.text(limits.TEXT_MAX, min_length=1, required=True)


class MaintenanceSchema(Schema):
    id = fields.Integer()
    start = fields.AwareDateTime()
    end = fields.AwareDateTime()
    reason = fields.String()
    approved = fields.Boolean()
    approved_at = fields.AwareDateTime(allow_none=True)
    requested_by = fields.String()
    approved_by = fields.String()
    rejected = fields.Boolean()
    rejected_by = fields.String()
    decision_reason = fields.String(metadata={"description": "批准或驳回的理由"})


class MaintenanceDecisionSchema(Schema):
    reason = fields.String(load_default="", metadata={"description": "理由（驳回时必填）"})


def _bounds(query: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    return query["from_"], query["to"]


@blp.route("/outages", methods=["GET"])
@allow(*READERS)
@blp.arguments(PeriodQuery, location="query")
@blp.response(200, OutageSchema(many=True))
def list_outages(query: dict[str, Any]) -> list[dict[str, Any]]:
    """停机记录（与 [from, to) 有重叠的）"""
    return [ops.outage_fields(outage) for outage in ops.list_outages(*_bounds(query))]


@blp.route("/outages", methods=["POST"])
@allow(*STAFF)
@blp.arguments(OutageCreateSchema)
@blp.response(201, OutageSchema)
def create_outage(body: dict[str, Any]) -> dict[str, Any]:
    """登记人工停机记录"""
    outage = ops.create_manual_outage(
        target_reference=body["target"],
        start=body["start"],
        end=body["end"],
        cause=body["cause"],
        handling=body["handling"],
        principal=g.principal,
    )
    return ops.outage_fields(outage)


@blp.route("/outages/<int:outage_id>", methods=["GET"])
@allow(*READERS)
@blp.response(200, OutageSchema)
def get_outage(outage_id: int) -> dict[str, Any]:
    """停机记录详情"""
    return ops.outage_fields(ops.get_outage(outage_id))


@blp.route("/outages/<int:outage_id>/cause", methods=["PUT"])
@allow(*STAFF)
@blp.arguments(OutageCauseSchema)
@blp.response(200, OutageSchema)
def set_outage_cause(body: dict[str, Any], outage_id: int) -> dict[str, Any]:
    """填写（或更正）停机原因和处理情况；季度报告提交前，本季度每条停机都须填写"""
    outage = outage_causes.set_cause(ops.get_outage(outage_id), cause=body["cause"], handling=body["handling"])
    return ops.outage_fields(outage)


@blp.route("/outages/<int:outage_id>/exclusions", methods=["POST"])
@allow("admin")
@blp.arguments(ExclusionCreateSchema)
@blp.response(201, OutageSchema)
def add_exclusion(body: dict[str, Any], outage_id: int) -> dict[str, Any]:
    """裁定停机（全部或部分）不属于运维方责任：计划维护、甲方原因、不可抗力、误报"""
    outage = ops.get_outage(outage_id)
    ops.add_exclusion(
        outage,
        category=body["category"],
        reason=body["reason"],
        start=body["start"],
        end=body["end"],
        principal=g.principal,
    )
    return ops.outage_fields(outage)


@blp.route("/maintenance-windows", methods=["GET"])
@allow(*READERS)
@blp.arguments(PeriodQuery, location="query")
@blp.response(200, MaintenanceSchema(many=True))
def list_maintenance(query: dict[str, Any]) -> list[dict[str, Any]]:
    """计划维护列表"""
    return [ops.maintenance_fields(window) for window in ops.list_maintenance(*_bounds(query))]


@blp.route("/maintenance-windows", methods=["POST"])
@allow(*STAFF)
@blp.arguments(MaintenanceCreateSchema)
@blp.response(201, MaintenanceSchema)
def request_maintenance(body: dict[str, Any]) -> dict[str, Any]:
    """申请计划维护（管理员的立即生效，运维方的待管理员批准）"""
    window = ops.request_maintenance(start=body["start"], end=body["end"], reason=body["reason"], principal=g.principal)
    return ops.maintenance_fields(window)


@blp.route("/maintenance-windows/<int:window_id>/approve", methods=["POST"])
@allow("admin")
@blp.arguments(MaintenanceDecisionSchema, location="json", required=False)
@blp.response(200, MaintenanceSchema)
def approve_maintenance(data: dict[str, Any], window_id: int) -> dict[str, Any]:
    """批准计划维护（可填写理由）"""
    return ops.maintenance_fields(ops.approve_maintenance(window_id, g.principal, data.get("reason", "")))


@blp.route("/maintenance-windows/<int:window_id>/reject", methods=["POST"])
@allow("admin")
@blp.arguments(MaintenanceDecisionSchema)
@blp.response(200, MaintenanceSchema)
def reject_maintenance(data: dict[str, Any], window_id: int) -> dict[str, Any]:
    """驳回计划维护（须填写理由；驳回的维护不计入）"""
    window = maintenance_decisions.reject(ops.get_maintenance(window_id), data["reason"], g.principal)
    return ops.maintenance_fields(window)
