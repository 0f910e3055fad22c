"""The admin's pages for a project's indicators (add, change with a reason once submitted, remove) and the
approval-form upload: a preview of what the workbook will create, then the import, all or nothing."""

from __future__ import annotations

import io
import re
import secrets
import time
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from slatrack.operations import OperationError
from slatrack.operations.accounts.current import acting_user
from slatrack.operations.reference import indicator_edits as ops
from slatrack.operations.reference.forms_import import FormsImport, import_forms
from slatrack.operations.reference.projects import get_project
from slatrack.policy import allow

bp = Blueprint("reference_forms", __name__, url_prefix="/admin")
# An approval form is a few dozen rows: a larger upload is refused.
MAX_FORM_BYTES = 2 * 1024 * 1024
INDICATOR_FIELDS = ("level1", "level2", "name", "operator", "target", "target_text", "unit", "weight", "source",
                    "explanation", "reason")  # fmt: skip


def _indicator_values() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in INDICATOR_FIELDS:
        if name in request.form:
            raw = request.form.get(name, "").strip()
            values[name] = None if raw == "" and name in ("target", "weight") else raw
    return values


@bp.route("/projects/<string:code>/indicators", methods=["POST"])
@allow("admin")
def add_indicator(code: str) -> ResponseReturnValue:
    try:
        indicator = ops.create_indicator(get_project(code), _indicator_values(), acting_user())
    except OperationError as exc:
        flash(f"未添加指标：{exc.message}", "error")
    else:
        flash(f"已添加指标 {indicator.code}：{indicator.name}", "success")
    return redirect(url_for("reference_admin.project", code=code))


@bp.route("/indicators/<int:indicator_id>", methods=["POST"])
@allow("admin")
def update_indicator(indicator_id: int) -> ResponseReturnValue:
    indicator = ops.get_indicator(indicator_id)
    code = indicator.project.code
    try:
        ops.update_indicator(indicator, _indicator_values(), acting_user())
    except OperationError as exc:
        flash(f"未保存指标「{indicator.name}」：{exc.message}", "error")
    else:
        flash(f"已保存指标 {indicator.code}", "success")
    return redirect(url_for("reference_admin.project", code=code) + f"#indicator-{indicator_id}")


@bp.route("/indicators/<int:indicator_id>/delete", methods=["POST"])
@allow("admin")
def delete_indicator(indicator_id: int) -> ResponseReturnValue:
    indicator = ops.get_indicator(indicator_id)
    code, name = indicator.project.code, indicator.name
    try:
        ops.delete_indicator(indicator)
    except OperationError as exc:
        flash(exc.message, "error")
    else:
        flash(f"已删除指标「{name}」", "success")
    return redirect(url_for("reference_admin.project", code=code))


def _held(token: str) -> Path | None:
    """The previewed workbook kept under the instance folder for its confirmation, by its token."""
    if not re.fullmatch(r"[0-9a-f]{32}", token):
        return None
    path = Path(current_app.instance_path) / "uploads" / f"forms-{token}.xlsx"
    return path if path.is_file() else None


def _hold(data: bytes) -> str:
    """Keep a previewed workbook until it is confirmed (files older than a day are cleared on the way)."""
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("forms-*.xlsx"):
        if time.time() - old.stat().st_mtime > 86400:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    (folder / f"forms-{token}.xlsx").write_bytes(data)
    return token


def _upload() -> tuple[bytes, str, Path | None] | None:
    """The workbook of this request: a new upload, or the previewed one being confirmed."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        return upload.stream.read(MAX_FORM_BYTES + 1), upload.filename, None
    held = _held(request.form.get("token", ""))
    if held is not None:
        return held.read_bytes(), request.form.get("filename", "批复表.xlsx")[:128] or "批复表.xlsx", held
    return None


@bp.route("/forms/import", methods=["GET", "POST"])
@allow("admin")
def forms_import() -> ResponseReturnValue:
    result: FormsImport | None = None
    token = filename = ""
    status = 200
    if request.method == "POST":
        upload = _upload()
        year_text = request.form.get("year", "").strip()
        year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else None
        if upload is None:
            flash("请选择批复表文件（.xlsx）；预览已过期时请重新上传", "error")
            status = 422
        elif len(upload[0]) > MAX_FORM_BYTES:
            flash(f"文件过大：批复表不应超过 {MAX_FORM_BYTES // 1024 // 1024} MB", "error")
            status = 413
        else:
            data, filename, held = upload
            commit = request.form.get("commit") == "1"
            try:
                result = import_forms(io.BytesIO(data), filename, year, commit=commit)
            except OperationError as exc:
                flash(exc.message, "error")
                status = 422
            else:
                if result.created:
                    if held is not None:
                        held.unlink(missing_ok=True)
                    flash(f"已导入：{'、'.join(result.created)}，共 {result.indicator_count} 个指标", "success")
                    return redirect(url_for("reference_admin.projects"))
                status = 200 if result.ok else 422
                if result.ok:
                    token = _hold(data)
    return render_template("reference/forms_import.html", result=result, token=token, filename=filename), status
