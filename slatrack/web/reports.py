"""The reports page: the year's quarterly reports with their status, the texts entered before generating,
a preview of the figures, downloads, submit and accept; and the annual self-evaluation of both projects."""

from __future__ import annotations

import base64
import io

from flask import Blueprint, flash, g, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from slatrack.operations import OperationError
from slatrack.operations.accounts.current import acting_user
from slatrack.operations.figures import report_checks, report_status, submission
from slatrack.operations.figures.documents import (
    ReportFile,
    quarterly_document,
    quarterly_file,
    self_evaluation_file,
    self_evaluation_preview,
)
from slatrack.operations.figures.report_texts import (
    save_quarterly_texts,
    save_self_evaluation_texts,
    self_evaluation_texts,
)
from slatrack.operations.reference.years import projects_of
from slatrack.policy import READERS, STAFF, allow
from slatrack.reports import quarterly_format, selfeval
from slatrack.reports.data import ProjectTexts
from slatrack.reports.document import Chart, Paragraph, Table, display
from slatrack.reports.form import form_text
from slatrack.web.periods import shown_period

bp = Blueprint("report_pages", __name__)


def _role() -> str:
    return str(g.principal.role) if g.principal is not None else ""


def _year_arg() -> int:
    return shown_period().year


def _send(report: ReportFile) -> ResponseReturnValue:
    return send_file(io.BytesIO(report.content), mimetype=report.mimetype, as_attachment=True,
                     download_name=report.filename)  # fmt: skip


def _template_helpers() -> dict[str, object]:
    def chart_src(chart: Chart) -> str:
        return "data:image/png;base64," + base64.b64encode(chart.png).decode("ascii")

    return {"cell": display, "chart_src": chart_src, "Paragraph": Paragraph, "Table": Table, "Chart": Chart}


@bp.route("/reports")
@allow(*READERS)
def index() -> ResponseReturnValue:
    year = _year_arg()
    reports = report_status.quarterly_reports(year)
    quarters = []
    for number in range(1, 5):
        label = f"{year}Q{number}"
        report = reports.get(label)
        quarters.append(
            {
                "label": label,
                "title": quarterly_format.quarter_title(label),
                "report": report,
                "status": report_status.STATUS_LABELS[report.status] if report else "未起草",
                "revised": bool(report and report.frozen_figures and report_status.revisions(report)),
            }
        )
    return render_template("reports/index.html", year=year, quarters=quarters)


@bp.route("/reports/quarterly/<quarter>")
@allow(*READERS)
def quarter_page(quarter: str) -> ResponseReturnValue:
    label = quarter.strip().upper()
    status = report_status.status_json(label)
    document = quarterly_document(label, records=False)  # the page previews the report, not the record sheets
    report = report_status.find_report(label)
    return render_template(
        "reports/quarter.html",
        missing=report_checks.missing_for(label, report) if report is None or report.status == "draft" else {},
        label=label,
        title=quarterly_format.quarter_title(label),
        status=status,
        report=report,
        document=document,
        can_edit=_role() in STAFF and (report is None or report.status == "draft"),
        can_submit=_role() in STAFF,
        can_accept=_role() == "admin",
        **_template_helpers(),
    )


@bp.route("/reports/quarterly/<quarter>/texts", methods=["POST"])
@allow(*STAFF)
def quarter_texts(quarter: str) -> ResponseReturnValue:
    label = quarter.strip().upper()
    try:
        save_quarterly_texts(label, request.form.get("problems", ""), request.form.get("next_plan", ""))
    except OperationError as exc:
        if exc.fields.get("quarter"):
            raise
        flash(exc.message, "warning")
    else:
        flash("已保存存在的问题和下季度工作计划", "success")
    return redirect(url_for("report_pages.quarter_page", quarter=label))


@bp.route("/reports/quarterly/<quarter>/submit", methods=["POST"])
@allow(*STAFF)
def submit(quarter: str) -> ResponseReturnValue:
    label = quarter.strip().upper()
    report_status.quarter_dates(label)
    if request.form.get("confirm") != "1":  # the confirmation step before the figures are frozen
        flash("请先勾选确认：提交后数字冻结，不能撤回", "warning")
        return redirect(url_for("report_pages.quarter_page", quarter=label))
    try:
        submission.submit(label, acting_user())
    except OperationError as exc:
        flash(exc.message, "warning")
    else:
        flash(f"{quarterly_format.quarter_title(label)}运维报告已提交，当前数字已冻结", "success")
    return redirect(url_for("report_pages.quarter_page", quarter=label))


@bp.route("/reports/quarterly/<quarter>/accept", methods=["POST"])
@allow("admin")
def accept(quarter: str) -> ResponseReturnValue:
    label = quarter.strip().upper()
    report_status.quarter_dates(label)
    try:
        report_status.accept(label, acting_user())
    except OperationError as exc:
        flash(exc.message, "warning")
    else:
        flash(f"{quarterly_format.quarter_title(label)}运维报告已验收", "success")
    return redirect(url_for("report_pages.quarter_page", quarter=label))


@bp.route("/reports/quarterly/<quarter>/download")
@allow(*READERS)
def quarter_download(quarter: str) -> ResponseReturnValue:
    return _send(quarterly_file(quarter, request.args.get("format"), via="page"))


@bp.route("/reports/self-evaluation/<year>")
@allow(*READERS)
def self_evaluation_page(year: str) -> ResponseReturnValue:
    number = selfeval.parse_year(year)
    document, missing = self_evaluation_preview(number)
    projects = projects_of(number)
    return render_template(
        "reports/self_evaluation.html",
        year=number,
        document=document,
        missing=missing,
        cell_text=form_text,
        projects=projects,
        texts=self_evaluation_texts(number),
        can_edit=_role() == "admin",
        **_template_helpers(),
    )


@bp.route("/reports/self-evaluation/<year>/texts", methods=["POST"])
@allow("admin")
def self_evaluation_texts_save(year: str) -> ResponseReturnValue:
    number = selfeval.parse_year(year)
    known = self_evaluation_texts(number)
    texts = {
        code: ProjectTexts(request.form.get(f"achieved-{code}", ""), request.form.get(f"notes-{code}", ""))
        for code in known
    }
    try:
        save_self_evaluation_texts(number, texts)
    except OperationError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "warning")
    else:
        flash("已保存年度总体目标完成情况和说明", "success")
    return redirect(url_for("report_pages.self_evaluation_page", year=number))


@bp.route("/reports/self-evaluation/<year>/download")
@allow(*READERS)
def self_evaluation_download(year: str) -> ResponseReturnValue:
    return _send(self_evaluation_file(year, request.args.get("format"), via="page"))
