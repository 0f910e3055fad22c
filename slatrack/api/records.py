"""Record keeping: monthly inspections, survey responses, payments and budget, manual indicator entries and reviews.

Unit users answer the survey for their own unit only and see only their unit's responses.
"""

from __future__ import annotations

from typing import Any

from flask import g
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from slatrack.api import limits
from slatrack.models.enums import INSPECTION_KINDS
from slatrack.operations import OperationError
from slatrack.operations.accounts.current import acting_user
from slatrack.operations.records import entries as entry_ops
from slatrack.operations.records import inspections as inspection_ops
from slatrack.operations.records import payment_corrections
from slatrack.operations.records import payments as payment_ops
from slatrack.operations.records import survey as survey_ops
from slatrack.policy import EVERYONE, READERS, STAFF, allow

blp = Blueprint("records_api", __name__, description="例行检查、满意度、支付与手工指标")

_KINDS = list(INSPECTION_KINDS)


class InspectionCreateSchema(Schema):
    month = limits.text(16, required=True, metadata={"description": "检查所属月份，例如 2025-05"})
    kind = fields.String(
        required=True,
        validate=validate.OneOf(_KINDS, error="应为 security（安全检查）或 backup（备份核验）"),
        metadata={"description": "security 安全检查 / backup 备份核验"},
    )
    performed_at = limits.moment(required=True, metadata={"description": "检查时间 (ISO 8601，带时区)"})
    passed = fields.Boolean(required=True, metadata={"description": "是否通过"})
    findings = limits.text(load_default="", metadata={"description": "检查发现"})
    performed_by = limits.text(
        limits.NAME_MAX, load_default=None, metadata={"description": "检查人，默认为当前用户"}
    )


class InspectionSchema(Schema):
    id = fields.Integer()
    month = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    performed_at = fields.AwareDateTime()
    performed_by = fields.String()
    passed = fields.Boolean()
    findings = fields.String()
    origin = fields.String(metadata={"description": "manual 手工 / auto 系统自动"})
    has_evidence = fields.Boolean()
    current = fields.Boolean(metadata={"description": "是否为该月该类检查的最新记录"})
    recorded_at = fields.AwareDateTime()


class EvidenceUploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "pdf、png、jpg、docx、xlsx 或 zip，不超过 10 MB"})


class YearOnlyQuery(Schema):
    year = limits.year(required=True, metadata={"description": "年度，例如 2025"})


class SurveyCreateSchema(Schema):
    unit = limits.text(limits.NAME_MAX, required=True, metadata={"description": "单位代码，例如 522701"})
    period = fields.Raw(required=True, metadata={"description": "期间：年份 2025 或季度 2025Q2"})
    score = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=5, error="应为 1 到 5 的整数"),
        metadata={"description": "5 非常满意 … 1 非常不满意"},
    )
    comment = limits.text(load_default="")
    responded_at = limits.moment(required=True, metadata={"description": "填报时间 (ISO 8601，带时区)"})


class SurveyQuery(Schema):
    period = limits.text(16, load_default=None, metadata={"description": "期间：2025 或 2025Q2；年份含其各季度"})


class SurveyResponseSchema(Schema):
    id = fields.Integer()
    unit = fields.String()
    unit_name = fields.String()
    period = fields.String()
    score = fields.Integer()
    score_label = fields.String()
    comment = fields.String()
    responded_at = fields.AwareDateTime()


class PaymentCreateSchema(Schema):
    contract = limits.text(
        limits.NAME_MAX, load_default=None, metadata={"description": "合同代码，例如 OM-2025（与 line 二选一）"}
    )
    line = limits.text(
        limits.NAME_MAX, load_default=None, metadata={"description": "预算科目代码，例如 YW-2025-NEW"}
    )
    amount = fields.Raw(required=True, metadata={"description": '金额（元），大于 0，最多两位小数，如 "218000.00"'})
    paid_on = limits.day(required=True, metadata={"description": "支付日期"})
    voucher = limits.text(limits.NAME_MAX, load_default="", metadata={"description": "凭证号"})
    note = limits.text(load_default="")


class PaymentSchema(Schema):
    id = fields.Integer()
    line = fields.String()
    line_name = fields.String()
    contract = fields.String(allow_none=True)
    amount = fields.String(metadata={"description": "金额（元）"})
    paid_on = fields.Date()
    voucher = fields.String()
    note = fields.String()
    recorded_at = fields.AwareDateTime()
    reverses = fields.Integer(allow_none=True, metadata={"description": "冲销记录所冲销的支付记录 id"})
    reason = fields.String(metadata={"description": "冲销原因"})


