"""``slatrack backup``, ``restore`` and ``audit verify`` (see docs/operations.md); libraries loaded when run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import with_appcontext

if TYPE_CHECKING:
    from slatrack.backup import Verification


def _database_url() -> str:
    return str(current_app.config["SQLALCHEMY_DATABASE_URI"])


@click.command("backup")
@click.option(
    "-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="备份文件。"
)
@with_appcontext
def backup_command(output: Path) -> None:
    """写出经过校验的备份（数据库、各表行数、审计链校验值）到 OUTPUT。"""
    from slatrack.backup import BackupError, backup
    from slatrack.extensions import db

    db.session.remove()
    try:
        manifest = backup(_database_url(), output)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已写出备份 {output}（{manifest.dialect}，架构版本 {manifest.revision}）")
    click.echo(f"表 {len(manifest.tables)} 张，共 {sum(manifest.tables.values())} 行")
    click.echo(f"审计记录 {manifest.audit_records} 条，链校验值 {manifest.audit_last_hash}")
    if manifest.audit_broken:
        raise click.ClickException(f"备份已写出，但审计链未通过校验（记录 {manifest.audit_broken}）")


def _report(result: Verification) -> None:
    for name, count in sorted(result.tables.items()):
        expected = result.manifest.tables.get(name)
        mark = "✓" if expected == count else ("（备份中无此表）" if expected is None else f"✗ 备份时 {expected}")
        click.echo(f"  {name:<28} {count:>10} {mark}")
    click.echo(f"审计记录 {result.chain.records} 条，链校验值 {result.chain.last_hash}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(source: Path) -> None:
    """把备份 SOURCE 恢复到本实例的空数据库，并按备份清单校验。"""
    from slatrack.backup import BackupError, restore
    from slatrack.extensions import db

    db.session.remove()
    db.engine.dispose()
    try:
        result = restore(_database_url(), source)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    _report(result)
    if not result.ok:
        raise click.ClickException("恢复后的校验未通过：" + "；".join(result.problems))
    click.echo(f"已恢复并校验：{sum(result.tables.values())} 行与备份一致，审计链完整")


@click.group("audit")
def audit_group() -> None:
    """审计日志。"""


@audit_group.command("verify")
@with_appcontext
def audit_verify_command() -> None:
    """校验审计记录的哈希链；指出第一条链接或内容不符的记录。"""
    from slatrack import audit_chain
    from slatrack.extensions import db

    with db.engine.connect() as connection:
        report = audit_chain.verify(connection)
    if report.broken_id is not None:
        raise click.ClickException(
            f"审计链在第 {report.broken_id} 条记录处断开：{report.reason}（之前的 {report.records - 1} 条完好）"
        )
    if not report.intact:
        raise click.ClickException(f"审计链不完整：{report.reason}")
    click.echo(f"审计链完整：{report.records} 条记录，链校验值 {report.last_hash}")


COMMANDS: list[click.Command] = [backup_command, restore_command, audit_group]
