"""Marshmallow schemas shared across API modules, with Chinese validation messages."""

from __future__ import annotations

from marshmallow import Schema, fields

from slatrack.api import limits

# Users read these messages; marshmallow's defaults are English.
fields.Field.default_error_messages.update(
    {
        "required": "缺少必填字段",
        "null": "不能为空",
        "validator_failed": "取值无效",
    }
)
fields.String.default_error_messages.update({"invalid": "应为字符串"})
fields.Integer.default_error_messages.update({"invalid": "应为整数"})
fields.Number.default_error_messages.update({"invalid": "应为数字"})
fields.Boolean.default_error_messages.update({"invalid": "应为 true 或 false"})
fields.DateTime.default_error_messages.update({"invalid": "应为带时区的 ISO 8601 时间，例如 2025-05-10T09:30:00+08:00"})
fields.Date.default_error_messages.update({"invalid": "应为日期，例如 2025-05-10"})
fields.List.default_error_messages.update({"invalid": "应为列表"})
fields.Nested.default_error_messages.update({"type": "应为对象"})
Schema._default_error_messages = {
    "type": "应为 JSON 对象",
    "unknown": "未知字段",
}


class ErrorDetail(Schema):
    code = fields.String(required=True, metadata={"description": "错误代码，例如 invalid、not_found、forbidden"})
    message = fields.String(required=True, metadata={"description": "中文错误说明"})
    fields_ = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        data_key="fields",
        metadata={"description": "出错的字段及原因（字段路径 → 中文说明），无则为空对象"},
    )


class ErrorSchema(Schema):
    """Every error the API answers (SPEC §6): ``{"error": {"code", "message", "fields"}}``."""

    error = fields.Nested(ErrorDetail, required=True)


class YearQuery(Schema):
    year = limits.year(required=True, metadata={"description": "财政年度，例如 2025"})
    as_of = limits.moment(load_default=None, metadata={"description": "计算截至时刻 (ISO 8601)"})


class IndicatorSchema(Schema):
    code = fields.String()
    project = fields.String()
    project_code = fields.String()
    level1 = fields.String()
    level2 = fields.String()
    name = fields.String()
    operator = fields.String()
    target = fields.Float(allow_none=True)
    target_text = fields.String()
    unit = fields.String()
    explanation = fields.String()
    actual = fields.Float(allow_none=True)
    grade = fields.String(allow_none=True)
    met = fields.Boolean(allow_none=True)
    weight = fields.Float()
    score = fields.Float(allow_none=True)
    source = fields.String()
    note = fields.String()
    revision = fields.String(metadata={"description": "年度已提交后对该指标的修订（原值、新值、原因）"})
    deviation_reason = fields.String()
    improvement = fields.String()
    project_total = fields.Float()
    project_grade = fields.String()


class ProjectSummarySchema(Schema):
    project_code = fields.String()
    project = fields.String()
    budget = fields.Float()
    paid = fields.Float()
    execution_rate = fields.Float(allow_none=True)
    budget_points = fields.Float()
    total = fields.Float()
    grade = fields.String()
    missing = fields.List(fields.String())
    subtotals = fields.Dict(keys=fields.String(), values=fields.Float())
    indicator_points = fields.Float()
