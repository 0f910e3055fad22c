"""``slatrack indicators`` and ``slatrack sla``: the figures of a year or a period, as a table or JSON."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click
from flask.cli import with_appcontext

from slatrack.cli.helpers import aware, fail
from slatrack.clock import local_today, local_zone
from slatrack.operations import OperationError


@click.command("indicators")
@click.option("--year", type=int, help="年度，如 2025；默认为当前年度（按配置的时区）。")
@click.option("--as-of", "as_of", help="计算截至的时刻（ISO 8601，带时区偏移）；默认现在。")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON 而不是表格。")
@with_appcontext
def indicators_command(year: int | None, as_of: str | None, as_json: bool) -> None:
    """各批复表的绩效指标：指标值、实际完成值和得分。"""
    from slatrack.operations.figures.indicators import evaluate_indicators

    if year is None:
        year = local_today().year
    try:
        evaluation = evaluate_indicators(year, aware(as_of))
    except OperationError as exc:
        fail(exc)
    if as_json:
        click.echo(json.dumps(evaluation.rows, ensure_ascii=False, indent=2))
        return
    for row in evaluation.rows:
        actual = f"{row['actual']:g}{row['unit']}" if row["actual"] is not None else (row["grade"] or "—")
        score = "—" if row["score"] is None else f"{row['score']:.2f}"
        met = {True: "达成", False: "未达成", None: "待评"}[row["met"]]
        name = row["name"][:28]
        click.echo(f"{row['code']}  {name:<28}  目标 {row['target_text']:<10} 实际 {actual:<10} {met:<4} 得分 {score}")
    for project in evaluation.projects:
        rate = "—" if project.execution_rate is None else f"{project.execution_rate:.2f}%"
        click.echo(f"{project.name}：预算执行率 {rate}，总分 {project.total:.2f}，等级 {project.grade}")


SLA_LABELS = [
    ("service_minutes", "合同服务总时间(分钟)"),
    ("downtime_minutes", "停机时间(分钟)"),
    ("wait_minutes", "停机等待时间(分钟)"),
    ("repair_minutes", "维修时间(分钟)"),
    ("maintenance_minutes", "计划维护(分钟)"),
    ("excluded_minutes", "已排除(分钟)"),
    ("unknown_minutes", "未知(分钟)"),
    ("transient_failures", "瞬时失败(次)"),
    ("failure_rate", "系统故障率(%)"),
    ("tickets", "服务工单(件)"),
    ("responded_in_time", "按时响应"),
    ("breached", "响应超时"),
    ("pending", "待响应(未到期)"),
    ("response_rate", "服务响应率(%)"),
    ("answered_rate", "已响应比例(%)"),
    ("consultations", "咨询服务(次)"),
    ("monitoring_months", "运行监控(月)"),
    ("reports_submitted", "运维报告(份)"),
    ("major_faults", "重大故障(次)"),
    ("satisfaction_rate", "满意度(%)"),
]


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


@click.command("sla")
@click.option("--from", "first", help="起始日（含），如 2025-04-01；默认为当年 1 月 1 日。")
@click.option("--to", "last", help="截止日（含），如 2025-06-30；默认为今天。")
@click.option("--contract", help="只看此合同（如 OM-2025）。")
@click.option("--as-of", "as_of", help="计算截至的时刻（ISO 8601，带时区偏移）；默认现在。")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON 而不是表格。")
@with_appcontext
def sla_command(first: str | None, last: str | None, contract: str | None, as_of: str | None, as_json: bool) -> None:
    """一个期间（默认为当年至今）的全部 SLA 指标，分合同并合计。"""
    from slatrack.operations.figures.report_status import sla_json
    from slatrack.operations.figures.sla import SlaQuery

    today = local_today()
    year = last[:4] if last and last[:4].isdigit() else str(today.year)
    first = first or f"{year}-01-01"
    last = last or today.isoformat()
    try:
        body = sla_json(SlaQuery(first, last, contract, aware(as_of)))
    except OperationError as exc:
        fail(exc)
    if as_json:
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    scopes = [("合计", body)] + [(code, figures) for code, figures in body["contracts"].items()]
    if contract:
        scopes = scopes[1:]
    measured_at = datetime.fromisoformat(body["as_of"]).astimezone(local_zone())
    click.echo(f"期间 {body['from']} 至 {body['to']}，截至 {measured_at:%Y-%m-%d %H:%M:%S}（{local_zone().key}）")
    click.echo(f"{'指标':<22}" + "".join(f"{name:>16}" for name, _ in scopes))
    for key, label in SLA_LABELS:
        click.echo(f"{label:<22}" + "".join(f"{_cell(figures[key]):>16}" for _, figures in scopes))
