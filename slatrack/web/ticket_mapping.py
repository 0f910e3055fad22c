"""The page that imports a vendor's own log: the file once, the mapping (guessed, saved or edited as a
MAP.toml), a preview of the first rows as they will be stored with every fault, then the import."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, flash, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from slatrack.operations import OperationError
from slatrack.operations.accounts.current import acting_user
from slatrack.operations.tickets import saved_mappings
from slatrack.operations.tickets.mapping import FIELDS, parse, to_toml
from slatrack.operations.tickets.vendor_import import VendorImport, check_vendor_file
from slatrack.policy import STAFF, allow

bp = Blueprint("ticket_mapping", __name__, url_prefix="/tickets/import/mapped")
ENCODINGS = [
    SelectChoice(value, label)
    for value, label in (("", "自动识别"), ("utf-8", "UTF-8"), ("gbk", "GBK"), ("gb18030", "GB18030"))
]
ACTIONS = ("preview", "import", "load", "save", "download")


class MappedImportForm(FlaskForm):  # type: ignore[misc]
    file = FileField("运维记录文件（.xlsx 或 .csv）")
    upload = HiddenField()
    encoding = SelectField("CSV 编码", choices=ENCODINGS, validators=[Optional()])
    saved = SelectField("已保存的映射", choices=[], validators=[Optional()])
    mapping = TextAreaField("映射（MAP.toml，留空则按列名自动猜测）", validators=[Optional()])
    name = StringField("保存为", validators=[Optional()])


def _saved_choices() -> list[SelectChoice]:
    return [SelectChoice("", "（不使用）")] + [SelectChoice(str(m.id), m.name) for m in saved_mappings.saved()]


def _run(form: MappedImportForm, action: str) -> VendorImport:
    path = saved_mappings.upload_path(form.upload.data or "")
    text = (form.mapping.data or "").strip()
    mapping = parse(text) if text else None
    with path.open("rb") as stream:
        checked = check_vendor_file(
            stream,
            path.name,
            mapping,
            encoding=form.encoding.data or None,
            user=acting_user(),
            write=action == "import",
        )
    if mapping is None:
        form.mapping.data = to_toml(checked.mapping)
    return checked


@bp.route("", methods=["GET", "POST"])
@allow(*STAFF)
def mapped_import() -> ResponseReturnValue:
    form = MappedImportForm()
    form.saved.choices = _saved_choices()
    checked: VendorImport | None = None
    problem = ""
    status = 200
    action = request.form.get("action", "preview")
    if action not in ACTIONS:
        action = "preview"
    if form.validate_on_submit():
        try:
            upload: Any = form.file.data
            if upload is not None and getattr(upload, "filename", None):
                form.upload.data = saved_mappings.keep_upload(upload.read(), upload.filename)
            if action == "load" and form.saved.data:
                form.mapping.data = saved_mappings.load(int(form.saved.data)).body
            if action == "download":
                body = to_toml(parse(form.mapping.data or ""))
                return send_file(
                    io.BytesIO(body.encode()),
                    mimetype="application/toml",
                    as_attachment=True,
                    download_name="工单导入映射.toml",
                )
            if action == "save":
                kept, _ = saved_mappings.save(form.name.data or "", form.mapping.data or "", acting_user())
                form.saved.choices = _saved_choices()
                form.saved.data = str(kept.id)
                flash(f"已保存映射「{kept.name}」", "success")
            elif form.upload.data or action != "load":
                checked = _run(form, action)
                if not checked.result.ok:
                    status = 422
                elif action == "import":
                    result = checked.result
                    flash(f"已导入 {result.created} 张工单，跳过已存在的 {result.skipped} 张", "success")
        except OperationError as exc:
            problem = exc.message
            status = exc.status
    return (
        render_template(
            "tickets/mapped_import.html", form=form, checked=checked, problem=problem, action=action, fields=FIELDS
        ),
        status,
    )
