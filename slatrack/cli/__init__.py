"""The ``slatrack`` command (also ``flask --app slatrack``): setup, accounts, serving, figures, files.

``main`` builds the command group without building the application: ``slatrack --help`` and argument
errors never import Flask's app, the database models, pandas, openpyxl, matplotlib or python-docx. A
command that needs the application loads it when it runs (``with_appcontext``), and each command imports
the heavy libraries it uses inside its body. The commands themselves live in ``commands.py``.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup

from slatrack.cli import chinese

# Commands the application's extensions add (Flask-Migrate's ``db``, flask-smorest's ``openapi``): listed
# in the help with their own short help, and loaded with the application only when one of them is run.
APP_COMMANDS = {"db": "数据库迁移（Flask-Migrate；日常用 slatrack init 升级）。", "openapi": "OpenAPI 接口文档。"}


class SlatrackGroup(FlaskGroup):
    """A FlaskGroup whose own commands are known without loading the application."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = click.Group.get_command(self, ctx, name)
        if command is not None:
            return command
        command = super().get_command(ctx, name)
        if command is not None and name in APP_COMMANDS:
            # The extensions' groups carry English help; slatrack's users read the Chinese one.
            command.help = command.short_help = APP_COMMANDS[name]
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *APP_COMMANDS})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            command = self.commands.get(name)
            if command is not None and command.hidden:
                continue
            text = command.get_short_help_str(limit) if command is not None else APP_COMMANDS[name]
            rows.append((name, text))
        with formatter.section(chinese.translate("Commands")):
            formatter.write_dl(rows)


FLASK_OPTIONS = frozenset({"env_file", "app", "debug"})

# Commands that serve pages or the API, or that need them (the OpenAPI document): they get the whole
# application. Every other command gets it without the pages and the API, which it never uses.
SERVING = frozenset({"run", "scheduler", "openapi", "db"})


def _invoked_command() -> str | None:
    """The top-level command being run (``token`` for ``slatrack token create``), if known yet."""
    ctx = click.get_current_context(silent=True)
    while ctx is not None and ctx.parent is not None and ctx.parent.parent is not None:
        ctx = ctx.parent
    if ctx is None or ctx.parent is None:
        return None
    return ctx.info_name


def _create_app(*args: Any, **kwargs: Any) -> Flask:
    from slatrack import create_app

    command = _invoked_command()
    return create_app(routes=command is None or command in SERVING)


def build_group() -> SlatrackGroup:
    from slatrack.cli.commands import COMMANDS

    chinese.install()
    group = SlatrackGroup(
        create_app=_create_app, add_default_commands=False, add_version_option=False, load_dotenv=False
    )
    # FlaskGroup adds --env-file, --app and --debug: slatrack is configured by its instance folder and
    # environment (docs/operations.md), so those options would only mislead.
    group.params = [param for param in group.params if param.name not in FLASK_OPTIONS]
    group.help = "slatrack: 督考系统运维服务 SLA 跟踪"
    for command in COMMANDS:
        group.add_command(command)
    return group


def main() -> None:
    build_group()(prog_name="slatrack")
