"""Pages for record keeping: monthly inspections with evidence, the satisfaction survey and its import,
the budget with payments, and manual indicator entries with the yearly review."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, DateTimeLocalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from slatrack import audit
from slatrack.clock import local_time, local_today, local_zone, utcnow
from slatrack.extensions import db
from slatrack.models.enums import INSPECTION_KINDS
from slatrack.operations import OperationError
from slatrack.operations.accounts.current import acting_user
from slatrack.operations.records import entries as entry_ops
from slatrack.operations.records import inspections as inspection_ops
from slatrack.operations.records import payments as payment_ops
from slatrack.operations.records import survey as survey_ops
from slatrack.operations.records.survey_import import SurveyImportRejected, import_responses
from slatrack.operations.reference.units import get_unit
from slatrack.policy import READERS, STAFF, allow
from slatrack.web.periods import shown_period

bp = Blueprint("records", __name__)


def _choices(pairs: Any) -> list[SelectChoice]:
    return [SelectChoice(str(value), str(label)) for value, label in pairs]


SCORE_CHOICES = _choices((score, f"{score} {label}") for score, label in survey_ops.SCORE_LABELS.items())
GRADE_CHOICES = _choices((grade, grade) for grade in entry_ops.GRADES)


# ---------------------------------------------------------------- forms


class InspectionForm(FlaskForm):  # type: ignore[misc]
    month = StringField("检查月份", validators=[DataRequired("请填写月份，例如 2025-05")])
    kind = RadioField(
        "检查类型", choices=_choices(INSPECTION_KINDS.items()), validators=[InputRequired("请选择检查类型")]
    )
    performed_at = DateTimeLocalField(
        "检查时间", format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"], validators=[InputRequired("请填写检查时间")]
    )
    passed = RadioField(
        "检查结果", choices=_choices([("1", "通过"), ("0", "未通过")]), validators=[InputRequired("请选择检查结果")]
    )
    performed_by = StringField("检查人", validators=[Optional(), Length(max=64, message="不能超过 64 个字")])
    findings = TextAreaField("检查发现", validators=[Optional(), Length(max=5000, message="不能超过 5000 个字")])
    evidence = FileField("证明材料")


class SurveyForm(FlaskForm):  # type: ignore[misc]
    # Not limited to the listed choices here: the operation refuses another unit with a clear message.
    unit = SelectField("单位", validators=[InputRequired("请选择单位")], validate_choice=False)
    period = StringField("期间", validators=[DataRequired("请填写期间，例如 2025 或 2025Q2")])
    score = RadioField("总体满意度", choices=SCORE_CHOICES, validators=[InputRequired("请选择满意度")])
    comment = TextAreaField("意见和建议", validators=[Optional(), Length(max=2000, message="不能超过 2000 个字")])


class SurveyImportForm(FlaskForm):  # type: ignore[misc]
    file = FileField("答卷文件（.xlsx 或 .csv）")


class PaymentForm(FlaskForm):  # type: ignore[misc]
    line = SelectField("预算科目", validators=[InputRequired("请选择预算科目")])
    amount = StringField("金额（元）", validators=[DataRequired("请填写金额")])
    paid_on = DateField("支付日期", validators=[InputRequired("请填写支付日期")])
    voucher = StringField("凭证号", validators=[Optional(), Length(max=64, message="不能超过 64 个字")])
    note = TextAreaField("备注", validators=[Optional(), Length(max=2000, message="不能超过 2000 个字")])


class EntryForm(FlaskForm):  # type: ignore[misc]
    occurred_on = DateField("发生日期", validators=[InputRequired("请填写发生日期")])
    quantity = StringField("数量", validators=[Optional()])
    grade = RadioField("评级", choices=GRADE_CHOICES, validators=[Optional()], validate_choice=False)
    note = TextAreaField("说明", validators=[Optional(), Length(max=2000, message="不能超过 2000 个字")])


class ReviewForm(FlaskForm):  # type: ignore[misc]
    deviation_reason = TextAreaField("偏差原因", validators=[Length(max=5000, message="不能超过 5000 个字")])
    improvement = TextAreaField("改进措施", validators=[Length(max=5000, message="不能超过 5000 个字")])


# ---------------------------------------------------------------- helpers


def _attach(form: FlaskForm, exc: OperationError) -> None:
    """Show an operation's error next to the field it names (or above the form)."""
    placed = False
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
            placed = True
    if not placed:
        form.form_errors.append(exc.message)


