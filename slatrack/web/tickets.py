"""Ticket pages: the queue, create and edit, the history with its deadlines, events, links, ratings,
import, export and the template.

Vendors and the bureau's admins work tickets; units create and follow their own unit's (another
unit's ticket is "not found"); auditors read.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from slatrack import audit, clock
from slatrack.extensions import db
from slatrack.models import Outage
from slatrack.models.enums import CHANNELS, MODES, PRIORITIES, SCORES, TICKET_CATEGORIES, TICKET_EVENTS, TICKET_STATUSES
from slatrack.operations import OperationError
from slatrack.operations.accounts.current import acting_user
from slatrack.operations.reference.units import unit_choices
from slatrack.operations.tickets import export as ticket_export
from slatrack.operations.tickets import importing as ticket_io
from slatrack.operations.tickets import lifecycle as ops
from slatrack.operations.tickets import queries as ticket_queries
from slatrack.policy import EVERYONE, STAFF, allow

bp = Blueprint("ticket_pages", __name__, url_prefix="/tickets")
PER_PAGE = 50
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


# ---------------------------------------------------------------- forms


def _choices(pairs: Any) -> list[SelectChoice]:
    return [SelectChoice(str(value), str(label)) for value, label in pairs]


class TicketForm(FlaskForm):  # type: ignore[misc]
    unit = SelectField("单位", validators=[InputRequired("请选择单位")])
    category = SelectField(
        "类别", choices=_choices(TICKET_CATEGORIES.items()), validators=[InputRequired("请选择类别")]
    )
    priority = SelectField(
        "优先级", choices=_choices(PRIORITIES.items()), default="P3", validators=[InputRequired("请选择优先级")]
    )
    channel = SelectField("渠道", choices=_choices((c, c) for c in CHANNELS), validators=[InputRequired("请选择渠道")])
    mode = SelectField("方式", choices=_choices((m, m) for m in MODES), validators=[InputRequired("请选择方式")])
    title = StringField("标题", validators=[DataRequired("请填写标题"), Length(max=200, message="不超过 200 字")])
    description = TextAreaField("描述", validators=[Optional()])
    requester = StringField("报告人", validators=[Optional(), Length(max=64, message="不超过 64 字")])
    # Empty: the moment the form is submitted (never the moment the page was opened).
    reported_at = DateTimeLocalField("报告时间", format=LOCAL_FORMAT, validators=[Optional()])
    suggested_priority = SelectField("建议优先级", choices=_choices(PRIORITIES.items()), default="P3")  # units only


class EventForm(FlaskForm):  # type: ignore[misc]
    type = SelectField("事件", choices=_choices(TICKET_EVENTS.items()), validators=[InputRequired("请选择事件")])
    at = DateTimeLocalField("发生时间", format=LOCAL_FORMAT, validators=[Optional()])  # empty: on submission
    note = TextAreaField("说明（取消时必填原因）", validators=[Optional()])


class LinkForm(FlaskForm):  # type: ignore[misc]
    outage_id = IntegerField("停机记录编号", validators=[InputRequired("请填写停机记录编号")])


class RatingForm(FlaskForm):  # type: ignore[misc]
    score = SelectField(
        "评分",
        choices=_choices((k, f"{k} 分 · {v}") for k, v in SCORES.items()),
        validators=[InputRequired("请选择评分")],
    )
    comment = TextAreaField("意见", validators=[Optional()])


class ImportForm(FlaskForm):  # type: ignore[misc]
    file = FileField("工单文件（.xlsx 或 .csv）")


# ---------------------------------------------------------------- helpers


def _viewer() -> ticket_queries.Viewer:
    principal = g.principal
    return ticket_queries.Viewer(role=principal.role, unit_id=principal.unit_id, user_id=principal.user_id)


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=clock.local_zone())


def _same_or_new(typed: datetime | None, stored: datetime) -> datetime:
    """The stored time unless the user typed a different minute (the input shows minutes only)."""
    return stored if typed is None or typed == _local_input(stored) else typed.replace(tzinfo=clock.local_zone())


def _local_input(value: datetime) -> datetime:
    return value.astimezone(clock.local_zone()).replace(tzinfo=None, second=0, microsecond=0)


def _unit_pairs() -> list[tuple[str, str]]:
    viewer = _viewer()
    return unit_choices(viewer.unit_id if viewer.unit_only else None)


def _attach(form: FlaskForm, error: OperationError) -> None:
    """Show an operation's refusal beside the fields it names, or at the top of the form."""
    placed = False
    for name, message in error.fields.items():
        target = getattr(form, "unit" if name == "unit_code" else name, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*list(target.errors), message]
            placed = True
    if not placed or error.status == 409:
        flash(error.message, "warning")


