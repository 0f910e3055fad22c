"""``slatrack report quarterly 2025Q2`` and ``slatrack report self-evaluation 2025``: write the report files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from slatrack.cli.helpers import as_cli_user, aware, fail
from slatrack.operations import OperationError


def _as_of(value: str | None) -> datetime | None:

    return aware(value)


def _write(content: bytes, filename: str, output: Path | None) -> None:
    target = output if output is not None else Path(filename)
    if target.is_dir():
        target = target / filename
    target.write_bytes(content)
    click.echo(f"已生成：{target}")


FORMAT = click.option("--format", "fmt", type=click.Choice(["docx", "xlsx"]), default="docx", show_default=True)
OUTPUT = click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Output file or folder (default: a Chinese file name here).",
)
AS_OF = click.option("--as-of", default=None, help="Measure as of this instant (ISO 8601 with offset; default now).")


@click.group("report")
def report_group() -> None:
    """Quarterly maintenance reports and annual self-evaluation forms."""


@report_group.command("quarterly")
@click.argument("quarter")
@FORMAT
@OUTPUT
@AS_OF
@with_appcontext
def quarterly_command(quarter: str, fmt: str, output: Path | None, as_of: str | None) -> None:
    """Write the quarterly report of QUARTER (e.g. 2025Q2) as .docx or .xlsx."""
    from slatrack.operations.figures.documents import quarterly_file

    with as_cli_user():
        try:
            report = quarterly_file(quarter, fmt, _as_of(as_of), via="cli")
        except OperationError as exc:
            fail(exc)
            return
    _write(report.content, report.filename, output)


@report_group.command("self-evaluation")
@click.argument("year")
@FORMAT
@OUTPUT
@AS_OF
@with_appcontext
def self_evaluation_command(year: str, fmt: str, output: Path | None, as_of: str | None) -> None:
    """Write the self-evaluation forms of both projects of YEAR (e.g. 2025) as .xlsx or .docx."""
    from slatrack.operations.figures.documents import self_evaluation_file

    with as_cli_user():
        try:
            report = self_evaluation_file(year, fmt, _as_of(as_of), via="cli")
        except OperationError as exc:
            fail(exc)
            return
    _write(report.content, report.filename, output)