class BudgetLineSchema(Schema):
    line = fields.String()
    name = fields.String()
    contract = fields.String(allow_none=True)
    budget = fields.String()
    paid = fields.String()
    execution_rate = fields.Float(allow_none=True)
    overspent = fields.Boolean()


class BudgetProjectSchema(Schema):
    project = fields.String()
    name = fields.String()
    budget = fields.String()
    paid = fields.String()
    execution_rate = fields.Float(allow_none=True)
    cost_control_rate = fields.Float(allow_none=True)
    overspent = fields.Boolean()
    lines = fields.List(fields.Nested(BudgetLineSchema))


class EntryCreateSchema(Schema):
    year = limits.year(required=True, strict=True, metadata={"description": "年度"})
    occurred_on = limits.day(required=True, metadata={"description": "发生日期"})
    quantity = fields.Raw(load_default=None, metadata={"description": "数量（manual 指标）"})
    grade = fields.String(
        load_default=None,
        validate=validate.OneOf(list(entry_ops.GRADES), error="应为 优、良、中 或 差"),
        metadata={"description": "评级 优/良/中/差（grade、derived 指标）"},
    )
    note = limits.text(load_default="")


class EntryQuery(Schema):
    year = limits.year(load_default=None)


class EntrySchema(Schema):
    id = fields.Integer()
    indicator = fields.String()
    year = fields.Integer()
    occurred_on = fields.Date()
    quantity = fields.Float(allow_none=True)
    grade = fields.String(allow_none=True)
    note = fields.String()
    recorded_at = fields.AwareDateTime()


class ReviewUpdateSchema(Schema):
    year = limits.year(required=True, strict=True)
    deviation_reason = limits.text(required=True, metadata={"description": "偏差原因"})
    improvement = limits.text(required=True, metadata={"description": "改进措施"})


class ReviewSchema(Schema):
    indicator = fields.String()
    year = fields.Integer()
    deviation_reason = fields.String()
    improvement = fields.String()
    updated_at = fields.AwareDateTime(allow_none=True)


# ---------------------------------------------------------------- inspections


@blp.route("/inspections", methods=["POST"])
@allow(*STAFF)
@blp.arguments(InspectionCreateSchema)
@blp.response(201, InspectionSchema)
def create_inspection(data: dict[str, Any]) -> dict[str, Any]:
    """登记例行检查（安全检查或备份核验）；同月同类的新记录取代旧记录"""
    inspection = inspection_ops.record_inspection(user=acting_user(), **data)
    return {**inspection_ops.inspection_view(inspection), "current": True}


@blp.route("/inspections/<int:inspection_id>/evidence", methods=["POST"])
@allow(*STAFF)
@blp.arguments(EvidenceUploadSchema, location="files")
@blp.response(201, InspectionSchema)
def upload_evidence(files: dict[str, Any], inspection_id: int) -> dict[str, Any]:
    """上传检查的证明材料（multipart/form-data，字段 file）；已有的材料被替换"""
    upload = files["file"]
    inspection = inspection_ops.get_inspection(inspection_id)
    inspection_ops.attach_evidence(inspection, upload.stream, upload.filename or "")
    latest = inspection_ops.latest_id(inspection.month, inspection.kind)
    return {**inspection_ops.inspection_view(inspection), "current": latest == inspection.id}


@blp.route("/inspections", methods=["GET"])
@allow(*READERS)
@blp.arguments(YearOnlyQuery, location="query")
@blp.response(200, InspectionSchema(many=True))
def list_inspections(query: dict[str, Any]) -> list[dict[str, Any]]:
    """某年度的全部检查记录，最新登记的在前"""
    seen: set[tuple[str, str]] = set()
    rows = []
    for inspection in inspection_ops.inspections_of_year(query["year"]):
        key = (inspection.month, inspection.kind)
        rows.append({**inspection_ops.inspection_view(inspection), "current": key not in seen})
        seen.add(key)
    return rows


# ---------------------------------------------------------------- survey


@blp.route("/survey-responses", methods=["POST"])
@allow("admin", "unit")
@blp.arguments(SurveyCreateSchema)
@blp.response(201, SurveyResponseSchema)
def create_survey_response(data: dict[str, Any]) -> dict[str, Any]:
    """登记满意度答卷（使用单位只能为本单位填报）"""
    response = survey_ops.record_response(user=acting_user(), **data)
    return survey_ops.response_view(response)


@blp.route("/survey-responses", methods=["GET"])
@allow("admin", "unit", "auditor")
@blp.arguments(SurveyQuery, location="query")
@blp.response(200, SurveyResponseSchema(many=True))
def list_survey_responses(query: dict[str, Any]) -> list[dict[str, Any]]:
    """满意度答卷列表（使用单位只看到本单位的）"""
    unit_id = g.principal.unit_id if g.principal.role == "unit" else None
    if g.principal.role == "unit" and unit_id is None:
        raise OperationError("账号未关联单位", status=403)
    return [survey_ops.response_view(r) for r in survey_ops.responses_for(query["period"], unit_id)]


