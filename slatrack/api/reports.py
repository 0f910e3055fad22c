"""Report downloads: the quarterly maintenance report and the annual self-evaluation, as .docx or .xlsx."""

from __future__ import annotations

import io
from typing import Any

from flask import Response, send_file
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from slatrack.api import limits
from slatrack.operations.figures.documents import CONTENT_TYPES, ReportFile, quarterly_file, self_evaluation_file
from slatrack.policy import READERS, allow

blp = Blueprint("reports", __name__, description="运维报告与绩效自评表下载")

_FILE_RESPONSE = {
    "200": {
        "description": "报告文件（Content-Disposition 中含 RFC 5987 编码的中文文件名）",
        "content": {
            mimetype: {"schema": {"type": "string", "format": "binary"}} for mimetype in CONTENT_TYPES.values()
        },
    }
}


class QuarterlyFileQuery(Schema):
    format = fields.String(
        required=True,
        validate=validate.OneOf(["docx", "xlsx"], error="应为 docx 或 xlsx"),
        metadata={"description": "docx 或 xlsx"},
    )
    as_of = limits.moment(load_default=None, metadata={"description": "计算截至时刻 (ISO 8601)，默认当前"})


class SelfEvaluationFileQuery(QuarterlyFileQuery):
    pass


def _send(report: ReportFile) -> Response:
    return send_file(
        io.BytesIO(report.content), mimetype=report.mimetype, as_attachment=True, download_name=report.filename
    )


@blp.route("/reports/quarterly/<string:quarter>")
@allow(*READERS)
@blp.arguments(QuarterlyFileQuery, location="query")
@blp.doc(responses=_FILE_RESPONSE)
def quarterly_report(query: dict[str, Any], quarter: str) -> Response:
    """下载季度运维报告（docx 或 xlsx），数字与 /sla、/indicators 一致"""
    return _send(quarterly_file(quarter, query["format"], query["as_of"], via="api"))


@blp.route("/reports/self-evaluation/<string:year>")
@allow(*READERS)
@blp.arguments(SelfEvaluationFileQuery, location="query")
@blp.doc(responses=_FILE_RESPONSE)
def self_evaluation(query: dict[str, Any], year: str) -> Response:
    """下载年度项目支出绩效自评表（两个项目在同一文件中，各占一个工作表或一节）"""
    return _send(self_evaluation_file(year, query["format"], query["as_of"], via="api"))
