"""The admin's pages for contracts (with their SLA terms), projects (with budget lines) and starting a year.

Each page parses the form into the API's field names and makes one call into operations/reference; a
refusal re-renders the form with what was typed and the error beside the field it names (nothing written).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from slatrack.clock import local_zone, utcnow
from slatrack.models.enums import PRIORITIES
from slatrack.operations import OperationError
from slatrack.operations.reference import contracts as contract_ops
from slatrack.operations.reference import projects as project_ops
from slatrack.operations.reference.copying import copy_year
from slatrack.operations.reference.fields import CALENDARS, SOURCE_LABELS
from slatrack.operations.reference.indicator_edits import LEVEL2_OF, indicator_json, indicators_of, locked_reason
from slatrack.operations.reference.indicator_edits import SOURCE_LABELS as INDICATOR_SOURCES
from slatrack.policy import allow

bp = Blueprint("reference_admin", __name__, url_prefix="/admin")
BLANK_LINES = 2


def _this_year() -> int:
    return utcnow().astimezone(local_zone()).year


def _contract_values() -> dict[str, Any]:
    form = request.form
    values: dict[str, Any] = {
        name: form.get(name, "").strip()
        for name in ("code", "name", "vendor", "start", "end", "amount", "project", "calendar", "note")
    }
    terms: dict[str, Any] = {}
    for priority in PRIORITIES:
        pair = {}
        for name in ("response_minutes", "resolution_minutes"):
            raw = form.get(f"{priority}_{name}", "").strip()
            pair[name] = int(raw) if raw.isdigit() and len(raw) < 10 else raw
        terms[priority] = pair
    values["terms"] = terms
    return values


def _line_values() -> list[dict[str, Any]]:
    form = request.form
    columns = [form.getlist(f"line_{name}") for name in ("code", "name", "amount", "source", "contract", "condition")]
    lines = []
    for code, name, amount, source, contract, condition in zip(*columns, strict=False):
        if not any(v.strip() for v in (code, name, amount, contract, condition)):
            continue
        lines.append({"code": code.strip(), "name": name.strip(), "amount": amount.strip(), "source": source,
                      "contract": contract.strip() or None, "condition": condition.strip()})  # fmt: skip
    return lines


def _project_values() -> dict[str, Any]:
    form = request.form
    values: dict[str, Any] = {
        name: form.get(name, "").strip()
        for name in ("code", "fiscal_year", "name", "department", "implementer", "overall_goal")
    }
    values["budget_lines"] = _line_values()
    return values


def _common() -> dict[str, Any]:
    return {
        "calendars": CALENDARS,
        "priorities": list(PRIORITIES),
        "line_sources": SOURCE_LABELS,
        "contract_codes": [c.code for c in contract_ops.list_contracts()],
        "project_codes": [p.code for p in project_ops.list_projects()],
        "blank_lines": BLANK_LINES,
    }


def _failed(error: OperationError) -> int:
    flash(error.message, "error")
    return error.status if error.status in (404, 409, 422) else 422


# ------------------------------------------------------------------------------------------ contracts


def _contracts_page(values: dict[str, Any] | None = None, error: OperationError | None = None) -> ResponseReturnValue:
    status = _failed(error) if error else 200  # the message is flashed before the page is drawn
    rows = [contract_ops.contract_json(c) for c in contract_ops.list_contracts()]
    latest = rows[-1] if rows else None
    return render_template(
        "reference/contracts.html",
        rows=rows,
        values=values or {"calendar": "7x24", "terms": latest["terms"] if latest else {}},
        errors=error.fields if error else {},
        **_common(),
    ), status


@bp.route("/contracts")
@allow("admin")
def contracts() -> ResponseReturnValue:
    return _contracts_page()


@bp.route("/contracts", methods=["POST"])
@allow("admin")
def create_contract() -> ResponseReturnValue:
    values = _contract_values()
    try:
        contract = contract_ops.create_contract(values)
    except OperationError as exc:
        return _contracts_page(values, exc)
    flash(f"已新建合同 {contract.code}", "success")
    return redirect(url_for(".contracts"))


def _contract_page(
    code: str, values: dict[str, Any] | None = None, error: OperationError | None = None
) -> ResponseReturnValue:
    status = _failed(error) if error else 200  # the message is flashed before the page is drawn
    contract = contract_ops.get_contract(code)
    return render_template(
        "reference/contract.html",
        contract=contract_ops.contract_json(contract),
        values=values or contract_ops.contract_json(contract),
        errors=error.fields if error else {},
        **_common(),
    ), status


@bp.route("/contracts/<string:code>")
@allow("admin")
def contract(code: str) -> ResponseReturnValue:
    return _contract_page(code)


@bp.route("/contracts/<string:code>", methods=["POST"])
@allow("admin")
def update_contract(code: str) -> ResponseReturnValue:
    values = _contract_values()
    values.pop("code", None)
    try:
        contract_ops.update_contract(contract_ops.get_contract(code), values)
    except OperationError as exc:
        return _contract_page(code, {**values, "code": code}, exc)
    flash(f"已保存合同 {code}", "success")
    return redirect(url_for(".contracts"))


@bp.route("/contracts/<string:code>/delete", methods=["POST"])
@allow("admin")
def delete_contract(code: str) -> ResponseReturnValue:
    try:
        contract_ops.delete_contract(contract_ops.get_contract(code))
    except OperationError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".contract", code=code))
    flash(f"已删除合同 {code}", "success")
    return redirect(url_for(".contracts"))


# ------------------------------------------------------------------------------------------- projects


def _projects_page(values: dict[str, Any] | None = None, error: OperationError | None = None) -> ResponseReturnValue:
    status = _failed(error) if error else 200  # the message is flashed before the page is drawn
    projects = [project_ops.project_json(p) for p in project_ops.list_projects()]
    years = sorted({p["fiscal_year"] for p in projects}, reverse=True)
    latest = years[0] if years else _this_year() - 1
    return render_template(
        "reference/projects.html",
        projects=projects,
        years=years,
        copy_to=max(latest + 1, _this_year()) if years else _this_year(),
        copy_from=latest,
        values=values or {"fiscal_year": max(latest + 1, _this_year()), "budget_lines": []},
        errors=error.fields if error else {},
        **_common(),
    ), status


@bp.route("/projects")
@allow("admin")
def projects() -> ResponseReturnValue:
    return _projects_page()


@bp.route("/projects", methods=["POST"])
@allow("admin")
def create_project() -> ResponseReturnValue:
    values = _project_values()
    try:
        project = project_ops.create_project(values)
    except OperationError as exc:
        return _projects_page(values, exc)
    flash(f"已新建 {project.fiscal_year} 年度项目 {project.code}，请继续添加指标", "success")
    return redirect(url_for(".project", code=project.code))


@bp.route("/years/copy", methods=["POST"])
@allow("admin")
def copy_year_page() -> ResponseReturnValue:
    year, previous = request.form.get("year", ""), request.form.get("previous", "")
    try:
        created = copy_year(year, previous)  # type: ignore[arg-type]  # checked by the operation
    except OperationError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".projects"))
    flash(f"已从 {previous} 年度复制：{'、'.join(p.code for p in created)}。请修改金额和指标值", "success")
    return redirect(url_for(".projects"))


def _project_page(
    code: str, values: dict[str, Any] | None = None, error: OperationError | None = None
) -> ResponseReturnValue:
    status = _failed(error) if error else 200  # the message is flashed before the page is drawn
    project = project_ops.get_project(code)
    data = project_ops.project_json(project)
    return render_template(
        "reference/project.html",
        project=data,
        values=values or data,
        indicators=[indicator_json(i) for i in indicators_of(project)],
        locked=locked_reason(project.fiscal_year),
        levels=LEVEL2_OF,
        sources=INDICATOR_SOURCES,
        errors=error.fields if error else {},
        **_common(),
    ), status


@bp.route("/projects/<string:code>")
@allow("admin")
def project(code: str) -> ResponseReturnValue:
    return _project_page(code)


@bp.route("/projects/<string:code>", methods=["POST"])
@allow("admin")
def update_project(code: str) -> ResponseReturnValue:
    values = _project_values()
    values.pop("code", None)
    try:
        project_ops.update_project(project_ops.get_project(code), values)
    except OperationError as exc:
        return _project_page(code, {**values, "code": code}, exc)
    flash(f"已保存项目 {code}", "success")
    return redirect(url_for(".project", code=code))


@bp.route("/projects/<string:code>/delete", methods=["POST"])
@allow("admin")
def delete_project(code: str) -> ResponseReturnValue:
    try:
        project_ops.delete_project(project_ops.get_project(code))
    except OperationError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".project", code=code))
    flash(f"已删除项目 {code}", "success")
    return redirect(url_for(".projects"))