# ---------------------------------------------------------------- payments and budget


@blp.route("/payments", methods=["POST"])
@allow("admin")
@blp.arguments(PaymentCreateSchema)
@blp.response(201, PaymentSchema)
def create_payment(data: dict[str, Any]) -> dict[str, Any]:
    """登记支付（按合同或预算科目）；允许超支，但会在预算执行中标出"""
    payment = payment_ops.record_payment(user=acting_user(), **data)
    return payment_ops.payment_view(payment)


class ReverseSchema(Schema):
    reason = fields.String(required=True, metadata={"description": "冲销原因"})


@blp.route("/payments/<int:payment_id>/reverse", methods=["POST"])
@allow("admin")
@blp.arguments(ReverseSchema)
@blp.response(201, PaymentSchema)
def reverse_payment(data: dict[str, Any], payment_id: int) -> dict[str, Any]:
    """冲销一笔支付（登记一条负数的冲销记录，须填写原因；支付记录从不删除）"""
    counter = payment_corrections.reverse_payment(payment_id, data["reason"], acting_user())
    return payment_ops.payment_view(counter)


@blp.route("/payments", methods=["GET"])
@allow("admin", "auditor")
@blp.arguments(YearOnlyQuery, location="query")
@blp.response(200, PaymentSchema(many=True))
def list_payments(query: dict[str, Any]) -> list[dict[str, Any]]:
    """某年度的支付记录"""
    return [payment_ops.payment_view(p) for p in payment_ops.payments_of_year(query["year"])]


@blp.route("/budget", methods=["GET"])
@allow("admin", "auditor")
@blp.arguments(YearOnlyQuery, location="query")
@blp.response(200, BudgetProjectSchema(many=True))
def budget_execution(query: dict[str, Any]) -> list[dict[str, Any]]:
    """各项目预算执行：预算、已支付、执行率、成本控制率"""
    result = []
    for item in payment_ops.budget_overview(query["year"]):
        figures = item["figures"]
        result.append(
            {
                "project": item["project"].code,
                "name": item["project"].name,
                "budget": f"{figures.budget_total:.2f}",
                "paid": f"{figures.paid_total:.2f}",
                "execution_rate": figures.execution_rate,
                "cost_control_rate": figures.cost_control_rate,
                "overspent": item["overspent"],
                "lines": [
                    {
                        "line": row["line"].code,
                        "name": row["line"].name,
                        "contract": None if row["line"].contract is None else row["line"].contract.code,
                        "budget": f"{row['figures'].budget:.2f}",
                        "paid": f"{row['figures'].paid:.2f}",
                        "execution_rate": row["figures"].execution_rate,
                        "overspent": row["figures"].overspent,
                    }
                    for row in item["lines"]
                ],
            }
        )
    return result


# ---------------------------------------------------------------- indicator entries and reviews


@blp.route("/indicators/<code>/entries", methods=["POST"])
@allow("admin")
@blp.arguments(EntryCreateSchema)
@blp.response(201, EntrySchema)
def create_entry(data: dict[str, Any], code: str) -> dict[str, Any]:
    """为手工指标录入数量，或为定性指标录入评级"""
    return entry_ops.entry_view(entry_ops.add_entry(code, user=acting_user(), **data))


@blp.route("/indicators/<code>/entries", methods=["GET"])
@allow(*EVERYONE)
@blp.arguments(EntryQuery, location="query")
@blp.response(200, EntrySchema(many=True))
def list_entries(query: dict[str, Any], code: str) -> list[dict[str, Any]]:
    """指标的手工录入记录"""
    return [entry_ops.entry_view(e) for e in entry_ops.entries_of(code, query["year"])]


@blp.route("/indicators/<code>/review", methods=["PUT"])
@allow("admin")
@blp.arguments(ReviewUpdateSchema)
@blp.response(200, ReviewSchema)
def put_review(data: dict[str, Any], code: str) -> dict[str, Any]:
    """填写或修改指标的偏差原因及改进措施"""
    review = entry_ops.save_review(code, user=acting_user(), **data)
    return entry_ops.review_view(review, code, data["year"])


@blp.route("/indicators/<code>/review", methods=["GET"])
@allow(*EVERYONE)
@blp.arguments(YearOnlyQuery, location="query")
@blp.response(200, ReviewSchema)
def get_review(query: dict[str, Any], code: str) -> dict[str, Any]:
    """指标的偏差原因及改进措施"""
    return entry_ops.review_view(entry_ops.review_of(code, query["year"]), code, query["year"])