def duration_text(minutes: float | None) -> str:
    """``2 小时 5 分``; for the time left and overdue figures (service minutes)."""
    if minutes is None:
        return "—"
    total = round(abs(minutes))
    days, rest = divmod(total, 1440)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} 天")
    if hours:
        parts.append(f"{hours} 小时")
    if mins or not parts:
        parts.append(f"{mins} 分")
    return " ".join(parts)


@bp.app_template_filter("duration")
def _duration_filter(minutes: float | None) -> str:
    return duration_text(minutes)


def _period_args() -> tuple[datetime | None, datetime | None]:
    zone = clock.local_zone()

    def day(name: str) -> date | None:
        text = (request.args.get(name) or "").strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise OperationError(f"日期格式错误：{text}，应为 2025-05-10", fields={name: "日期格式错误"}) from None

    start, end = day("from"), day("to")
    return (
        None if start is None else datetime.combine(start, time(), zone),
        None if end is None else datetime.combine(end + timedelta(days=1), time(), zone),
    )


# ---------------------------------------------------------------- the queue


@bp.route("")
@allow(*EVERYONE)
def queue() -> ResponseReturnValue:
    args = request.args
    choice = {
        "status": [*TICKET_STATUSES, "active"],
        "category": list(TICKET_CATEGORIES),
        "priority": list(PRIORITIES),
        "deadline": list(ops.DEADLINE_STATES),
    }
    picked = {name: (args.get(name) or None) for name in choice}
    picked = {k: (v if v in choice[k] else None) for k, v in picked.items()}
    if "status" not in args:
        picked["status"] = "active" if g.principal.role == "vendor" else None
    unit = args.get("unit") or None
    start, end = _period_args()
    filters = ticket_queries.TicketFilter(
        status=picked["status"],
        unit=unit,
        category=picked["category"],
        priority=picked["priority"],
        deadline=picked["deadline"],
        q=(args.get("q") or "").strip() or None,
        reported_from=start,
        reported_to=end,
    )
    page = max(args.get("page", 1, type=int) or 1, 1)
    total, rows = ticket_queries.count_and_page(filters, _viewer(), page, PER_PAGE)
    now = clock.utcnow()
    items = [(ticket, ticket_queries.deadlines_view(ticket, now)) for ticket in rows]
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    keep = {k: v for k, v in args.items() if k != "page" and v}
    if "status" not in keep and picked["status"]:
        keep["status"] = picked["status"]
    return render_template(
        "tickets/list.html",
        items=items,
        total=total,
        page=page,
        pages=pages,
        query=keep,
        page_url=lambda n: url_for("ticket_pages.queue") + "?" + urlencode({**keep, "page": n}),
        picked=picked,
        unit=unit,
        units=_unit_pairs(),
        statuses=TICKET_STATUSES,
        categories=TICKET_CATEGORIES,
        priorities=PRIORITIES,
        deadline_states=ops.DEADLINE_STATES,
        can_work=g.principal.role in STAFF,
        can_create=g.principal.role in ("admin", "vendor", "unit"),
    )


# ---------------------------------------------------------------- create and edit


