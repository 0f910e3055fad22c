"""GET /api/v1/sla: every figure of a period, per contract and in total."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema

from slatrack.api import limits
from slatrack.operations.sla import SlaQuery, sla_json
from slatrack.policy import READERS, allow

blp = Blueprint("sla", __name__, description="SLA 指标计算")


class SlaArgs(Schema):
    from_ = limits.day(required=True, data_key="from", metadata={"description": "起始日期（含），例如 2025-04-01"})
    to = limits.day(required=True, metadata={"description": "结束日期（含），例如 2025-06-30"})
    contract = limits.text(limits.ts.NAME_MAX, load_default=None, metadata={"description": "合同编号，例如 OM-2025"})
    as_of = limits.moment(load_default=None, metadata={"description": "计算截至时刻 (ISO 8601)，默认当前"})


@blp.route("/sla")
@allow(*READERS)
@blp.arguments(SlaArgs, location="query")
def get_sla(args: dict[str, Any]) -> dict[str, Any]:
    """一个期间的全部 SLA 数字（按合同与合计）"""
    return sla_json(SlaQuery(args["from_"].isoformat(), args["to"].isoformat(), args["contract"], args["as_of"]))
