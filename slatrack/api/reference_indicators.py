"""A project's indicators (三级指标): list, add, change, remove; changes after submission need a reason."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from slatrack.api import limits, openapi
from slatrack.operations.accounts.current import acting_user
from slatrack.operations.reference import indicator_edits as ops
from slatrack.operations.reference.projects import get_project
from slatrack.policy import READERS, allow

blp = Blueprint("reference_indicators", __name__, description="项目指标维护")

REASON = {"description": "修改原因：年度自评或季度报告已提交后，增改指标必须填写"}


class IndicatorInSchema(Schema):
    level1 = limits.text(32, min_length=1, required=True, metadata={"description": "产出指标、效益指标或满意度指标"})
    level2 = limits.text(64, min_length=1, required=True, metadata={"description": "二级指标，例如 质量指标"})
    name = limits.text(256, min_length=1, required=True, metadata={"description": "三级指标名称"})
    operator = fields.String(
        required=True,
        validate=validate.OneOf([">=", "<=", "=", "qualitative"], error="比较方式应为 >=、<=、= 或 qualitative"),
    )
    target = fields.Float(allow_none=True, metadata={"description": "指标值（定性指标为空）"})
    target_text = limits.text(64, metadata={"description": "指标值文字，例如 ≥98%；不填则按比较方式、指标值和单位生成"})
    unit = limits.text(16, metadata={"description": "单位，例如 %、次、万元"})
    weight = fields.Float(allow_none=True, metadata={"description": "分值；不填则按组平均分配"})
    source = limits.text(
        48,
        required=True,
        metadata={
            "description": "实际值来源：自动计量（failure_rate、response_rate、consultations …）或 manual、grade"
        },
    )
    explanation = limits.text(2000, metadata={"description": "说明"})
    reason = limits.text(2000, metadata=REASON)


class IndicatorPatchSchema(IndicatorInSchema):
    level1 = limits.text(32, min_length=1)
    level2 = limits.text(64, min_length=1)
    name = limits.text(256, min_length=1)
    operator = fields.String(validate=validate.OneOf([">=", "<=", "=", "qualitative"]))
    source = limits.text(48)


class IndicatorRevisionSchema(Schema):
    field = fields.String(required=True)
    old = fields.String(required=True)
    new = fields.String(required=True)
    reason = fields.String(required=True)
    at = fields.String(required=True)


class IndicatorRowSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    project = fields.String(required=True)
    position = fields.Integer(required=True)
    level1 = fields.String(required=True)
    level2 = fields.String(required=True)
    name = fields.String(required=True)
    operator = fields.String(required=True)
    target = fields.Float(required=True, allow_none=True)
    target_text = fields.String(required=True)
    unit = fields.String(required=True)
    weight = fields.Float(required=True, allow_none=True)
    source = fields.String(required=True)
    explanation = fields.String(required=True)
    revisions = fields.List(
        fields.Nested(IndicatorRevisionSchema), required=True, metadata={"description": "提交后的修订"}
    )


class IndicatorDeletedSchema(Schema):
    deleted = fields.Integer(required=True)


@blp.route("/projects/<string:code>/indicators", methods=["GET"])
@allow(*READERS)
@blp.doc(responses=openapi.ok(IndicatorRowSchema(many=True)))
def list_indicators(code: str) -> Any:
    """项目的指标（按批复表顺序）"""
    return [ops.indicator_json(i) for i in ops.indicators_of(get_project(code))]


@blp.route("/projects/<string:code>/indicators", methods=["POST"])
@allow("admin")
@blp.arguments(IndicatorInSchema)
@blp.doc(responses=openapi.ok(IndicatorRowSchema, 201, "已创建"))
def create_indicator(body: dict[str, Any], code: str) -> Any:
    """为项目新增一个三级指标"""
    return ops.indicator_json(ops.create_indicator(get_project(code), body, acting_user())), 201


@blp.route("/indicators/<int:indicator_id>", methods=["PATCH"])
@allow("admin")
@blp.arguments(IndicatorPatchSchema(partial=True))
@blp.doc(responses=openapi.ok(IndicatorRowSchema))
def patch_indicator(body: dict[str, Any], indicator_id: int) -> Any:
    """修改指标（年度已提交时须填写 reason，修订会记录并在报告中列出）"""
    return ops.indicator_json(ops.update_indicator(ops.get_indicator(indicator_id), body, acting_user()))


@blp.route("/indicators/<int:indicator_id>", methods=["DELETE"])
@allow("admin")
@blp.doc(responses=openapi.ok(IndicatorDeletedSchema))
def delete_indicator(indicator_id: int) -> Any:
    """删除指标（已有记录或年度已提交的指标不能删除）"""
    ops.delete_indicator(ops.get_indicator(indicator_id))
    return {"deleted": indicator_id}