def _year_arg() -> int:
    """The year of the one year/quarter selector (web/periods.py: the query, else the remembered choice, else
    the year it is)."""
    return shown_period().year


def _local(value: datetime) -> datetime:
    return value.replace(tzinfo=local_zone()) if value.tzinfo is None else value


# ---------------------------------------------------------------- inspections


@bp.route("/inspections")
@allow(*READERS)
def inspections() -> ResponseReturnValue:
    year = _year_arg()
    grid = inspection_ops.inspection_grid(year)
    records = inspection_ops.inspections_of_year(year)
    return render_template(
        "records/inspections.html", year=year, grid=grid, records=records, kinds=INSPECTION_KINDS, can_edit=_staff()
    )


def _staff() -> bool:
    return g.principal is not None and g.principal.role in STAFF


@bp.route("/inspections/new", methods=["GET", "POST"])
@allow(*STAFF)
def new_inspection() -> ResponseReturnValue:
    form = InspectionForm()
    if request.method == "GET":
        form.month.data = request.args.get("month") or shown_period().default_date().strftime("%Y-%m")
        form.kind.data = request.args.get("kind") if request.args.get("kind") in INSPECTION_KINDS else "security"
    if form.validate_on_submit():
        upload = form.evidence.data
        evidence = (upload.stream, upload.filename or "") if upload and getattr(upload, "filename", "") else None
        try:
            inspection = inspection_ops.record_inspection(
                month=(form.month.data or "").strip(),
                kind=form.kind.data,
                performed_at=_local(form.performed_at.data),
                passed=form.passed.data == "1",
                findings=form.findings.data or "",
                performed_by=form.performed_by.data or None,
                user=acting_user(),
                evidence=evidence,
            )
        except OperationError as exc:
            _attach(form, exc)
        else:
            flash(f"已登记 {inspection.month} {INSPECTION_KINDS[inspection.kind]}", "success")
            return redirect(url_for("records.inspections", year=inspection.month[:4]))
    limit_mb = inspection_ops.evidence_limit() // (1024 * 1024)
    return render_template(
        "records/inspection_form.html", form=form, extensions=inspection_ops.EVIDENCE_EXTENSIONS, limit_mb=limit_mb
    )


@bp.route("/inspections/<int:inspection_id>/evidence")
@allow(*READERS)
def inspection_evidence(inspection_id: int) -> ResponseReturnValue:
    inspection = inspection_ops.get_inspection(inspection_id)
    path = inspection_ops.evidence_path(inspection)
    audit.record("download", object_type="inspections", object_id=str(inspection.id), detail=path.name)
    db.session.commit()
    return send_file(path, as_attachment=True, download_name=path.name)


# ---------------------------------------------------------------- survey


def _survey_form(period: str) -> SurveyForm:
    form = SurveyForm()
    principal = g.principal
    if principal.role == "unit":
        unit = get_unit(principal.unit_id)
        form.unit.choices = [] if unit is None else _choices([(unit.code, unit.name)])
        if unit is not None and not form.is_submitted():
            form.unit.data = unit.code
    else:
        form.unit.choices = _choices((u.code, f"{u.name}（{u.code}）") for u in survey_ops.top_units())
    if not form.period.data:
        form.period.data = period
    return form


def _score_label(score: int) -> str:
    return survey_ops.SCORE_LABELS.get(score, "")


