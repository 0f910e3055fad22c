"""The audit log for the auditor: filter by time range, user, action and object; page; export as CSV."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from math import ceil
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, render_template, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from slatrack.clock import local_zone
from slatrack.labels import table_label
from slatrack.models import utcnow
from slatrack.operations import OperationError
from slatrack.operations.accounts import audit_log as ops
from slatrack.policy import allow

bp = Blueprint("audit_log", __name__, url_prefix="/audit")


class FilterForm(FlaskForm):  # type: ignore[misc]
    class Meta:
        csrf = False  # a GET search form that changes nothing

    start = DateField("开始日期", validators=[Optional()])
    end = DateField("结束日期（含）", validators=[Optional()])
    actor = StringField("用户", validators=[Optional(), Length(max=80)])
    action = SelectField("事件", choices=[], validate_choice=False)
    object_type = SelectField("对象类型", choices=[], validate_choice=False)
    object_id = StringField("对象编号", validators=[Optional(), Length(max=48)])


def _form() -> FilterForm:
    form = FilterForm(request.args)
    found = ops.choices()
    form.action.choices = [
        SelectChoice("", "全部"),
        *[SelectChoice(a, ops.ACTION_LABELS.get(a, a)) for a in found["actions"]],
    ]
    form.object_type.choices = [
        SelectChoice("", "全部"),
        *[SelectChoice(t, table_label(t)) for t in found["object_types"]],
    ]
    return form


def _instant(day: date | None, zone: ZoneInfo) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), zone)


def _filter(form: FilterForm) -> ops.AuditFilter | None:
    """The filter the form asks for, or None with the errors placed next to the fields."""
    if request.args and not form.validate():
        return None
    zone = local_zone()
    start = _instant(form.start.data, zone)
    end_day = form.end.data
    end = _instant(end_day + timedelta(days=1), zone) if end_day is not None else None
    try:
        return ops.AuditFilter(
            start=start,
            end=end,
            actor=form.actor.data or "",
            action=form.action.data or "",
            object_type=form.object_type.data or "",
            object_id=form.object_id.data or "",
        )
    except OperationError as exc:
        for name, message in exc.fields.items():
            target = form.end if name == "end" else getattr(form, name, form.start)
            target.errors = [*list(target.errors), message if name != "end" else "结束日期不能早于开始日期"]
        return None


def quick_periods(today: date) -> list[tuple[str, date, date]]:
    """The period control's choices (label, first day, last day), each ending today."""
    quarter_start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    return [
        ("今天", today, today),
        ("近 7 天", today - timedelta(days=6), today),
        ("近 30 天", today - timedelta(days=29), today),
        ("本月", today.replace(day=1), today),
        ("本季度", quarter_start, today),
        ("本年", date(today.year, 1, 1), today),
    ]


def _period_links() -> list[dict[str, object]]:
    today = utcnow().astimezone(local_zone()).date()
    kept = {k: v for k, v in _args().items() if k not in ("start", "end")}
    picked = (request.args.get("start", ""), request.args.get("end", ""))
    return [
        {
            "label": label,
            "url": url_for("audit_log.index")
            + "?"
            + urlencode({**kept, "start": first.isoformat(), "end": last.isoformat()}),
            "current": picked == (first.isoformat(), last.isoformat()),
        }
        for label, first, last in quick_periods(today)
    ]


def _args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k != "page" and v}


@bp.route("")
@allow("auditor")
def index() -> ResponseReturnValue:
    form = _form()
    flt = _filter(form)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    total, rows = (0, []) if flt is None else ops.page_of(flt, page)
    pages = max(ceil(total / ops.PER_PAGE), 1)
    return (
        render_template(
            "audit/index.html",
            form=form,
            rows=rows,
            total=total,
            page=page,
            pages=pages,
            args=_args(),
            actions=ops.ACTION_LABELS,
            outcomes=ops.OUTCOME_LABELS,
            periods=_period_links(),
        ),
        200 if flt is not None else 422,
    )


@bp.route("/export.csv")
@allow("auditor")
def export() -> ResponseReturnValue:
    form = _form()
    flt = _filter(form)
    if flt is None:
        return index()
    stamp = utcnow().astimezone(local_zone()).strftime("%Y%m%d-%H%M")
    return Response(
        stream_with_context(ops.export_csv(flt)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="audit-log-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )
