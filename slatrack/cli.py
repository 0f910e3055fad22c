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
from slatrack.cli_ops import COMMANDS as OPS_COMMANDS
from slatrack.cli_records import survey_group
from slatrack.cli_reports import report_group
from slatrack.cli_tickets import tickets_group
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
@click.option("--own-password", is_flag=True, help="The owner typed this password: no change at first login.")
@with_appcontext
def user_create(name: str, role: str, unit_code: str | None, display_name: str, own_password: bool) -> None:
    """Create a user; the password is read from standard input and must be changed at first login."""
    from slatrack.operations.accounts import create_user

    password = _read_password()
    with acting_as(_actor()):
        try:
            forced = not own_password
            user = create_user(
                name, role, password, unit_code=unit_code, display_name=display_name, must_change_password=forced
            )
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
    from slatrack.operations.indicators import evaluate_indicators

    try:
        evaluation = evaluate_indicators(year, _aware(as_of))
    except OperationError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(evaluation.rows, ensure_ascii=False, indent=2))
        return
    for row in evaluation.rows:
        actual = f"{row['actual']:g}{row['unit']}" if row["actual"] is not None else (row["grade"] or "—")
        score = "—" if row["score"] is None else f"{row['score']:.2f}"
        met = {True: "达成", False: "未达成", None: "待评"}[row["met"]]
        name = row["name"][:28]
        click.echo(f"{row['code']}  {name:<28}  目标 {row['target_text']:<10} 实际 {actual:<10} {met:<4} 得分 {score}")
    for project in evaluation.projects:
        rate = "—" if project.execution_rate is None else f"{project.execution_rate:.2f}%"
        click.echo(f"{project.name}：预算执行率 {rate}，总分 {project.total:.2f}，等级 {project.grade}")


SLA_LABELS = [
    ("service_minutes", "合同服务总时间(分钟)"),
    ("downtime_minutes", "停机时间(分钟)"),
    ("wait_minutes", "停机等待时间(分钟)"),
    ("repair_minutes", "维修时间(分钟)"),
    ("maintenance_minutes", "计划维护(分钟)"),
    ("excluded_minutes", "已排除(分钟)"),
    ("unknown_minutes", "未知(分钟)"),
    ("transient_failures", "瞬时失败(次)"),
    ("failure_rate", "系统故障率(%)"),
    ("tickets", "服务工单(件)"),
    ("responded_in_time", "按时响应"),
    ("breached", "响应超时"),
    ("pending", "待响应(未到期)"),
    ("response_rate", "服务响应率(%)"),
    ("answered_rate", "已响应比例(%)"),
    ("consultations", "咨询服务(次)"),
    ("monitoring_months", "运行监控(月)"),
    ("reports_submitted", "运维报告(份)"),
    ("major_faults", "重大故障(次)"),
    ("satisfaction_rate", "满意度(%)"),
]


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


@click.command("sla")
@click.option("--from", "first", required=True, help="First day, inclusive (2025-04-01).")
@click.option("--to", "last", required=True, help="Last day, inclusive (2025-06-30).")
@click.option("--contract", help="Only this contract (OM-2023, OM-2025).")
@click.option("--as-of", "as_of", help="ISO 8601 instant with offset; default now.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_appcontext
def sla_command(first: str, last: str, contract: str | None, as_of: str | None, as_json: bool) -> None:
    """Every SLA figure of a period, per contract and in total."""
    from slatrack.operations.sla import SlaQuery, sla_json

    try:
        body = sla_json(SlaQuery(first, last, contract, _aware(as_of)))
    except OperationError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    scopes = [("合计", body)] + [(code, figures) for code, figures in body["contracts"].items()]
    if contract:
        scopes = scopes[1:]
    click.echo(f"期间 {body['from']} 至 {body['to']}，截至 {body['as_of']}")
    click.echo(f"{'指标':<22}" + "".join(f"{name:>16}" for name, _ in scopes))
    for key, label in SLA_LABELS:
        click.echo(f"{label:<22}" + "".join(f"{_cell(figures[key]):>16}" for _, figures in scopes))


COMMANDS: list[click.Command] = [
    init_command,
    user_group,
    token_group,
    run_command,
    scheduler_command,
    indicators_command,
    tickets_group,
    survey_group,
    sla_command,
    report_group,
]


def register(app: Flask) -> None:
    for command in [*COMMANDS, *OPS_COMMANDS]:
        app.cli.add_command(command)


def _create_app(*args: Any, **kwargs: Any) -> Flask:
    from slatrack import create_app

    return create_app()


def main() -> None:
    cli = FlaskGroup(create_app=_create_app, add_default_commands=False, add_version_option=False, load_dotenv=False)
    cli.help = "slatrack: 督考系统运维服务 SLA 跟踪"
    cli(prog_name="slatrack")