def _survey_period() -> str:
    """An explicit ``?period=`` (a year or a quarter), else the selector's year."""
    return request.args.get("period") or str(shown_period().year)


def _survey_page(form: SurveyForm, import_form: SurveyImportForm, problems: list[Any] | None = None) -> str:
    period = _survey_period()
    try:
        period = survey_ops.check_period(period)
    except OperationError:
        period = str(shown_period().year)
    principal = g.principal
    if principal.role == "unit":
        mine = survey_ops.responses_for(period, principal.unit_id)
        return render_template(
            "records/survey.html", form=form, period=period, mine=mine, unit_view=True, score_label=_score_label
        )
    summary = survey_ops.survey_summary(period)
    responses = survey_ops.responses_for(period)
    return render_template(
        "records/survey.html",
        form=form,
        import_form=import_form,
        period=period,
        summary=summary,
        responses=responses,
        problems=problems,
        unit_view=False,
        can_edit=principal.role == "admin",
        score_label=_score_label,
    )


@bp.route("/survey")
@allow("admin", "unit", "auditor")
def survey() -> ResponseReturnValue:
    return _survey_page(_survey_form(_survey_period()), SurveyImportForm())


@bp.route("/survey", methods=["POST"])
@allow("admin", "unit")
def answer_survey() -> ResponseReturnValue:
    form = _survey_form(str(shown_period().year))
    if form.validate_on_submit():
        try:
            response = survey_ops.record_response(
                unit=form.unit.data,
                period=(form.period.data or "").strip(),
                score=int(form.score.data),
                comment=form.comment.data or "",
                responded_at=local_time(utcnow()),
                user=acting_user(),
            )
        except OperationError as exc:
            _attach(form, exc)
        else:
            flash(f"已提交 {response.unit.name} {response.period} 满意度答卷，感谢您的评价", "success")
            return redirect(url_for("records.survey", period=response.period))
    return _survey_page(form, SurveyImportForm())


@bp.route("/survey/import", methods=["POST"])
@allow("admin")
def import_survey() -> ResponseReturnValue:
    import_form = SurveyImportForm()
    problems = None
    if import_form.validate_on_submit():
        upload = import_form.file.data
        if not upload or not getattr(upload, "filename", ""):
            import_form.file.errors = ["请选择要导入的文件"]
        else:
            try:
                result = import_responses(upload.stream, upload.filename, user=acting_user())
            except SurveyImportRejected as exc:
                problems = exc.problems
                import_form.file.errors = [f"文件有 {len(problems)} 处错误，未导入任何记录"]
            except OperationError as exc:
                import_form.file.errors = [exc.message]
            else:
                flash(f"导入完成：新增 {result.created} 条，已存在跳过 {result.skipped} 条", "success")
                for warning in result.warnings:
                    flash(f"已导入，但{warning}", "warning")
                return redirect(url_for("records.survey", period=request.args.get("period") or None))
    return _survey_page(_survey_form(str(shown_period().year)), import_form, problems)


# ---------------------------------------------------------------- budget and payments


def _payment_form(year: int) -> PaymentForm:
    form = PaymentForm()
    form.line.choices = _choices(
        (line.code, f"{line.name}（{line.code}，预算 ¥{line.amount:,.2f}）") for line in payment_ops.budget_lines(year)
    )
    return form


def _budget_page(form: PaymentForm, year: int) -> str:
    try:
        projects = payment_ops.budget_overview(year)
    except OperationError:
        projects = []
    return render_template(
        "records/budget.html", year=year, projects=projects, form=form, can_edit=g.principal.role == "admin"
    )


@bp.route("/budget")
@allow("admin", "auditor")
def budget() -> ResponseReturnValue:
    year = _year_arg()
    form = _payment_form(year)
    if not form.paid_on.data:
        form.paid_on.data = shown_period().default_date() if shown_period().year == year else local_today()
    return _budget_page(form, year)


