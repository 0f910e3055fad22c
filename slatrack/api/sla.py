"""GET /api/v1/sla: every figure of a period, per contract and in total."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from slatrack.api import limits, openapi
from slatrack.operations.figures.report_status import sla_json
from slatrack.operations.figures.sla import SlaQuery
from slatrack.policy import READERS, allow

blp = Blueprint("sla", __name__, description="SLA 指标计算")


class SlaArgs(Schema):
    from_ = limits.day(required=True, data_key="from", metadata={"description": "起始日期（含），例如 2025-04-01"})
    to = limits.day(required=True, metadata={"description": "结束日期（含），例如 2025-06-30"})
    contract = limits.text(limits.NAME_MAX, load_default=None, metadata={"description": "合同编号，例如 OM-2025"})
    as_of = limits.moment(load_default=None, metadata={"description": "计算截至时刻 (ISO 8601)，默认当前"})


class SlaScopeSchema(Schema):
    """The figures of one scope (a contract, or the total): SPEC §6."""

    service_minutes = fields.Float(required=True)
    downtime_minutes = fields.Float(required=True)
    wait_minutes = fields.Float(required=True)
    repair_minutes = fields.Float(required=True)
    maintenance_minutes = fields.Float(required=True)
    excluded_minutes = fields.Float(required=True)
    unknown_minutes = fields.Float(required=True)
    transient_failures = fields.Integer(required=True)
    failure_rate = fields.Float(required=True, allow_none=True)
    tickets = fields.Integer(required=True)
    responded_in_time = fields.Integer(required=True)
    breached = fields.Integer(required=True)
    pending = fields.Integer(required=True)
    response_rate = fields.Float(required=True, allow_none=True)
    answered_rate = fields.Float(required=True, allow_none=True)
    resolution_rate = fields.Float(required=True, allow_none=True)
    median_resolution_minutes = fields.Float(required=True, allow_none=True)
    cancelled = fields.Integer(required=True)
    consultations = fields.Integer(required=True)
    monitoring_months = fields.Integer(required=True)
    reports_submitted = fields.Integer(required=True)
    major_faults = fields.Integer(required=True)
    satisfaction_rate = fields.Float(required=True, allow_none=True)
    satisfaction_coverage = fields.Float(required=True, allow_none=True)


class SubmissionSchema(Schema):
    period = fields.String(required=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    submitted_at = fields.AwareDateTime(required=True, allow_none=True)
    revised = fields.Boolean(required=True)
    revisions = fields.Dict(required=True)


class LateEntryCountsSchema(Schema):
    pending = fields.Integer(required=True, metadata={"description": "待确认：按登记时间计"})
    confirmed = fields.Integer(required=True, metadata={"description": "已确认：按所填时间计"})
    rejected = fields.Integer(required=True, metadata={"description": "已驳回：按登记时间计"})
    bureau = fields.Integer(required=True, metadata={"description": "局方补记：按所填时间计"})


class SlaSchema(SlaScopeSchema):
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    as_of = fields.AwareDateTime(required=True)
    contracts = fields.Dict(keys=fields.String(), values=fields.Nested(SlaScopeSchema), required=True)
    submission = fields.Nested(SubmissionSchema, allow_none=True, metadata={"description": "恰为一个季度时"})
    late_entries = fields.Nested(LateEntryCountsSchema, metadata={"description": "期间的补记按哪种时间计算"})


@blp.route("/sla")
@allow(*READERS)
@blp.arguments(SlaArgs, location="query")
@blp.doc(responses=openapi.ok(SlaSchema))
def get_sla(args: dict[str, Any]) -> dict[str, Any]:
    """一个期间的全部 SLA 数字（按合同与合计）"""
    return sla_json(SlaQuery(args["from_"].isoformat(), args["to"].isoformat(), args["contract"], args["as_of"]))
