"""Holiday calendars: a year's days off and make-up working days (调休), entered to extend and override
chinesecalendar (docs/years.md)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from slatrack.operations import OperationError
from slatrack.operations.accounts.current import acting_user
from slatrack.operations.reference import holidays
from slatrack.operations.reference.holiday_entry import save_calendar
from slatrack.policy import READERS, allow

blp = Blueprint("holiday_calendars", __name__, description="节假日安排（放假与调休）")


class HolidayDaySchema(Schema):
    date = fields.String(required=True, metadata={"description": "日期，如 2027-02-05", "example": "2027-02-05"})
    kind = fields.String(
        required=True,
        validate=validate.OneOf(["holiday", "workday"]),
        metadata={"description": "holiday 放假；workday 调休上班（须为周六或周日）"},
    )
    name = fields.String(load_default="", validate=validate.Length(max=32), metadata={"description": "节日名称"})


class HolidayCalendarSchema(Schema):
    year = fields.Integer()
    source = fields.String(metadata={"description": "entered 已录入；library 来自 chinesecalendar；none 无数据"})
    library_covers = fields.Boolean()
    days = fields.List(fields.Nested(HolidayDaySchema))
    text = fields.String(metadata={"description": "按粘贴格式写出的安排"})
    note = fields.String()
    updated_at = fields.String(allow_none=True)
    updated_by = fields.String(allow_none=True)


class HolidayCalendarInSchema(Schema):
    days = fields.List(
        fields.Nested(HolidayDaySchema), metadata={"description": "全年的放假日和调休上班日（与 text 二选一）"}
    )
    text = fields.String(
        validate=validate.Length(max=20000),
        metadata={"description": "粘贴格式：每行“日期 [至 日期] [名称] 放假/上班”（与 days 二选一）"},
    )
    note = fields.String(load_default="", validate=validate.Length(max=500))


@blp.route("/holiday-calendars/<int:year>")
@allow(*READERS)
@blp.response(200, HolidayCalendarSchema)
def get_calendar(year: int) -> dict[str, Any]:
    """某年的节假日安排：已录入的，否则 chinesecalendar 的数据"""
    return holidays.calendar_json(year)


@blp.route("/holiday-calendars/<int:year>", methods=["PUT"])
@allow("admin")
@blp.arguments(HolidayCalendarInSchema)
@blp.response(200, HolidayCalendarSchema)
def put_calendar(body: dict[str, Any], year: int) -> dict[str, Any]:
    """录入或替换某年的节假日安排（覆盖 chinesecalendar 对该年的数据；记入审计日志）"""
    holidays.check_year(year)
    has_days, has_text = body.get("days") is not None, body.get("text") is not None
    if has_days == has_text:
        raise OperationError("请提供放假和上班日期的列表或粘贴文本之一", fields={"days": "日期列表与粘贴文本须二选一"})
    days = holidays.days_from_json(year, body["days"]) if has_days else holidays.days_from_text(year, body["text"])
    save_calendar(year, days, body.get("note", ""), acting_user())
    return holidays.calendar_json(year)
