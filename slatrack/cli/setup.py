"""``slatrack init``, ``slatrack user create`` and ``slatrack token create|revoke``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from slatrack.cli.helpers import as_cli_user, fail, read_password
from slatrack.config import safe_database_url
from slatrack.operations import OperationError


@click.command("init")
@click.option("--demo", is_flag=True, help="同时载入演示数据。")
@with_appcontext
def init_command(demo: bool) -> None:
    """创建或升级数据库结构，载入 2025 年度参考数据（可重复运行）。"""
    from flask_migrate import upgrade

    from slatrack.operations.reference.loading import load_reference

    upgrade()
    with as_cli_user():
        changes = load_reference()
        for line in changes:
            click.echo(line)
        click.echo(f"参考数据：{len(changes)} 处变更" if changes else "参考数据：无变更")
        if demo:
            from slatrack.operations.demo.loading import load_demo

            for line in load_demo():
                click.echo(line)
    click.echo(f"数据库已就绪：{safe_database_url(current_app.config['SQLALCHEMY_DATABASE_URI'])}")


@click.group("user")
def user_group() -> None:
    """管理用户账号。"""


@user_group.command("create")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "vendor", "unit", "auditor"]),
    help="角色：admin 管理员，vendor 运维单位，unit 使用单位，auditor 审计员。",
)
@click.option("--unit", "unit_code", help="单位代码，unit 角色必填（如 522701）。")
@click.option("--display-name", default="", help="页面上显示的姓名。")
@click.option("--own-password", is_flag=True, help="密码由本人设定：首次登录不要求修改。")
@with_appcontext
def user_create(name: str, role: str, unit_code: str | None, display_name: str, own_password: bool) -> None:
    """创建用户；密码从标准输入读取，首次登录须修改。"""
    from slatrack.operations.accounts.users import create_user

    password = read_password()
    with as_cli_user():
        try:
            user = create_user(
                name,
                role,
                password,
                unit_code=unit_code,
                display_name=display_name,
                must_change_password=not own_password,
            )
        except OperationError as exc:
            fail(exc)
    click.echo(f"已创建用户 {user.username}（{role}）")


@click.group("token")
def token_group() -> None:
    """管理 API 令牌。"""


@token_group.command("create")
@click.argument("name")
@click.option("--user", "username", help="令牌代表此用户；不指定则为探针（机器）令牌。")
@with_appcontext
def token_create(name: str, username: str | None) -> None:
    """创建 API 令牌并打印（只显示这一次）。"""
    from slatrack.operations.accounts.users import create_token

    with as_cli_user():
        try:
            _, plain = create_token(name, username)
        except OperationError as exc:
            fail(exc)
    click.echo(plain)


@token_group.command("revoke")
@click.argument("name")
@with_appcontext
def token_revoke(name: str) -> None:
    """按名称吊销令牌。"""
    from sqlalchemy import select

    from slatrack.extensions import db
    from slatrack.models import ApiToken
    from slatrack.operations.accounts.users import revoke_token

    token = db.session.scalar(select(ApiToken).where(ApiToken.name == name))
    if token is None:
        raise click.ClickException(f"令牌不存在：{name}")
    with as_cli_user():
        revoke_token(token.id)
    click.echo(f"已吊销令牌 {name}")
