"""The one label table: the words a person reads for the application's internal keys.

Table names (the audit log's object types), column and field names (the audit log's changes, API field
errors), the SLA figures' keys (a submitted report's revisions: ``contracts.OM-2025.downtime_minutes``) and
durations (天/小时/分钟). Pages, documents and exports all take their words from here; a key without a
label is shown as it is only where a person could not have been told anything better (never silently
dropped).

Plain Python: no Flask, no SQLAlchemy, no models (``reports/`` may use it).
"""

from __future__ import annotations

import math
import re
from datetime import datetime

# The tables whose rows are audited or named on pages, by their SQL names (and the few audit object types
# that are not table names).
TABLES: dict[str, str] = {
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

# Column and field names, wherever a person sees them (changes in the audit log, field errors).
FIELDS: dict[str, str] = {
    "accepted_at": "验收时间",
    "accepted_by_id": "验收人",
    "action": "事件",
    "active": "启用",
    "actor": "操作人",
    "after": "变更后",
    "amount": "金额",
    "annual_goal": "年度目标",
    "answer": "答复",
    "approved_at": "批准时间",
    "approved_by_id": "批准人",
    "as_of": "统计时点",
    "at": "时间",
    "attempts": "尝试次数",
    "before": "变更前",
    "blocked_until": "限制至",
    "body": "正文",
    "budget_line_id": "预算明细",
    "calendar": "服务日历",
    "category": "类别",
    "cause": "原因",
    "channel": "渠道",
    "channel_id": "告警渠道",
    "channel_name": "渠道名称",
    "checks": "检查项",
    "code": "代码",
    "comment": "意见",
    "condition": "支付条件",
    "confirm_failures": "确认停机所需连续失败次数",
    "contract": "合同",
    "contract_id": "合同",
    "count": "数量",
    "created_at": "创建时间",
    "created_by_id": "创建人",
    "critical": "关键",
    "data": "数据",
    "decided_at": "裁定时间",
    "decided_by_id": "裁定人",
    "decision_reason": "裁定理由",
    "department": "主管部门",
    "description": "说明",
    "detail": "详情",
    "deviation_reason": "偏差原因",
    "dispatched_at": "派发时间",
    "display_name": "显示名称",
    "enabled": "启用",
    "end": "结束",
    "end_date": "结束日期",
    "entered_by_id": "登记人",
    "error": "错误",
    "event": "事件",
    "event_id": "事件",
    "events": "事件",
    "evidence_file": "佐证材料",
    "expires_at": "到期时间",
    "explanation": "指标说明",
    "failed_logins": "登录失败次数",
    "failures": "失败次数",
    "figures": "统计数据",
    "file": "文件",
    "findings": "发现的问题",
    "finished_at": "完成时间",
    "first_observed": "首次检查",
    "first_response_at": "首次响应时间",
    "fiscal_allocation": "财政拨款",
    "fiscal_year": "年度",
    "format": "文件格式",
    "from": "开始日期",
    "frozen_figures": "提交时的统计数据",
    "grade": "评定等级",
    "heartbeat_token_hash": "心跳令牌",
    "holder": "持有者",
    "host": "主机",
    "hour": "小时",
    "id": "编号",
    "implementer": "实施单位",
    "import_key": "导入标识",
    "improvement": "改进措施",
    "in_process": "服务器内检查",
    "indicator_id": "指标",
    "interval_seconds": "检查间隔（秒）",
    "item": "条目",
    "items": "条目",
    "job_id": "任务",
    "key": "标识",
    "kind": "类型",
    "last": "最后",
    "last_error": "最近错误",
    "last_failure_at": "最近失败时间",
    "last_hash": "最新哈希",
    "last_login_at": "最近登录时间",
    "last_observed": "最近检查",
    "last_used_at": "最近使用时间",
    "latency_avg_ms": "平均响应时间（毫秒）",
    "latency_max_ms": "最长响应时间（毫秒）",
    "latency_ms": "响应时间（毫秒）",
    "lead": "提前量",
    "level1": "一级指标",
    "level2": "二级指标",
    "link": "链接",
    "locked_until": "锁定至",
    "major_fault_minutes": "重大故障时长（分钟）",
    "message": "消息",
    "metrics": "指标",
    "mode": "服务方式",
    "monitored_since": "监测开始时间",
    "month": "月份",
    "must_change_password": "须修改密码",
    "name": "名称",
    "next_attempt_at": "下次尝试时间",
    "next_plan": "下步计划",
    "note": "备注",
    "notification_id": "通知",
    "number": "编号",
    "object_id": "对象编号",
    "object_type": "对象类型",
    "observed_at": "检查时间",
    "occurred_on": "发生日期",
    "ok": "成功",
    "operator": "比较方式",
    "options": "选项",
    "origin": "来源",
    "outage_id": "停机记录",
    "outcome": "结果",
    "paid_on": "支付日期",
    "parent_id": "上级单位",
    "passed": "通过",
    "password": "密码",
    "password_changed_at": "密码修改时间",
    "password_hash": "密码",
    "path": "路径",
    "page": "页码",
    "paused": "已暂停",
    "performed_at": "执行时间",
    "performed_by": "执行人",
    "period": "期间",
    "port": "端口",
    "position": "顺序",
    "prefix": "前缀",
    "prev_hash": "前一哈希",
    "priority": "优先级",
    "priority_confirmed_at": "优先级确认时间",
    "priority_confirmed_by_id": "优先级确认人",
    "priority_reason": "优先级理由",
    "problems": "问题",
    "project": "预算项目",
    "project_id": "预算项目",
    "quantity": "数量",
    "rate_per_minute": "每分钟上限",
    "rated_at": "评价时间",
    "read_at": "阅读时间",
    "reason": "理由",
    "received_at": "接收时间",
    "recipients": "接收人",
    "recorded_at": "登记时间",
    "records": "记录",
    "rejected_at": "驳回时间",
    "rejected_by_id": "驳回人",
    "remote_addr": "来源地址",
    "reported_at": "报告时间",
    "requested_by_id": "申请人",
    "requester": "报告人",
    "resolution_due_at": "解决时限",
    "resolution_minutes": "解决时限（分钟）",
    "resolved_at": "解决时间",
    "responded_at": "响应时间",
    "response_due_at": "响应时限",
    "response_minutes": "响应时限（分钟）",
    "retired_at": "停用时间",
    "reverses_id": "冲销记录",
    "revoked_at": "吊销时间",
    "role": "角色",
    "row_hash": "记录哈希",
    "sample_id": "样本编号",
    "score": "评分",
    "secret": "密钥",
    "send_id": "发送编号",
    "sent_at": "发送时间",
    "session_version": "会话版本",
    "source": "来源",
    "start": "开始",
    "start_date": "开始日期",
    "started_at": "开始时间",
    "state": "状态",
    "stated_at": "所填时间",
    "status": "状态",
    "submitted_at": "提交时间",
    "submitted_by_id": "提交人",
    "suggested_priority": "建议优先级",
    "summary": "摘要",
    "taken_on": "日期",
    "target": "目标值",
    "target_id": "监测对象",
    "target_text": "指标值",
    "text": "内容",
    "tick": "时刻",
    "ticket_id": "工单",
    "timeout_seconds": "超时（秒）",
    "timezone": "时区",
    "title": "标题",
    "to": "结束日期",
    "token_hash": "令牌",
    "total_amount": "项目总额",
    "type": "类型",
    "unit": "单位",
    "unit_id": "单位",
    "units": "单位",
    "updated_at": "修改时间",
    "updated_by_id": "修改人",
    "url": "URL",
    "user_id": "用户",
    "username": "用户名",
    "vendor": "运维单位",
    "voucher": "凭证号",
    "webhook_url": "Webhook 地址",
    "weight": "分值",
    "year": "年度",
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
