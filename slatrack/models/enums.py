"""Enumerations shared by models, validation schemas and pages, with their Chinese labels."""

from __future__ import annotations

from slatrack.measure.tickets import CATEGORIES

ROLES = {"admin": "管理员(甲方)", "vendor": "运维人员(乙方)", "unit": "使用单位", "auditor": "审计管理员"}
# Tokens without a user act as this role: they may only push check results and heartbeats.
MACHINE_ROLE = "probe"

TARGET_KINDS = {
    "http": "网站（HTTP/HTTPS）",
    "tcp": "端口(TCP)",
    "host": "主机资源",
    "backup": "备份文件",
    "push": "心跳推送",
}

# The measurement core owns the categories (it decides which ones are consultations).
TICKET_CATEGORIES = CATEGORIES
PRIORITIES = {"P1": "P1 紧急", "P2": "P2 高", "P3": "P3 中", "P4": "P4 低"}
CHANNELS = ("电话", "微信", "现场", "系统", "邮件")
MODES = ("远程", "上门")
TICKET_EVENTS = {
    "respond": "响应",
    "pause": "挂起",
    "resume": "恢复",
    "resolve": "解决",
    "close": "关闭",
    "reopen": "重新打开",
    "cancel": "取消",
    "comment": "备注",
}
TICKET_STATUSES = {
    "open": "待响应",
    "in_progress": "处理中",
    "paused": "已挂起",
    "resolved": "已解决",
    "closed": "已关闭",
    "cancelled": "已取消",
}
EXCLUSION_CATEGORIES = {
    "maintenance": "计划维护",
    "customer": "甲方原因",
    "force_majeure": "不可抗力",
    "false_alarm": "误报",
}
INSPECTION_KINDS = {"security": "安全检查", "backup": "备份核验"}
REPORT_STATUSES = {"draft": "草稿", "submitted": "已提交", "accepted": "已验收"}
OPERATORS = (">=", "<=", "=", "qualitative")
GRADES = {"优": 100, "良": 80, "中": 60, "差": 0}
SCORES = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


# The requester of the fault ticket that a confirmed outage opens (shown on pages, matched by alerts).
FAULT_TICKET_REQUESTER = "系统监测"


def check_in(column: str, values: object) -> str:
    """SQL text for a CHECK constraint that keeps a column inside an enumeration."""
    items = values.keys() if isinstance(values, dict) else values
    quoted = ", ".join("'" + str(v).replace("'", "''") + "'" for v in items)  # type: ignore[attr-defined]
    return f"{column} IN ({quoted})"
