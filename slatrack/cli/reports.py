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


FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["docx", "xlsx"]), default="docx", show_default=True, help="文件格式。"
)
OUTPUT = click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="输出文件或文件夹（默认：当前目录下的中文文件名）。",
)
AS_OF = click.option("--as-of", default=None, help="计算截至的时刻（ISO 8601，带时区偏移）；默认现在。")


@click.group("report")
def report_group() -> None:
    """运维服务季度报告和年度绩效自评表。"""


@report_group.command("quarterly")
@click.argument("quarter")
@FORMAT
@OUTPUT
@AS_OF
@with_appcontext
def quarterly_command(quarter: str, fmt: str, output: Path | None, as_of: str | None) -> None:
    """生成季度 QUARTER（如 2025Q2）的运维服务季度报告（.docx 或 .xlsx）。"""
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
    """生成年度 YEAR（如 2025）各项目的绩效自评表（.xlsx 或 .docx）。"""
    from slatrack.operations.figures.documents import self_evaluation_file

    with as_cli_user():
        try:
            report = self_evaluation_file(year, fmt, _as_of(as_of), via="cli")
        except OperationError as exc:
            fail(exc)
            return
    _write(report.content, report.filename, output)
