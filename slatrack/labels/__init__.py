"""The one label table: the words a person reads for the application's internal keys.

Table names (the audit log's object types), column and field names (the audit log's changes, API field
errors), the SLA figures' keys (a submitted report's revisions: ``contracts.OM-2025.downtime_minutes``) and
durations (天/小时/分钟). Pages, documents and exports all take their words from here; a key without a
label is shown as it is only where a person could not have been told anything better (never silently
dropped).

Plain Python: no Flask, no SQLAlchemy, no models (``reports/`` may use it). The column and field names are
in ``fields.py``; everything else is here.
"""

from __future__ import annotations

import math
import re
from datetime import datetime

from slatrack.labels.fields import FIELDS

# The tables whose rows are audited or named on pages, by their SQL names (and the few audit object types
# that are not table names).
TABLES: dict[str, str] = {
    "contract_projects": "合同付款项目",
    "data_versions": "数据版本",
    "holiday_calendar_days": "节假日安排明细",
    "holiday_calendars": "节假日安排",
    "indicator_revisions": "指标修订",
    "latency_daily": "时延日汇总",
    "units": "单位",
    "projects": "预算项目",
    "contracts": "运维合同",
    "sla_terms": "合同时限",
    "budget_lines": "预算明细",
    "payments": "支付记录",
    "indicators": "绩效指标",
    "indicator_entries": "指标完成登记",
    "indicator_reviews": "指标评定",
    "inspections": "例行检查",
    "survey_responses": "满意度答卷",
    "reports": "运维报告",
    "report": "运维报告",
    "sla_snapshots": "SLA 统计快照",
    "users": "用户",
    "agent_contacts": "探针联系记录",
    "api_tokens": "API 令牌",
    "login_throttles": "登录限制",
    "job_runs": "定时任务记录",
    "notifications": "站内通知",
    "scheduler_leases": "调度锁",
    "ticket_sequences": "工单编号序列",
    "tickets": "服务工单",
    "ticket_events": "工单处理记录",
    "ticket_ratings": "工单评价",
    "targets": "监测对象",
    "probe_results": "检查结果",
    "evidence_segments": "监测证据段",
    "latency_hourly": "每小时响应时间",
    "late_entries": "补记",
    "outages": "停机记录",
    "outage_tickets": "停机关联工单",
    "maintenance_windows": "计划维护",
    "exclusions": "免责裁定",
    "audit_records": "审计日志",
    "audit_chain_head": "审计链",
    "notification_channels": "告警渠道",
    "alert_events": "告警事件",
    "alert_deliveries": "告警投递",
    "alert_sends": "告警发送",
    "notification_reads": "通知已读",
    "import_mappings": "导入映射",
}

# The SLA figures' keys (measure.sla.ScopeFigures.as_json), with the unit each is counted in.
FIGURES: dict[str, tuple[str, str]] = {
    "service_minutes": ("服务时间", "minutes"),
    "downtime_minutes": ("停机时间", "minutes"),
    "wait_minutes": ("等待时间", "minutes"),
    "repair_minutes": ("修复时间", "minutes"),
    "maintenance_minutes": ("计划维护时间", "minutes"),
    "excluded_minutes": ("免责时间", "minutes"),
    "unknown_minutes": ("未知时间", "minutes"),
    "transient_failures": ("瞬时故障次数", "count"),
    "failure_rate": ("系统故障率", "percent"),
    "tickets": ("工单数", "count"),
    "responded_in_time": ("按时响应数", "count"),
    "breached": ("超时数", "count"),
    "pending": ("未到期数", "count"),
    "response_rate": ("服务响应率", "percent"),
    "answered_rate": ("已响应比例", "percent"),
    "resolution_rate": ("按时解决率", "percent"),
    "median_resolution_minutes": ("解决用时中位数", "minutes"),
    "cancelled": ("已取消工单数", "count"),
    "consultations": ("咨询服务次数", "count"),
    "monitoring_months": ("系统运行监控月数", "count"),
    "reports_submitted": ("已提交报告数", "count"),
    "major_faults": ("重大故障次数", "count"),
    "satisfaction_rate": ("用户满意度", "percent"),
    "satisfaction_coverage": ("满意度调查覆盖率", "percent"),
    "from": ("开始日期", "text"),
    "to": ("结束日期", "text"),
    "as_of": ("统计时点", "text"),
}

