"""Every ``slatrack`` command, and their registration on the application (``flask --app slatrack ...``)."""

from __future__ import annotations

import click
from flask import Flask

from slatrack.cli.figures import indicators_command, sla_command
from slatrack.cli.ops import COMMANDS as OPS_COMMANDS
from slatrack.cli.records import survey_group
from slatrack.cli.reference import COMMANDS as REFERENCE_COMMANDS
from slatrack.cli.reports import report_group
from slatrack.cli.serve import run_command, scheduler_command
from slatrack.cli.setup import init_command, token_group, user_group
from slatrack.cli.tickets import tickets_group

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
    *OPS_COMMANDS,
    *REFERENCE_COMMANDS,
]


def register(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