@bp.route("/new", methods=["GET", "POST"])
@allow("admin", "vendor", "unit")
def create() -> ResponseReturnValue:
    form = TicketForm()
    form.unit.choices = _choices(_unit_pairs())
    unit = g.principal.role == "unit"  # reported at submission, a suggested priority (docs/tickets.md)
    for name in ("priority", "reported_at") if unit else ("suggested_priority",):
        delattr(form, name)
    if request.method == "GET" and unit:
        form.channel.data = "系统"
    if form.validate_on_submit():
        try:
            ticket = ops.create_ticket(
                suggested_priority=form.suggested_priority.data if unit else None,
                unit_code=form.unit.data,
                category=form.category.data,
                priority=None if unit else form.priority.data,
                channel=form.channel.data,
                mode=form.mode.data,
                title=form.title.data or "",
                description=form.description.data or "",
                requester=form.requester.data or "",
                reported_at=None if unit else _aware(form.reported_at.data),
                user=acting_user(),
            )
        except OperationError as exc:
            db.session.rollback()
            _attach(form, exc)
        else:
            flash(f"已创建工单 {ticket.number}", "success")
            return redirect(url_for("ticket_pages.detail", ticket_id=ticket.id))
    return render_template("tickets/form.html", form=form, ticket=None)


@bp.route("/<int:ticket_id>/edit", methods=["GET", "POST"])
@allow(*STAFF)
def edit(ticket_id: int) -> ResponseReturnValue:
    ticket = ticket_queries.get_ticket(ticket_id, _viewer())
    form = TicketForm(obj=None if request.method == "POST" else ticket)
    form.unit.choices = _choices([(ticket.unit.code, f"{ticket.unit.name}（{ticket.unit.code}）")])
    del form.suggested_priority
    if request.method == "GET":
        form.unit.data = ticket.unit.code
        form.reported_at.data = _local_input(ticket.reported_at)
    if form.validate_on_submit():
        try:
            ops.update_ticket(
                ticket,
                category=form.category.data,
                priority=form.priority.data,
                channel=form.channel.data,
                mode=form.mode.data,
                title=form.title.data or "",
                description=form.description.data or "",
                requester=form.requester.data or "",
                reported_at=_same_or_new(form.reported_at.data, ticket.reported_at),
                user=acting_user(),
            )
        except OperationError as exc:
            db.session.rollback()
            _attach(form, exc)
        else:
            flash("工单已保存", "success")
            return redirect(url_for("ticket_pages.detail", ticket_id=ticket.id))
    return render_template("tickets/form.html", form=form, ticket=ticket)


# ---------------------------------------------------------------- one ticket


