"""``slatrack survey import FILE``: import satisfaction survey responses from a spreadsheet."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from slatrack.cli.helpers import as_cli_user, fail
from slatrack.operations import OperationError


@click.group("survey")
def survey_group() -> None:
    """满意度调查答卷。"""


@survey_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def survey_import(file: Path) -> None:
    """从 FILE（.xlsx 或 .csv，表头：单位 期间 评分 意见 填报时间）导入答卷：全部导入或全不导入。"""
    from slatrack.operations.records.survey_import import SurveyImportRejected, import_responses

    with as_cli_user(), file.open("rb") as stream:
        try:
            result = import_responses(stream, file.name)
        except SurveyImportRejected as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException(f"文件有 {len(exc.problems)} 处错误，未导入任何记录") from None
        except OperationError as exc:
            fail(exc)
    for warning in result.warnings:
        click.echo(f"警告：{warning}", err=True)
    click.echo(f"导入完成：新增 {result.created} 条，已存在跳过 {result.skipped} 条")
