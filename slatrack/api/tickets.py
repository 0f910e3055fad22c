"""Service tickets: create, list with filters, read with events and deadlines, record events, link, rate.

Unit users create for and see their own unit only; another unit's ticket answers 404 so ids do not leak.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from slatrack import clock
from slatrack.api import limits
from slatrack.models.enums import CHANNELS, MODES, PRIORITIES, TICKET_CATEGORIES, TICKET_EVENTS, TICKET_STATUSES
from slatrack.operations.accounts.current import acting_user
from slatrack.operations.tickets import closure
from slatrack.operations.tickets import lifecycle as ops
from slatrack.operations.tickets import priority as priority_ops
from slatrack.operations.tickets import queries as ticket_queries
from slatrack.policy import EVERYONE, STAFF, allow

blp = Blueprint("tickets", __name__, description="服务工单")


def _one_of(values: Any, label: str) -> validate.OneOf:
    choices = list(values)
    return validate.OneOf(choices, error=f"{label}应为 " + "、".join(map(str, choices)) + " 之一")


class TicketCreateSchema(Schema):
    unit = limits.text(limits.NAME_MAX, required=True, metadata={"description": "单位代码，例如 522701"})
    category = fields.String(required=True, validate=_one_of(TICKET_CATEGORIES, "类别"))
    priority = fields.String(
        load_default=None,
        validate=_one_of(PRIORITIES, "优先级"),
        metadata={"description": "优先级（运维方、局方填写；使用单位不能填写）"},
    )
    suggested_priority = fields.String(
        load_default=None,
        validate=_one_of(PRIORITIES, "建议优先级"),
        metadata={"description": "使用单位建议的优先级，由运维方确认或调整"},
    )
    channel = fields.String(required=True, validate=_one_of(CHANNELS, "渠道"))
    mode = fields.String(required=True, validate=_one_of(MODES, "方式"))
    title = limits.text(limits.SHORT_MAX, min_length=1, required=True)
    description = limits.text(load_default="")
    requester = limits.text(limits.NAME_MAX, load_default="")
    reported_at = limits.moment(
        load_default=None,
        metadata={"description": "报告时间 (ISO 8601，带时区)；省略即提交时刻；早于提交超过宽限为补记"},
    )


class TicketQuerySchema(Schema):
    status = fields.String(
        load_default=None,
        validate=_one_of([*TICKET_STATUSES, "active"], "状态"),
        metadata={"description": "active=未完成"},
    )
    unit = limits.text(limits.NAME_MAX, load_default=None, metadata={"description": "单位代码"})
    category = fields.String(load_default=None, validate=_one_of(TICKET_CATEGORIES, "类别"))
    priority = fields.String(load_default=None, validate=_one_of(PRIORITIES, "优先级"))
    deadline = fields.String(load_default=None, validate=_one_of(ops.DEADLINE_STATES, "时限状态"))
    q = limits.text(limits.SHORT_MAX, load_default=None, metadata={"description": "标题或编号包含的文字"})
    from_ = limits.day(data_key="from", load_default=None, metadata={"description": "报告日期起 (含)"})
    to = limits.day(load_default=None, metadata={"description": "报告日期止 (含)"})
    page = limits.page(load_default=1)
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500, error="每页条数应为 1 到 500"))


class EventCreateSchema(Schema):
    type = fields.String(required=True, validate=_one_of(TICKET_EVENTS, "事件类型"))
    at = limits.moment(
        load_default=None,
        metadata={"description": "事件发生时间 (ISO 8601，带时区)；省略即提交时刻；早于提交超过宽限为补记"},
    )
    note = limits.text(load_default="")


class PrioritySchema(Schema):
    priority = fields.String(required=True, validate=_one_of(PRIORITIES, "优先级"))
    reason = fields.String(load_default="", metadata={"description": "调整单位建议的优先级时必填"})


class LinkSchema(Schema):
    outage_id = limits.identifier(required=True, metadata={"description": "停机记录 id"})


class RatingCreateSchema(Schema):
    score = fields.Integer(required=True, validate=validate.Range(min=1, max=5, error="评分应为 1 到 5"))
    comment = limits.text(load_default="")


class DeadlineSchema(Schema):
    deadline = fields.AwareDateTime()
    status = fields.String(metadata={"description": "met / breached / pending"})
    status_label = fields.String()
    elapsed_minutes = fields.Float(allow_none=True)
    time_left_minutes = fields.Float(allow_none=True, metadata={"description": "剩余服务分钟，超时为负"})
    overdue_minutes = fields.Float(allow_none=True)


class DeadlinesSchema(Schema):
    calendar = fields.String()
    response = fields.Nested(DeadlineSchema)
    resolution = fields.Nested(DeadlineSchema)
    paused = fields.Boolean()


class LateMarkSchema(Schema):
    status = fields.String(metadata={"description": "pending / confirmed / rejected / bureau"})
    status_label = fields.String()
    counted_as_stated = fields.Boolean()


class EventSchema(Schema):
    id = fields.Integer()
    type = fields.String()
    type_label = fields.String()
    at = fields.AwareDateTime()
    note = fields.String()
    user = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime()
    late = fields.Nested(LateMarkSchema, allow_none=True, metadata={"description": "补记：状态与是否按所填时间计"})


class RatingSchema(Schema):
    score = fields.Integer()
    comment = fields.String()
    rated_at = fields.AwareDateTime()


class TicketSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    unit = fields.String()
    unit_name = fields.String()
    contract = fields.String(allow_none=True)
    category = fields.String()
    category_label = fields.String()
    priority = fields.String()
    suggested_priority = fields.String(allow_none=True, metadata={"description": "使用单位建议的优先级"})
    priority_confirmed = fields.Boolean(metadata={"description": "优先级是否已由运维方确认"})
    priority_reason = fields.String(metadata={"description": "调整建议优先级的理由"})
    channel = fields.String()
    mode = fields.String()
    title = fields.String()
    description = fields.String()
    requester = fields.String()
    reported_at = fields.AwareDateTime()
    status = fields.String()
    status_label = fields.String()
    first_response_at = fields.AwareDateTime(allow_none=True)
    resolved_at = fields.AwareDateTime(allow_none=True)
    response_due_at = fields.AwareDateTime(allow_none=True)
    resolution_due_at = fields.AwareDateTime(allow_none=True)
    deadlines = fields.Nested(DeadlinesSchema, allow_none=True)
    outage_ids = fields.List(fields.Integer())
    events = fields.List(fields.Nested(EventSchema))
    rating = fields.Nested(RatingSchema, allow_none=True)
    reported_late = fields.Nested(LateMarkSchema, allow_none=True, metadata={"description": "报告时间为补记时"})


class TicketPageSchema(Schema):
    items = fields.List(fields.Nested(TicketSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


def _viewer() -> ticket_queries.Viewer:
    principal = g.principal
    return ticket_queries.Viewer(role=principal.role, unit_id=principal.unit_id, user_id=principal.user_id)


def _detail(ticket_id: int) -> dict[str, Any]:
    return ticket_queries.ticket_view(ticket_queries.get_ticket(ticket_id, _viewer()), detail=True)


@blp.route("/tickets", methods=["POST"])
@allow("admin", "vendor", "unit")
@blp.arguments(TicketCreateSchema)
@blp.response(201, TicketSchema)
def create_ticket(data: dict[str, Any]) -> dict[str, Any]:
    """新建工单（使用单位只能为本单位提交）"""
    ticket = ops.create_ticket(
        unit_code=data["unit"],
        category=data["category"],
        priority=data["priority"],
        channel=data["channel"],
        mode=data["mode"],
        title=data["title"],
        description=data["description"],
        requester=data["requester"],
        reported_at=data["reported_at"],
        suggested_priority=data["suggested_priority"],
        user=acting_user(),
    )
    return _detail(ticket.id)


@blp.route("/tickets", methods=["GET"])
@allow(*EVERYONE)
@blp.arguments(TicketQuerySchema, location="query")
@blp.response(200, TicketPageSchema)
def list_tickets(query: dict[str, Any]) -> dict[str, Any]:
    """工单列表：按状态、单位、类别、优先级、时限状态筛选，最先到期的在前"""
    zone = clock.local_zone()
    start = None if query["from_"] is None else datetime.combine(query["from_"], time(), zone)
    end = None if query["to"] is None else datetime.combine(query["to"] + timedelta(days=1), time(), zone)
    filters = ticket_queries.TicketFilter(
        status=query["status"],
        unit=query["unit"],
        category=query["category"],
        priority=query["priority"],
        deadline=query["deadline"],
        q=query["q"],
        reported_from=start,
        reported_to=end,
    )
    total, rows = ticket_queries.count_and_page(filters, _viewer(), query["page"], query["per_page"])
    links = ticket_queries.linked_outage_ids([t.id for t in rows])
    return {
        "items": [ticket_queries.ticket_view(t, outage_ids=links[t.id]) for t in rows],
        "total": total,
        "page": query["page"],
        "per_page": query["per_page"],
    }


@blp.route("/tickets/<int:ticket_id>", methods=["GET"])
@allow(*EVERYONE)
@blp.response(200, TicketSchema)
def get_ticket(ticket_id: int) -> dict[str, Any]:
    """工单详情：事件记录、响应与解决时限"""
    return _detail(ticket_id)


@blp.route("/tickets/<int:ticket_id>/events", methods=["POST"])
@allow(*STAFF)
@blp.arguments(EventCreateSchema)
@blp.response(201, TicketSchema)
def add_event(data: dict[str, Any], ticket_id: int) -> dict[str, Any]:
    """登记工单事件（响应、挂起、恢复、解决、关闭、重新打开、取消、备注）"""
    ticket = ticket_queries.get_ticket(ticket_id, _viewer())
    ops.record_event(ticket, data["type"], data["at"], data["note"], acting_user())
    return _detail(ticket_id)


@blp.route("/tickets/<int:ticket_id>/priority", methods=["POST"])
@allow(*STAFF)
@blp.arguments(PrioritySchema)
@blp.response(200, TicketSchema)
def confirm_priority(data: dict[str, Any], ticket_id: int) -> dict[str, Any]:
    """确认或调整使用单位建议的优先级（调整须填写理由）"""
    ticket = ticket_queries.get_ticket(ticket_id, _viewer())
    priority_ops.confirm_priority(ticket, data["priority"], data["reason"], acting_user(), clock.utcnow())
    return _detail(ticket_id)


class ReturnSchema(Schema):
    reason = fields.String(required=True, metadata={"description": "退回原因"})


@blp.route("/tickets/<int:ticket_id>/confirm-resolution", methods=["POST"])
@allow("admin", "unit")
@blp.response(200, TicketSchema)
def confirm_resolution(ticket_id: int) -> dict[str, Any]:
    """使用单位确认解决（工单关闭，随后可评价）"""
    closure.confirm_resolution(ticket_queries.get_ticket(ticket_id, _viewer()), acting_user())
    return _detail(ticket_id)


@blp.route("/tickets/<int:ticket_id>/return", methods=["POST"])
@allow("admin", "unit")
@blp.arguments(ReturnSchema)
@blp.response(200, TicketSchema)
def return_resolution(data: dict[str, Any], ticket_id: int) -> dict[str, Any]:
    """使用单位退回（重新打开，须填写原因）"""
    closure.return_resolution(ticket_queries.get_ticket(ticket_id, _viewer()), data["reason"], acting_user())
    return _detail(ticket_id)


@blp.route("/tickets/<int:ticket_id>/links", methods=["POST"])
@allow(*STAFF)
@blp.arguments(LinkSchema)
@blp.response(201, TicketSchema)
def add_link(data: dict[str, Any], ticket_id: int) -> dict[str, Any]:
    """关联停机记录"""
    ticket = ticket_queries.get_ticket(ticket_id, _viewer())
    ops.link_outage(ticket, data["outage_id"])
    return _detail(ticket_id)


@blp.route("/tickets/<int:ticket_id>/rating", methods=["POST"])
@allow("admin", "unit")
@blp.arguments(RatingCreateSchema)
@blp.response(201, TicketSchema)
def rate(data: dict[str, Any], ticket_id: int) -> dict[str, Any]:
    """评价已关闭的工单（1-5 分）"""
    ticket = ticket_queries.get_ticket(ticket_id, _viewer())
    ops.rate_ticket(ticket, data["score"], data["comment"], acting_user())
    return _detail(ticket_id)
