"""Fiscal years, approval forms, projects and contracts from the shell.

``slatrack forms import FILE.xlsx`` previews the forms a workbook holds (``--commit`` creates them; any bad
cell refuses the whole file); ``slatrack years copy 2026 --from 2025`` starts a year from the previous one;
``slatrack projects list`` and ``slatrack contracts list`` show what exists.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from slatrack.cli.helpers import as_cli_user, fail
from slatrack.operations import OperationError


@click.group("forms")
def forms_group() -> None:
    """项目支出绩效目标批复表。"""


@forms_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", type=int, help="批复表的年度；默认取表头中的年度（如“（2026年度）”）。")
@click.option("--commit", is_flag=True, help="创建项目；不加此选项则只预览。")
@with_appcontext
def forms_import(file: Path, year: int | None, commit: bool) -> None:
    """预览（加 --commit 则创建）FILE（.xlsx）中批复表的项目和指标。"""
    from slatrack.operations.reference.forms_import import import_forms

    with as_cli_user(), file.open("rb") as stream:
        try:
            result = import_forms(stream, file.name, year, commit=commit)
        except OperationError as exc:
            fail(exc)
    for form in result.forms:
        click.echo(f"{form.code or '—'}  {form.year or '—'} 年度  {form.name}：{len(form.indicators)} 个指标")
        for item in form.indicators:
            if not item.get("bad"):
                source = item["source"] or "—"
                click.echo(f"    {item['level1']}/{item['level2']}  {item['name']}  {item['target_text']}  [{source}]")
    if result.errors:
        for problem in result.errors:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"文件有 {len(result.errors)} 处错误，未写入任何数据")
    if commit:
        click.echo(f"已导入：{'、'.join(result.created)}，共 {result.indicator_count} 个指标")
    else:
        click.echo(f"预览：共 {len(result.forms)} 个项目、{result.indicator_count} 个指标，未写入（加 --commit 导入）")


@click.group("years")
def years_group() -> None:
    """预算年度。"""


@years_group.command("copy")
@click.argument("year", type=int)
@click.option("--from", "previous", type=int, required=True, help="从哪个年度复制，如 2025。")
@with_appcontext
def years_copy(year: int, previous: int) -> None:
    """把 --from 年度的项目、预算明细和指标复制到 YEAR 年度，供修改。"""
    from slatrack.operations.reference.copying import copy_year

    with as_cli_user():
        try:
            projects = copy_year(year, previous)
        except OperationError as exc:
            fail(exc)
    for project in projects:
        click.echo(f"已创建 {project.code}：{project.name}（{project.fiscal_year} 年度）")


@click.group("projects")
def projects_group() -> None:
    """预算项目。"""


@projects_group.command("list")
@click.option("--year", type=int, help="只看此年度。")
@with_appcontext
def projects_list(year: int | None) -> None:
    """列出项目及其预算和指标数。"""
    from slatrack.operations.reference.projects import list_projects, project_json

    for project in list_projects(year):
        data = project_json(project)
        click.echo(
            f"{data['code']}  {data['fiscal_year']}  {data['name']}  预算 {data['total_amount']:,.2f} 元  "
            f"{len(data['budget_lines'])} 个预算行  {data['indicators']} 个指标"
        )


@click.group("contracts")
def contracts_group() -> None:
    """合同及其 SLA 时限。"""


@contracts_group.command("list")
@with_appcontext
def contracts_list() -> None:
    """列出合同及其起止日期、服务日历和时限。"""
    from slatrack.operations.reference.contracts import contract_json, list_contracts

    for contract in list_contracts():
        data = contract_json(contract)
        terms = " ".join(
            f"{p} {t['response_minutes']}/{t['resolution_minutes']}" for p, t in sorted(data["terms"].items())
        )
        click.echo(
            f"{data['code']}  {data['start']} 至 {data['end']}  {data['calendar']}  {data['vendor']}  "
            f"项目 {data['project'] or '—'}  时限(分钟) {terms}"
        )


COMMANDS = [forms_group, years_group, projects_group, contracts_group]
