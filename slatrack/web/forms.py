"""Flask-WTF forms (CSRF-protected) with Chinese labels and messages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):  # type: ignore[misc]
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码")])


class ChangePasswordForm(FlaskForm):  # type: ignore[misc]
    old_password = PasswordField("原密码", validators=[DataRequired("请输入原密码")])
    new_password = PasswordField("新密码", validators=[DataRequired("请输入新密码")])
    confirm = PasswordField("确认新密码", validators=[EqualTo("new_password", "两次输入的新密码不一致")])
