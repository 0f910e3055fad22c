"""The quarterly report's vocabulary and number formats: titles, labels, the key figures' names, and the
small helpers every section uses to show a figure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slatrack.measure.deadlines import Status
from slatrack.measure.periods import parse_quarter
from slatrack.measure.tickets import TicketCounts
from slatrack.reports.data import InspectionInfo
from slatrack.reports.document import Column, Kind, Table, Value

QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
BUREAU = "中共黔南州委督查考评局"
SYSTEM = "黔南州督考绩效管理综合运用系统"

# The SLA JSON keys of SPEC section 6 (and a few more), as the report names them.
KEY_FIGURES: tuple[tuple[str, str, Kind], ...] = (
    ("service_minutes", "合同服务总时间（分钟）", "number"),
    ("downtime_minutes", "停机时间（分钟）", "number"),
    ("wait_minutes", "停机等待时间（分钟）", "number"),
    ("repair_minutes", "维修时间（分钟）", "number"),
    ("maintenance_minutes", "计划维护扣除（分钟）", "number"),
    ("excluded_minutes", "不计责扣除（分钟）", "number"),
    ("unknown_minutes", "监测未知时间（分钟）", "number"),
    ("transient_failures", "瞬时失败次数", "int"),
    ("failure_rate", "系统故障率", "percent"),
    ("tickets", "服务请求数", "int"),
    ("responded_in_time", "按时响应数", "int"),
    ("breached", "响应超时数", "int"),
    ("pending", "待响应数", "int"),
    ("response_rate", "服务响应率", "percent"),
    ("answered_rate", "已响应比例", "percent"),
    ("resolution_rate", "按时解决率", "percent"),
    ("median_resolution_minutes", "解决时间中位数（分钟）", "number"),
    ("cancelled", "已取消工单数", "int"),
    ("consultations", "系统咨询服务次数", "int"),
    ("monitoring_months", "系统运行监控（月数）", "int"),
    ("reports_submitted", "已提交运维报告数", "int"),
    ("major_faults", "重大系统故障次数", "int"),
    ("satisfaction_rate", "满意度", "percent"),
    ("satisfaction_coverage", "满意度调查覆盖率", "percent"),
)
RESULT_LABELS = {Status.MET: "按时", Status.BREACHED: "超时", Status.PENDING: "未到期"}
SOURCE_LABELS = {"probe": "自动监测", "manual": "人工登记"}


def local_time(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


def quarter_title(label: str) -> str:
    year, number = parse_quarter(label)
    return f"{year}年{QUARTER_NAMES[number]}"


def file_name(label: str, fmt: str) -> str:
    return f"{SYSTEM}{quarter_title(label)}运维报告.{fmt}"


# ---------------------------------------------------------------- helpers


def late_entry_text(counts: dict[str, int]) -> str:
    """How the quarter's late entries (补记) were counted, or nothing when there were none."""
    if not any(counts.values()):
        return ""
    return (
        f"本季度补记 {sum(counts.values())} 条：待局方确认 {counts.get('pending', 0)} 条、"
        f"被驳回 {counts.get('rejected', 0)} 条，按登记时间计算；已确认 {counts.get('confirmed', 0)} 条、"
        f"局方补记 {counts.get('bureau', 0)} 条，按所填时间计算。"
    )


def pct(value: float | None) -> str:
    return "—（无数据）" if value is None else f"{value:.2f}%"


def figure_text(value: float) -> str:
    return f"{value:g}" if float(value).is_integer() else f"{value:.2f}"


def operator_text(operator: str) -> str:
    return {">=": "≥", "<=": "≤", "=": "="}.get(operator, "")


def met_text(value: bool | None) -> str:
    return "—" if value is None else ("达标" if value else "未达标")


def availability_of(failure_rate: float | None) -> float | None:
    return None if failure_rate is None else round(100 - failure_rate, 2)


def typed(value: Any, kind: Kind) -> Value:
    if value is None:
        return None
    if kind == "int":
        return int(value)
    return float(value)


def plain(value: Any) -> Value:
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)


def counts_table(title: str, first: str, groups: dict[str, TicketCounts]) -> Table:
    columns = [
        Column(first, width=16),
        Column("工单数", "int", width=8),
        Column("按时响应", "int", width=9),
        Column("响应超时", "int", width=9),
        Column("待响应", "int", width=8),
        Column("服务响应率", "percent", width=11),
        Column("按时解决", "int", width=9),
        Column("解决超时", "int", width=9),
        Column("按时解决率", "percent", width=11),
        Column("解决时间中位数（分钟）", "number", width=14),
    ]
    rows: list[list[Value]] = [
        [name, c.tickets, c.responded_in_time, c.breached, c.pending, c.response_rate, c.resolved_in_time,
         c.resolution_breached, c.resolution_rate,
         None if c.median_resolution_minutes is None else round(c.median_resolution_minutes, 2)]
        for name, c in groups.items()
    ]  # fmt: skip
    return Table(f"服务请求{title}", columns, rows, empty_text="本季度无服务请求。")


def latest_inspections(inspections: list[InspectionInfo], as_of: datetime) -> dict[tuple[str, str], InspectionInfo]:
    """The record that stands for each month and kind: the latest performed by ``as_of``."""
    latest: dict[tuple[str, str], InspectionInfo] = {}
    for item in sorted(inspections, key=lambda i: i.performed_at):
        if item.performed_at <= as_of:
            latest[(item.month, item.kind)] = item
    return latest