def _render_detail(
    ticket_id: int,
    event_form: EventForm | None = None,
    link_form: LinkForm | None = None,
    rating_form: RatingForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    ticket = ticket_queries.get_ticket(ticket_id, _viewer())
    role = g.principal.role
    if event_form is None:
        event_form = EventForm(formdata=None)
    outages = sorted(ticket.outages, key=lambda o: o.start)
    rating = ops.rating_of(ticket)
    return (
        render_template(
            "tickets/detail.html",
            ticket=ticket,
            view=ticket_queries.ticket_view(ticket, detail=True),
            outages=outages,
            rating=rating,
            event_form=event_form,
            link_form=link_form or LinkForm(formdata=None),
            rating_form=rating_form or RatingForm(formdata=None),
            can_work=role in STAFF,
            can_rate=role in ("unit", "admin") and ticket.status == "closed",
            categories=TICKET_CATEGORIES,
            statuses=TICKET_STATUSES,
            scores=SCORES,
        ),
        status,
    )


@bp.route("/<int:ticket_id>")
@allow(*EVERYONE)
def detail(ticket_id: int) -> ResponseReturnValue:
    return _render_detail(ticket_id)


@bp.route("/<int:ticket_id>/events", methods=["POST"])
@allow(*STAFF)
def add_event(ticket_id: int) -> ResponseReturnValue:
    ticket = ticket_queries.get_ticket(ticket_id, _viewer())
    form = EventForm()
    if form.validate_on_submit():
        try:
            at = _aware(form.at.data) if form.at.data else None
            ops.record_event(ticket, form.type.data, at, form.note.data or "", acting_user())
        except OperationError as exc:
            db.session.rollback()
            _attach(form, exc)
            return _render_detail(ticket_id, event_form=form, status=exc.status)
        flash(f"已登记：{TICKET_EVENTS[form.type.data]}", "success")
        return redirect(url_for("ticket_pages.detail", ticket_id=ticket_id))
    return _render_detail(ticket_id, event_form=form, status=422)


@bp.route("/<int:ticket_id>/links", methods=["POST"])
@allow(*STAFF)
def add_link(ticket_id: int) -> ResponseReturnValue:
    ticket = ticket_queries.get_ticket(ticket_id, _viewer())
    form = LinkForm()
    if form.validate_on_submit():
        try:
            outage: Outage = ops.link_outage(ticket, int(form.outage_id.data))
        except OperationError as exc:
            db.session.rollback()
            _attach(form, exc)
            return _render_detail(ticket_id, link_form=form, status=exc.status)
        flash(f"已关联停机记录 #{outage.id}", "success")
        return redirect(url_for("ticket_pages.detail", ticket_id=ticket_id))
    return _render_detail(ticket_id, link_form=form, status=422)


@bp.route("/<int:ticket_id>/rating", methods=["POST"])
@allow("admin", "unit")
def rate(ticket_id: int) -> ResponseReturnValue:
    ticket = ticket_queries.get_ticket(ticket_id, _viewer())
    form = RatingForm()
    if form.validate_on_submit():
        try:
            ops.rate_ticket(ticket, int(form.score.data), form.comment.data or "", acting_user())
        except (OperationError, ValueError) as exc:
            db.session.rollback()
            if isinstance(exc, OperationError):
                _attach(form, exc)
            return _render_detail(ticket_id, rating_form=form, status=getattr(exc, "status", 422))
        flash("感谢您的评价", "success")
        return redirect(url_for("ticket_pages.detail", ticket_id=ticket_id))
    return _render_detail(ticket_id, rating_form=form, status=422)


# ---------------------------------------------------------------- files


@bp.route("/import", methods=["GET", "POST"])
@allow(*STAFF)
def upload() -> ResponseReturnValue:
    form = ImportForm()
    result = None
    status = 200
    if form.validate_on_submit():
        upload_file = form.file.data
        if upload_file is None or not getattr(upload_file, "filename", ""):
            form.file.errors = ["请选择要导入的文件"]
            status = 422
        else:
            try:
                result = ticket_io.import_tickets(upload_file.stream, upload_file.filename, user=acting_user())
            except OperationError as exc:
                db.session.rollback()
                form.file.errors = [exc.message]
                status = exc.status
            else:
                if result.ok:
                    flash(f"已导入 {result.created} 张工单，跳过已存在的 {result.skipped} 张", "success")
                else:
                    status = 422
    return render_template("tickets/import.html", form=form, result=result), status


@bp.route("/export")
@allow(*EVERYONE)
def download() -> ResponseReturnValue:
    fmt = request.args.get("format", "xlsx")
    if fmt not in ("csv", "xlsx"):
        abort(404)
    start, end = _period_args()
    buffer = io.BytesIO()
    ticket_export.export(fmt, buffer, start=start, end=end, viewer=_viewer())
    audit.record("download", object_type="tickets", detail=f"export {fmt} {request.query_string.decode()[:200]}")
    db.session.commit()
    buffer.seek(0)
    stamp = clock.local_time(clock.utcnow()).strftime("%Y%m%d-%H%M")
    mimetype = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return send_file(buffer, mimetype=mimetype, as_attachment=True, download_name=f"工单-{stamp}.{fmt}")


@bp.route("/template.xlsx")
@allow(*EVERYONE)
def blank_template() -> ResponseReturnValue:
    buffer = io.BytesIO()
    ticket_export.template(buffer)
    buffer.seek(0)
    return send_file(
        buffer,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name="工单导入模板.xlsx",
    )
