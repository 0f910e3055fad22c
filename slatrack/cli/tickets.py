"""``slatrack tickets import|export|template``: tickets to and from .xlsx/.csv files."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import click
from flask.cli import with_appcontext

from slatrack.cli.helpers import as_cli_user, fail
from slatrack.operations import OperationError


@click.group("tickets")
def tickets_group() -> None:
    """Import, export and template files of service tickets."""


@tickets_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def import_command(file: Path) -> None:
    """Import tickets from an .xlsx or .csv file; a file with any bad row imports nothing."""
    from slatrack.operations.tickets.importing import import_file

    with as_cli_user():
        try:
            result = import_file(file)
        except OperationError as exc:
            fail(exc)
    for warning in result.warnings:
        click.echo(f"警告：{warning}", err=True)
    if result.errors:
        for error in result.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"文件中有 {len(result.errors)} 处错误，未导入任何工单")
    click.echo(f"已导入 {result.created} 张工单，跳过已存在的 {result.skipped} 张")


def _period(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    from slatrack.clock import local_zone

    zone = local_zone()
    since = None if start is None else datetime.combine(start, time(), zone)
    until = None if end is None else datetime.combine(end + timedelta(days=1), time(), zone)
    return since, until


@tickets_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), required=True)
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First report date (local), inclusive.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last report date (local), inclusive.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def export_command(fmt: str, start: datetime | None, end: datetime | None, output: Path) -> None:
    """Export tickets in the import format (an export is a valid import)."""
    from slatrack.operations.tickets.export import export

    since, until = _period(start.date() if start else None, end.date() if end else None)
    if since is not None and until is not None and until <= since:
        raise click.BadParameter("结束日期不能早于开始日期", param_hint="--to")
    with output.open("wb") as stream:
        export(fmt, stream, start=since, end=until)
    click.echo(f"已导出到 {output}")


@tickets_group.command("template")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def template_command(output: Path) -> None:
    """Write a blank .xlsx import template with a sheet explaining each column."""
    from slatrack.operations.tickets.export import template

    with output.open("wb") as stream:
        template(stream)
    click.echo(f"已生成模板 {output}")
