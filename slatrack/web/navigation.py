"""The navigation: each entry names the roles that see it, matching the route's own policy.

Entries are grouped (工作台, 服务, 监测, 记录, 绩效与报告, 系统管理) in the order a person works through
them. An entry shows only when its page exists and the route's policy lets the role in, so a link never
leads to a refusal. An entry may name a ``path`` instead of an endpoint, for a page another module
serves (the reports page): it shows once some route answers that path.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, url_for

from slatrack.models.enums import MACHINE_ROLE, ROLES
from slatrack.policy import PUBLIC, policy_of

ALL = ("admin", "vendor", "unit", "auditor")


@dataclass(frozen=True)
class NavEntry:
    label: str
    endpoint: str
    roles: tuple[str, ...]
    group: str = "其他"
    path: str = ""


# In the order they should appear; a new page adds one line in its group.
ENTRIES: list[NavEntry] = [
    NavEntry("总览", "web.index", ALL, "工作台"),
    NavEntry("通知", "notifications.index", ALL, "工作台"),
    NavEntry("服务工单", "ticket_pages.queue", ALL, "服务"),
    NavEntry("补记审核", "late_entry_pages.queue", ("admin",), "服务"),
    NavEntry("满意度", "records.survey", ("admin", "unit", "auditor"), "服务"),
    NavEntry("监测对象", "monitoring.targets", ("admin", "vendor", "auditor"), "监测"),
    NavEntry("探针", "monitoring_admin.agents", ("admin", "vendor", "auditor"), "监测"),
    NavEntry("停机记录", "monitoring.outages", ("admin", "vendor", "auditor"), "监测"),
    NavEntry("计划维护", "monitoring.maintenance", ("admin", "vendor"), "监测"),
    NavEntry("例行检查", "records.inspections", ("admin", "vendor", "auditor"), "记录"),
    NavEntry("绩效指标", "web.indicators", ALL, "绩效与报告"),
    NavEntry("指标录入", "records.indicator_entries", ("admin", "vendor", "auditor"), "绩效与报告"),
    NavEntry("预算支付", "records.budget", ("admin", "auditor"), "绩效与报告"),
    NavEntry("运维报告", "report_pages.index", ALL, "绩效与报告", path="/reports"),
    NavEntry("项目与年度", "reference_admin.projects", ("admin",), "系统管理"),
    NavEntry("合同", "reference_admin.contracts", ("admin",), "系统管理"),
    NavEntry("用户", "admin_pages.users", ("admin",), "系统管理"),
    NavEntry("API 令牌", "admin_pages.tokens", ("admin",), "系统管理"),
    NavEntry("任务日志", "jobs_log.index", ("admin",), "系统管理"),
    NavEntry("通知渠道", "alerts.channels", ("admin",), "系统管理"),
    NavEntry("通知发送日志", "alerts.delivery_log", ("admin",), "系统管理"),
    NavEntry("节假日安排", "holiday_pages.index", ("admin", "vendor", "auditor"), "系统管理"),
    NavEntry("审计日志", "audit_log.index", ("auditor",), "系统管理"),
]


def _endpoint_for(app: Flask, entry: NavEntry) -> str | None:
    if entry.endpoint in app.view_functions:
        return entry.endpoint
    if entry.path:
        for rule in app.url_map.iter_rules():
            if rule.rule.rstrip("/") == entry.path.rstrip("/") and "GET" in (rule.methods or ()):
                return str(rule.endpoint)
    return None


def routed_path(path: str) -> str | None:
    """``path`` when some GET route of the app answers it (e.g. ``/reports``), else None."""
    for rule in current_app.url_map.iter_rules():
        if rule.rule.rstrip("/") == path.rstrip("/") and "GET" in (rule.methods or ()) and not rule.arguments:
            return str(rule.rule)
    return None


def visible_entries(app: Flask, role: str) -> list[tuple[NavEntry, str]]:
    """The entries a role sees, each with the URL it leads to."""
    found = []
    for entry in ENTRIES:
        if role not in entry.roles:
            continue
        endpoint = _endpoint_for(app, entry)
        if endpoint is None:
            continue
        policy = policy_of(app.view_functions[endpoint], "GET")
        if policy is None or (policy != PUBLIC and role not in policy):
            continue
        found.append((entry, url_for(endpoint)))
    return found


def install(app: Flask) -> None:
    @app.context_processor
    def navigation() -> dict[str, object]:
        def nav_items(role: str) -> list[dict[str, str]]:
            return [{"label": e.label, "url": url, "group": e.group} for e, url in visible_entries(app, role)]

        def nav_groups(role: str) -> list[tuple[str, list[dict[str, str]]]]:
            groups: dict[str, list[dict[str, str]]] = {}
            for item in nav_items(role):
                groups.setdefault(item["group"], []).append(item)
            return list(groups.items())

        def role_label(role: str) -> str:
            return "探针" if role == MACHINE_ROLE else ROLES.get(role, role)

        return {"nav_items": nav_items, "nav_groups": nav_groups, "role_label": role_label}
