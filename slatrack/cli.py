"""The ``slatrack`` command (also ``flask --app slatrack``): setup, accounts, serving and figures."""

from __future__ import annotations

import getpass
import json
import sys
from datetime import datetime
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from slatrack.audit import acting_as
from slatrack.operations import OperationError


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _fail(exc: OperationError) -> None:
    message = exc.message
    extra = {k: v for k, v in exc.fields.items() if v not in message}
    if extra:
        message += "（" + "；".join(f"{k}: {v}" for k, v in extra.items()) + "）"
    raise click.ClickException(message)


def _aware(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"无法识别的时间：{value!r}，应为 ISO 8601，例如 2025-06-30T23:59:59+08:00") from None
    if parsed.tzinfo is None:
        raise click.BadParameter(f"时间必须带时区：{value!r}，例如 2025-06-30T23:59:59+08:00")
    return parsed


@click.command("init")
@click.option("--demo", is_flag=True, help="Also load a demo data set.")
@with_appcontext
def init_command(demo: bool) -> None:
    """Create or upgrade the schema and load the 2025 reference data (idempotent)."""
    from flask_migrate import upgrade

    from slatrack.operations.reference import load_reference

    upgrade()
    with acting_as(_actor()):
        changes = load_reference()
        for line in changes:
            click.echo(line)
        click.echo(f"参考数据：{len(changes)} 处变更" if changes else "参考数据：无变更")
        if demo:
            from slatrack.operations.demo import load_demo

            for line in load_demo():
                click.echo(line)
    click.echo(f"数据库已就绪：{_safe_url(current_app.config['SQLALCHEMY_DATABASE_URI'])}")


def _safe_url(url: str) -> str:
    """The database URL without its password, for messages and logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.group("user")
def user_group() -> None:
    """Manage user accounts."""


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("密码：")
        if getpass.getpass("再次输入密码：") != first:
            raise click.ClickException("两次输入的密码不一致")
        return first
    return sys.stdin.readline().rstrip("\r\n")


@user_group.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["admin", "vendor", "unit", "auditor"]))
@click.option("--unit", "unit_code", help="Unit code, required for the unit role (e.g. 522701).")
@click.option("--display-name", default="", help="Name shown on pages.")
@with_appcontext
def user_create(name: str, role: str, unit_code: str | None, display_name: str) -> None:
    """Create a user; the password is read from standard input."""
    from slatrack.operations.accounts import create_user

    password = _read_password()
    with acting_as(_actor()):
        try:
            user = create_user(name, role, password, unit_code=unit_code, display_name=display_name)
        except OperationError as exc:
            _fail(exc)
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
    from slatrack.operations.accounts import create_token

    with acting_as(_actor()):
        try:
            _, plain = create_token(name, username)
        except OperationError as exc:
            _fail(exc)
    click.echo(plain)


@token_group.command("revoke")
@click.argument("name")
@with_appcontext
def token_revoke(name: str) -> None:
    """Revoke a token by name."""
    from sqlalchemy import select

    from slatrack.extensions import db
    from slatrack.models import ApiToken
    from slatrack.operations.accounts import revoke_token

    token = db.session.scalar(select(ApiToken).where(ApiToken.name == name))
    if token is None:
        raise click.ClickException(f"令牌不存在：{name}")
    with acting_as(_actor()):
        revoke_token(token.id)
    click.echo(f"已吊销令牌 {name}")


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--no-scheduler", is_flag=True, help="Serve pages and the API only; run `slatrack scheduler` elsewhere.")
@with_appcontext
def run_command(host: str, port: int, threads: int, no_scheduler: bool) -> None:
    """Serve slatrack with the waitress WSGI server, and run the scheduler in the same process."""
    from waitress import serve

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    runner = None
    if not no_scheduler:
        from slatrack.jobs.runner import start_scheduler

        runner = start_scheduler(app)
    click.echo(f"slatrack 正在 http://{host}:{port}/ 提供服务（按 Ctrl+C 停止）")
    try:
        serve(app, host=host, port=port, threads=threads, ident="slatrack")
    finally:
        if runner is not None:
            from slatrack.jobs.runner import stop_scheduler

            stop_scheduler(app, runner)


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduled jobs alone (for deployments with several web workers)."""
    from slatrack.jobs.runner import run_scheduler_forever

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    run_scheduler_forever(app)


@click.command("indicators")
@click.option("--year", required=True, type=int)
@click.option("--as-of", "as_of", help="ISO 8601 instant with offset; default now.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_appcontext
def indicators_command(year: int, as_of: str | None, as_json: bool) -> None:
    """Both approval forms' indicators with targets, actuals and scores."""
    from slatrack.operations.indicators import indicator_rows

    try:
        rows = indicator_rows(year, _aware(as_of))
    except OperationError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        actual = "—" if row["actual"] is None else f"{row['actual']:g}{row['unit']}"
        score = "—" if row["score"] is None else f"{row['score']:.2f}"
        click.echo(
            f"{row['code']}  {row['name'][:28]:<28}  目标 {row['target_text']:<10} 实际 {actual:<10} 得分 {score}"
        )


COMMANDS: list[click.Command] = [
    init_command,
    user_group,
    token_group,
    run_command,
    scheduler_command,
    indicators_command,
]


def register(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app(*args: Any, **kwargs: Any) -> Flask:
    from slatrack import create_app

    return create_app()


def main() -> None:
    cli = FlaskGroup(create_app=_create_app, add_default_commands=False, add_version_option=False, load_dotenv=False)
    cli.help = "slatrack: 督考系统运维服务 SLA 跟踪"
    cli(prog_name="slatrack")
