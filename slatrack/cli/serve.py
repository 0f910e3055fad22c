"""``slatrack run`` (waitress and the scheduler in one process) and ``slatrack scheduler`` (the jobs alone)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。")
@click.option("--port", default=5000, show_default=True, type=int, help="监听端口。")
@click.option("--threads", default=8, show_default=True, type=int, help="处理请求的线程数。")
@click.option("--no-scheduler", is_flag=True, help="只提供页面和接口，定时任务另用 slatrack scheduler 运行。")
@with_appcontext
def run_command(host: str, port: int, threads: int, no_scheduler: bool) -> None:
    """用 waitress WSGI 服务器提供 slatrack 服务，并在同一进程中运行定时任务。"""
    from slatrack.audit import acting_as
    from slatrack.cli.helpers import actor
    from slatrack.operations.demo.loading import follow_server_port
    from slatrack.serving import serve

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    with acting_as(actor()):
        moved = follow_server_port(port)
    if moved:
        click.echo(moved)
    click.echo(f"slatrack 正在 http://{host}:{port}/ 提供服务（按 Ctrl+C 停止）")
    serve(app, host=host, port=port, threads=threads, scheduler=not no_scheduler)


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """只运行定时任务（用于有多个 Web 进程的部署）。"""
    from slatrack.jobs.runner import run_scheduler_forever

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    run_scheduler_forever(app)