# The indicators' measured and derived figures beyond the SLA figures (indicator sources ``metric:<name>``).
MEASURES: dict[str, str] = {
    "spending": "预算支出",
    "cost_control": "成本控制",
    "service_months": "运维服务月数",
    "fault_handling": "系统故障处理",
    "optimization": "系统功能优化",
}

# Time zones by the name a person knows them by.
ZONES: dict[str, str] = {"Asia/Shanghai": "北京时间", "Asia/Chongqing": "北京时间", "Asia/Urumqi": "乌鲁木齐时间"}

_CODE = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*$")


def datetime_text(local: datetime, with_time: bool = True) -> str:
    """The one date format: ``2025年5月10日 09:30`` (of an instant already in the zone to show)."""
    day = f"{local.year}年{local.month}月{local.day}日"
    return f"{day} {local:%H:%M}" if with_time else day


def zone_label(name: str) -> str:
    """``Asia/Shanghai`` → ``北京时间``; another zone by its name (with a space either side)."""
    return ZONES.get(name, f" {name} ")


def table_label(name: str) -> str:
    """``api_tokens`` → ``API 令牌``; an unknown name is shown as it is."""
    return TABLES.get(name, name)


def field_label(name: str) -> str:
    """``reported_at`` → ``报告时间``; a figure key → its name; an unknown name is shown as it is."""
    if name in FIELDS:
        return FIELDS[name]
    if name in FIGURES:
        return FIGURES[name][0]
    return MEASURES.get(name, name)


def field_path_label(path: str) -> str:
    """A nested field's path: ``items.0.target`` → ``第 1 项·目标值``."""
    words = [f"第 {int(part) + 1} 项" if part.isdigit() else field_label(part) for part in path.split(".")]
    return "·".join(words)


def figure_label(path: str) -> str:
    """A figure's dotted key as a person reads it.

    ``contracts.OM-2025.downtime_minutes`` → ``合同 OM-2025：停机时间``.
    """
    parts = path.split(".")
    words: list[str] = []
    index = 0
    while index < len(parts):
        part = parts[index]
        if part == "contracts" and index + 1 < len(parts):
            words.append(f"合同 {parts[index + 1]}")
            index += 2
            continue
        if part in FIGURES:
            words.append(FIGURES[part][0])
        elif _CODE.match(part):
            words.append(part)
        else:
            words.append(field_label(part))
        index += 1
    return "：".join(words)


def duration_text(minutes: float | None) -> str:
    """``89 天 7 小时 51 分钟``: a number of minutes in days, hours and minutes (rounded to the minute)."""
    if minutes is None or (isinstance(minutes, float) and math.isnan(minutes)):
        return "—"
    whole = round(abs(minutes))
    if whole == 0:
        return "不足 1 分钟" if minutes else "0 分钟"
    days, rest = divmod(whole, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} 天")
    if hours:
        parts.append(f"{hours} 小时")
    if mins:
        parts.append(f"{mins} 分钟")
    return ("负 " if minutes < 0 else "") + " ".join(parts)


def figure_value(key: str, value: object) -> str:
    """A figure's value with its unit: durations in 天/小时/分钟, rates in %, counts as numbers."""
    if value is None:
        return "—"
    kind = FIGURES.get(key.rsplit(".", 1)[-1], ("", "text"))[1]
    if kind == "minutes" and isinstance(value, int | float):
        return duration_text(float(value))
    if kind == "percent" and isinstance(value, int | float):
        return f"{value:.2f}%"
    if kind == "count" and isinstance(value, int | float):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return str(value)
