"""``slatrack tickets import|export|template``: tickets to and from .xlsx/.csv files."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext

from slatrack.cli.helpers import as_cli_user, fail
from slatrack.operations import OperationError

if TYPE_CHECKING:
    from slatrack.operations.spreadsheets import ImportResult


@click.group("tickets")
def tickets_group() -> None:
    """服务工单的导入、导出和导入模板。"""


@tickets_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="MAP.toml：运维单位自有记录表的列如何对应工单字段。",
)
@click.option("--encoding", help=".csv 文件的编码（utf-8、gbk、gb18030）；不指定则自动识别。")
@with_appcontext
def import_command(file: Path, mapping: Path | None, encoding: str | None) -> None:
    """从 .xlsx 或 .csv 文件导入工单；有任何错误行则全部不导入。"""
    from slatrack.operations.spreadsheets import MissingColumns
    from slatrack.operations.tickets.importing import import_file

    with as_cli_user():
        try:
            if mapping is not None:
                result = _import_mapped(file, mapping, encoding)
            else:
                result = import_file(file, encoding=encoding)
        except MissingColumns as exc:
            exc.message += "。运维公司自己格式的记录表请用 --mapping MAP.toml 指定列的映射（见 docs/tickets.md）"
            fail(exc)
        except OperationError as exc:
            fail(exc)
    for warning in result.warnings:
        click.echo(f"警告：{warning}", err=True)
    if result.errors:
        for error in result.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"文件中有 {len(result.errors)} 处错误，未导入任何工单")
    click.echo(f"已导入 {result.created} 张工单，跳过已存在的 {result.skipped} 张")


def _import_mapped(file: Path, mapping_file: Path, encoding: str | None) -> ImportResult:
    from slatrack.operations.tickets.mapping import parse
    from slatrack.operations.tickets.vendor_import import import_vendor_file

    try:
        text = mapping_file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OperationError(f"映射文件应为 UTF-8 编码：{mapping_file}") from exc
    return import_vendor_file(file, parse(text), encoding=encoding).result


def _period(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    from slatrack.clock import local_zone

    zone = local_zone()
    since = None if start is None else datetime.combine(start, time(), zone)
    until = None if end is None else datetime.combine(end + timedelta(days=1), time(), zone)
    return since, until


@tickets_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), required=True, help="文件格式。")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="报修日期起（本地日期，含当天）。")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="报修日期止（本地日期，含当天）。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="输出文件。")
@with_appcontext
def export_command(fmt: str, start: datetime | None, end: datetime | None, output: Path) -> None:
    """按导入格式导出工单（导出的文件可直接导入）。"""
    from slatrack.operations.tickets.export import export

    since, until = _period(start.date() if start else None, end.date() if end else None)
    if since is not None and until is not None and until <= since:
        raise click.BadParameter("结束日期不能早于开始日期", param_hint="--to")
    with output.open("wb") as stream:
        export(fmt, stream, start=since, end=until)
    click.echo(f"已导出到 {output}")


@tickets_group.command("template")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="输出文件。")
@with_appcontext
def template_command(output: Path) -> None:
    """生成空白的 .xlsx 导入模板，附各列说明。"""
    from slatrack.operations.tickets.export import template

    with output.open("wb") as stream:
        template(stream)
    click.echo(f"已生成模板 {output}")
