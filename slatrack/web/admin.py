"""Administrators' pages: user accounts (create, deactivate, reset password, unlock) and API tokens."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from slatrack.models.enums import ROLES
from slatrack.operations import OperationError
from slatrack.operations.accounts import admin as ops
from slatrack.policy import allow

bp = Blueprint("admin_pages", __name__, url_prefix="/admin")


class UserForm(FlaskForm):  # type: ignore[misc]
    username = StringField("用户名", validators=[DataRequired("请填写用户名"), Length(max=64)])
    display_name = StringField("姓名或说明", validators=[Optional(), Length(max=64)])
    role = SelectField("角色", choices=[SelectChoice(key, label) for key, label in ROLES.items()])
    unit = SelectField("所属单位（仅使用单位账号）", choices=[])
    password = PasswordField("初始密码", validators=[DataRequired("请填写初始密码")])
    confirm = PasswordField("确认密码", validators=[EqualTo("password", "两次输入的密码不一致")])


class ResetForm(FlaskForm):  # type: ignore[misc]
    password = PasswordField("新密码", validators=[DataRequired("请填写新密码")])
    confirm = PasswordField("确认新密码", validators=[EqualTo("password", "两次输入的密码不一致")])


class TokenForm(FlaskForm):  # type: ignore[misc]
    name = StringField("令牌名称", validators=[DataRequired("请填写令牌名称"), Length(max=64)])
    username = SelectField("代表的用户（留空为探针令牌）", choices=[])


class ActionForm(FlaskForm):  # type: ignore[misc]
    """A button that changes something: only the CSRF token."""


def _attach(form: FlaskForm, error: OperationError, default: str) -> None:
    """Put an operation's error next to the field it names, or next to ``default``."""
    placed = False
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors), error.message if message in ("必填", "已存在") else message]
            placed = True
    if not placed:
        getattr(form, default).errors = [*list(getattr(form, default).errors), error.message]


def _user_form() -> UserForm:
    form = UserForm()
    form.unit.choices = [SelectChoice("", "—"), *[SelectChoice(code, label) for code, label in ops.unit_choices()]]
    return form


def _users_page(form: UserForm, status: int = 200) -> ResponseReturnValue:
    return (
        render_template("admin/users.html", rows=ops.list_users(), form=form, action=ActionForm(), roles=ROLES),
        status,
    )


@bp.route("/users")
@allow("admin")
def users() -> ResponseReturnValue:
    return _users_page(_user_form())


@bp.route("/users", methods=["POST"])
@allow("admin")
def create_user() -> ResponseReturnValue:
    form = _user_form()
    if form.validate_on_submit():
        try:
            user = ops.add_user(
                form.username.data or "",
                form.role.data or "",
                form.password.data or "",
                unit_code=form.unit.data or None,
                display_name=form.display_name.data or "",
            )
        except OperationError as exc:
            _attach(form, exc, "username")
        else:
            flash(f"已创建用户 {user.username}", "success")
            return redirect(url_for("admin_pages.users"))
    return _users_page(form, 422)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@allow("admin")
def toggle_active(user_id: int) -> ResponseReturnValue:
    form = ActionForm()
    if form.validate_on_submit():
        user = ops.get_user(user_id)
        try:
            ops.set_active(user_id, not user.active, g.principal.user_id)
        except OperationError as exc:
            flash(exc.message, "error")
        else:
            flash(f"已{'启用' if user.active else '停用'}用户 {user.username}", "success")
    return redirect(url_for("admin_pages.users"))


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@allow("admin")
def unlock(user_id: int) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        user = ops.unlock(user_id)
        flash(f"已解除 {user.username} 的锁定", "success")
    return redirect(url_for("admin_pages.users"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@allow("admin")
def reset_password(user_id: int) -> ResponseReturnValue:
    user = ops.get_user(user_id)
    form = ResetForm()
    status = 200
    if form.validate_on_submit():
        try:
            ops.reset_password(user_id, form.password.data or "")
        except OperationError as exc:
            form.password.errors = [*list(form.password.errors), exc.message]
        else:
            flash(f"已重置 {user.username} 的密码；该用户下次登录时须修改密码", "success")
            return redirect(url_for("admin_pages.users"))
    if form.errors:
        status = 422
    return render_template("admin/reset_password.html", user=user, form=form), status


def _token_form() -> TokenForm:
    form = TokenForm()
    form.username.choices = [
        SelectChoice("", "—（探针令牌，不代表任何用户）"),
        *[
            SelectChoice(row.user.username, f"{row.user.username}（{ROLES[row.user.role]}）")
            for row in ops.list_users()
            if row.user.active
        ],
    ]
    return form


def _tokens_page(form: TokenForm, status: int = 200, new_token: str | None = None) -> ResponseReturnValue:
    return (
        render_template(
            "admin/tokens.html", tokens=ops.list_tokens(), form=form, action=ActionForm(), new_token=new_token
        ),
        status,
        {"Cache-Control": "no-store"},
    )


@bp.route("/tokens")
@allow("admin")
def tokens() -> ResponseReturnValue:
    return _tokens_page(_token_form())


@bp.route("/tokens", methods=["POST"])
@allow("admin")
def create_token() -> ResponseReturnValue:
    form = _token_form()
    if form.validate_on_submit():
        try:
            token, plain = ops.add_token(form.name.data or "", form.username.data or None)
        except OperationError as exc:
            _attach(form, exc, "name")
        else:
            # Shown in this response only: the page is not cached and the plain token is never stored.
            flash(f"已创建令牌 {token.name}", "success")
            fresh = _token_form()
            fresh.name.data = ""
            return _tokens_page(fresh, 201, new_token=plain)
    return _tokens_page(form, 422)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@allow("admin")
def revoke_token(token_id: int) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        try:
            token = ops.revoke(token_id)
        except OperationError as exc:
            if exc.status == 404:
                raise
            flash(exc.message, "warning")
        else:
            flash(f"已吊销令牌 {token.name}", "success")
    return redirect(url_for("admin_pages.tokens"))
