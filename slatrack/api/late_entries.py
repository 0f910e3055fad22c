"""Late entries (补记): the bureau's review queue: list, confirm (count at the stated time) or reject."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from slatrack.measure.late_entries import STATUSES
from slatrack.operations.accounts.current import acting_user
from slatrack.operations.tickets import late_review as ops
from slatrack.policy import allow

blp = Blueprint("late_entries", __name__, description="补记审核")


class LateEntryQuerySchema(Schema):
    status = fields.String(
        load_default=None,
        validate=validate.OneOf(list(STATUSES), error="状态应为 " + "、".join(STATUSES) + " 之一"),
        metadata={"description": "pending / confirmed / rejected / bureau"},
    )


class LateEntryDecisionSchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=500, error="理由长度应为 1 到 500 个字"),
        metadata={"description": "确认或驳回的理由"},
    )


class LateEntrySchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "event（事件时间）/ report（报告时间）/ outage_end（停机结束时间）"})
    kind_label = fields.String()
    ticket_id = fields.Integer(allow_none=True)
    outage_id = fields.Integer(allow_none=True)
    ticket_number = fields.String()
    ticket_title = fields.String()
    event_type = fields.String(allow_none=True)
    event_label = fields.String(allow_none=True)
    stated_at = fields.AwareDateTime(metadata={"description": "所填时间"})
    recorded_at = fields.AwareDateTime(metadata={"description": "登记时间（服务器时钟）"})
    late_minutes = fields.Float()
    status = fields.String()
    status_label = fields.String()
    entered_by = fields.String(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    reason = fields.String()


class LateEntryListSchema(Schema):
    items = fields.List(fields.Nested(LateEntrySchema))
    total = fields.Integer()


@blp.route("/late-entries", methods=["GET"])
@allow("admin", "auditor")
@blp.arguments(LateEntryQuerySchema, location="query")
@blp.response(200, LateEntryListSchema)
def list_late_entries(query: dict[str, Any]) -> dict[str, Any]:
    """补记列表（status=pending 为待局方确认）"""
    items = [ops.entry_view(entry) for entry in ops.list_entries(query["status"])]
    return {"items": items, "total": len(items)}


@blp.route("/late-entries/<int:entry_id>/confirm", methods=["POST"])
@allow("admin")
@blp.arguments(LateEntryDecisionSchema)
@blp.response(200, LateEntrySchema)
def confirm(data: dict[str, Any], entry_id: int) -> dict[str, Any]:
    """确认补记：此后按所填时间计算"""
    return ops.entry_view(ops.decide(entry_id, "confirm", data["reason"], acting_user()))


@blp.route("/late-entries/<int:entry_id>/reject", methods=["POST"])
@allow("admin")
@blp.arguments(LateEntryDecisionSchema)
@blp.response(200, LateEntrySchema)
def reject(data: dict[str, Any], entry_id: int) -> dict[str, Any]:
    """驳回补记：仍按登记时间计算"""
    return ops.entry_view(ops.decide(entry_id, "reject", data["reason"], acting_user()))
