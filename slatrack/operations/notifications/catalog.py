"""The event names (SPEC §6), their Chinese labels, and who sees each in the app."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "outage.opened": "停机告警",
    "outage.closed": "停机恢复",
    "ticket.created": "新工单",
    "ticket.response_due": "工单即将超时",
    "ticket.breached": "工单已超时",
    "ticket.responded": "工单已响应",
    "ticket.resolved": "工单已解决",
    "maintenance.requested": "计划维护待审批",
    "maintenance.approved": "计划维护已批准",
    "tls.expiring": "证书即将过期",
    "backup.stale": "备份未更新",
    "inspection.missing": "例行检查未完成",
    "report.due": "季度报告待提交",
    "contract.ending": "合同即将到期",
    "budget.threshold": "预算支付达到阈值",
}

# In-app notifications written with the event, by role. Ticket answers also go to the unit that asked;
# the deadline events already have their in-app reminders (reminders.py) and go to the channels only.
INBOX_ROLES: dict[str, tuple[str, ...]] = {
    "outage.opened": ("admin", "vendor"),
    "outage.closed": ("admin", "vendor"),
    "ticket.created": ("vendor",),
    "maintenance.requested": ("admin",),
    "maintenance.approved": ("vendor",),
    "tls.expiring": ("admin", "vendor"),
    "backup.stale": ("admin", "vendor"),
    "contract.ending": ("admin",),
    "budget.threshold": ("admin",),
}
TO_UNIT = ("ticket.responded", "ticket.resolved")

CHANNEL_KINDS: dict[str, str] = {
    "wecom": "企业微信群机器人",
    "dingtalk": "钉钉群机器人",
    "feishu": "飞书群机器人",
    "email": "电子邮件",
    "webhook": "Webhook（JSON）",
}
# The group robots accept 20 messages a minute (DingTalk, WeCom); Feishu allows 100; others are not limited
# by the receiver, but a burst still becomes digests above this.
DEFAULT_RATE: dict[str, int] = {"wecom": 20, "dingtalk": 20, "feishu": 100, "email": 30, "webhook": 60}
