"""``slatrack init``, ``slatrack user create`` and ``slatrack token create|revoke``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from slatrack.cli.helpers import as_cli_user, fail, read_password
from slatrack.config import safe_database_url
from slatrack.operations import OperationError


@click.command("init")
@click.option("--demo", is_flag=True, help="Also load a demo data set.")
@with_appcontext
def init_command(demo: bool) -> None:
    """Create or upgrade the schema and load the 2025 reference data (idempotent)."""
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
    """Manage user accounts."""


@user_group.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["admin", "vendor", "unit", "auditor"]))
@click.option("--unit", "unit_code", help="Unit code, required for the unit role (e.g. 522701).")
@click.option("--display-name", default="", help="Name shown on pages.")
@click.option("--own-password", is_flag=True, help="The owner typed this password: no change at first login.")
@with_appcontext
def user_create(name: str, role: str, unit_code: str | None, display_name: str, own_password: bool) -> None:
    """Create a user; the password is read from standard input and must be changed at first login."""
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
    """Manage API tokens."""


@token_group.command("create")
@click.argument("name")
@click.option("--user", "username", help="Act as this user; without it the token is a probe (machine) token.")
@with_appcontext
def token_create(name: str, username: str | None) -> None:
    """Create an API token and print it (shown only this once)."""
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
    """Revoke a token by name."""
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
