"""The holiday calendars page (节假日安排): which years the working-days calendar knows, and an admin form to
enter or paste a year's days off and make-up working days (docs/years.md)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from slatrack.clock import local_today
from slatrack.operations import OperationError
from slatrack.operations.accounts.current import acting_user
from slatrack.operations.reference import holidays
from slatrack.operations.reference.holiday_entry import save_calendar
from slatrack.policy import READERS, allow

bp = Blueprint("holiday_pages", __name__, url_prefix="/admin/holidays")


class ArrangementForm(FlaskForm):  # type: ignore[misc]
    text = TextAreaField("全年放假和调休安排", validators=[Length(max=20000)])
    note = StringField("说明（如通知文号）", validators=[Optional(), Length(max=500)])


@bp.route("")
@allow(*READERS)
def index() -> ResponseReturnValue:
    today = local_today()
    rows = [holidays.calendar_json(year) for year in holidays.shown_years(today)]
    return render_template("admin/holidays.html", rows=rows, today=today)


def _page(year: int, form: ArrangementForm, status: int = 200) -> ResponseReturnValue:
    return render_template("admin/holiday_year.html", calendar=holidays.calendar_json(year), form=form), status


def _year(year: int) -> int:
    try:
        return holidays.check_year(year)
    except OperationError:
        abort(404)


@bp.route("/<int:year>")
@allow(*READERS)
def year_page(year: int) -> ResponseReturnValue:
    year = _year(year)
    form = ArrangementForm()
    calendar = holidays.calendar_json(year)
    form.text.data = calendar["text"]
    form.note.data = calendar["note"]
    return _page(year, form)


@bp.route("/<int:year>", methods=["POST"])
@allow("admin")
def save(year: int) -> ResponseReturnValue:
    year = _year(year)
    form = ArrangementForm()
    if not form.validate_on_submit():
        return _page(year, form, 422)
    try:
        days = holidays.days_from_text(year, form.text.data)
        save_calendar(year, days, form.note.data or "", acting_user())
    except OperationError as exc:
        problems = exc.fields.get("text") or exc.fields.get("note") or exc.message
        target = form.note if "note" in exc.fields else form.text
        target.errors = [*list(target.errors), *str(problems).split("；")]
        return _page(year, form, 422)
    holidays_off = sum(1 for d in days if d.kind == "holiday")
    flash(f"已保存 {year} 年节假日安排：放假 {holidays_off} 天，调休上班 {len(days) - holidays_off} 天", "success")
    return redirect(url_for("holiday_pages.year_page", year=year))
