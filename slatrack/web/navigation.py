"""The navigation bar: each entry names the roles that see it, matching the route's own policy."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, url_for

from slatrack.models.enums import MACHINE_ROLE, ROLES


@dataclass(frozen=True)
class NavEntry:
    label: str
    endpoint: str
    roles: tuple[str, ...]


# Later features append their pages here, in the order they should appear.
ENTRIES: list[NavEntry] = [
    NavEntry("绩效指标", "web.index", ("admin", "vendor", "unit", "auditor")),
    NavEntry("服务工单", "ticket_pages.queue", ("admin", "vendor", "unit", "auditor")),
    NavEntry("监测对象", "monitoring.targets", ("admin", "vendor", "auditor")),
    NavEntry("停机记录", "monitoring.outages", ("admin", "vendor", "auditor")),
    NavEntry("计划维护", "monitoring.maintenance", ("admin", "vendor")),
    NavEntry("例行检查", "records.inspections", ("admin", "vendor", "auditor")),
    NavEntry("满意度", "records.survey", ("admin", "unit", "auditor")),
    NavEntry("预算支付", "records.budget", ("admin", "auditor")),
    NavEntry("指标录入", "records.indicator_entries", ("admin", "vendor", "auditor")),
]


def install(app: Flask) -> None:
    @app.context_processor
    def navigation() -> dict[str, object]:
        def nav_items(role: str) -> list[dict[str, str]]:
            return [
                {"label": entry.label, "url": url_for(entry.endpoint)}
                for entry in ENTRIES
                if role in entry.roles and entry.endpoint in app.view_functions
            ]

        def role_label(role: str) -> str:
            return "探针" if role == MACHINE_ROLE else ROLES.get(role, role)

        return {"nav_items": nav_items, "role_label": role_label}