@bp.route("/budget/payments", methods=["POST"])
@allow("admin")
def add_payment() -> ResponseReturnValue:
    year = _year_arg()
    form = _payment_form(year)
    if form.validate_on_submit():
        try:
            payment = payment_ops.record_payment(
                line=form.line.data,
                amount=form.amount.data or "",
                paid_on=form.paid_on.data,
                voucher=form.voucher.data or "",
                note=form.note.data or "",
                user=acting_user(),
            )
        except OperationError as exc:
            _attach(form, exc)
        else:
            flash(f"已登记支付 ¥{payment.amount:,.2f}（{payment.budget_line.name}）", "success")
            return redirect(url_for("records.budget", year=payment.budget_line.fiscal_year))
    return _budget_page(form, year)


# ---------------------------------------------------------------- indicator entries and reviews


@bp.route("/indicator-entries")
@allow(*READERS)
def indicator_entries() -> ResponseReturnValue:
    year = _year_arg()
    return render_template("records/entries.html", year=year, rows=entry_ops.entry_indicators(year))


def _indicator_page(
    code: str, year: int, entry_form: EntryForm, review_form: ReviewForm, fill_review: bool = True
) -> str:
    indicator = entry_ops.find_indicator(code)
    review = entry_ops.review_of(code, year)
    if fill_review:
        review_form.deviation_reason.data = "" if review is None else review.deviation_reason
        review_form.improvement.data = "" if review is None else review.improvement
    return render_template(
        "records/indicator.html",
        indicator=indicator,
        kind=entry_ops.entry_kind(indicator),
        year=year,
        entries=entry_ops.entries_of(code, year),
        review=review,
        entry_form=entry_form,
        review_form=review_form,
        can_edit=g.principal.role == "admin",
    )


def _indicator_year(code: str) -> int:
    year = request.args.get("year", type=int)
    return year if year else entry_ops.find_indicator(code).project.fiscal_year


@bp.route("/indicator-entries/<code>")
@allow(*READERS)
def indicator_detail(code: str) -> ResponseReturnValue:
    year = _indicator_year(code)
    entry_form = EntryForm()
    entry_form.occurred_on.data = min(local_today(), local_today().replace(year=year, month=12, day=31))
    return _indicator_page(code, year, entry_form, ReviewForm(formdata=None))


@bp.route("/indicator-entries/<code>/entries", methods=["POST"])
@allow("admin")
def add_indicator_entry(code: str) -> ResponseReturnValue:
    year = _indicator_year(code)
    indicator = entry_ops.find_indicator(code)
    form = EntryForm()
    if form.validate_on_submit():
        try:
            entry_ops.add_entry(
                code,
                year=year,
                occurred_on=form.occurred_on.data,
                quantity=(form.quantity.data or "").strip() or None,
                grade=form.grade.data or None,
                note=form.note.data or "",
                user=acting_user(),
            )
        except OperationError as exc:
            _attach(form, exc)
        else:
            flash(f"已为“{indicator.name}”录入一条记录", "success")
            return redirect(url_for("records.indicator_detail", code=code, year=year))
    return _indicator_page(code, year, form, ReviewForm(formdata=None))


@bp.route("/indicator-entries/<code>/review", methods=["POST"])
@allow("admin")
def save_indicator_review(code: str) -> ResponseReturnValue:
    year = _indicator_year(code)
    entry_ops.find_indicator(code)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            entry_ops.save_review(
                code,
                year=year,
                deviation_reason=form.deviation_reason.data or "",
                improvement=form.improvement.data or "",
                user=acting_user(),
            )
        except OperationError as exc:
            _attach(form, exc)
        else:
            flash("已保存偏差原因及改进措施", "success")
            return redirect(url_for("records.indicator_detail", code=code, year=year))
    entry_form = EntryForm(formdata=None)
    return _indicator_page(code, year, entry_form, form, fill_review=False)
