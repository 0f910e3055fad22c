"""Quarterly report status: submit (freezes the figures), accept, and what changed since submission."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from slatrack.operations.accounts.current import acting_user
from slatrack.operations.figures import report_status, submission
from slatrack.policy import READERS, STAFF, allow

blp = Blueprint("report_status", __name__, description="季度报告状态")


class ReportStatusSchema(Schema):
    period = fields.String()
    status = fields.String(allow_none=True)
    status_label = fields.String()
    submitted_at = fields.AwareDateTime(allow_none=True)
    accepted_at = fields.AwareDateTime(allow_none=True)
    frozen_figures = fields.Dict(allow_none=True)
    revisions = fields.Dict()
    revised = fields.Boolean()


@blp.route("/reports/quarterly/<string:quarter>/status")
@allow(*READERS)
@blp.response(200, ReportStatusSchema)
def quarterly_status(quarter: str) -> dict[str, Any]:
    """季度报告状态、提交时冻结的数字，以及提交后被修订的数字"""
    return report_status.status_json(quarter)


@blp.route("/reports/quarterly/<string:quarter>/submit", methods=["POST"])
@allow(*STAFF)
@blp.response(200, ReportStatusSchema)
def submit_quarterly(quarter: str) -> dict[str, Any]:
    """提交季度报告（冻结当时的数字）"""
    submission.submit(quarter, acting_user())
    return report_status.status_json(quarter)


@blp.route("/reports/quarterly/<string:quarter>/accept", methods=["POST"])
@allow("admin")
@blp.response(200, ReportStatusSchema)
def accept_quarterly(quarter: str) -> dict[str, Any]:
    """验收季度报告（甲方）"""
    report_status.accept(quarter, acting_user())
    return report_status.status_json(quarter)
