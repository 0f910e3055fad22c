"""The audit log's values as a person reads them: enum keys by their labels, yes/no, empty, instants in the
one date format, and the system's own actors. The names of tables and fields come from slatrack.labels; the
enum labels from slatrack.models.enums and the modules that own them. The CSV export keeps the exact values."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import Flask

from slatrack.extensions import db
from slatrack.labels import ZONES, field_label
from slatrack.measure.late_entries import STATUS_LABELS as LATE_STATUSES
from slatrack.models import User
from slatrack.models.enums import (
    EXCLUSION_CATEGORIES,
    INSPECTION_KINDS,
    PRIORITIES,
    REPORT_STATUSES,
    ROLES,
    TARGET_KINDS,
    TICKET_CATEGORIES,
    TICKET_EVENTS,
    TICKET_STATUSES,
)
from slatrack.web.filters import local_time

SOURCES = {"probe": "探测", "manual": "人工登记", "import": "导入", "api": "API", "page": "网页", "cli": "命令行"}
OPERATORS = {">=": "≥", "<=": "≤", "=": "=", "qualitative": "定性"}
CALENDARS = {"7x24": "7×24 小时", "workdays": "工作日"}
ACTORS = {"system": "系统", "scheduler": "定时任务", "probe": "探测"}
MAINTENANCE_STATUSES = {"requested": "待审批", "approved": "已批准", "rejected": "已驳回"}
VALUES: dict[str, dict[str, str]] = {
    "role": ROLES,
    "priority": PRIORITIES,
    "suggested_priority": PRIORITIES,
    "category": {**EXCLUSION_CATEGORIES, **TICKET_CATEGORIES},
    "status": {**MAINTENANCE_STATUSES, **LATE_STATUSES, **REPORT_STATUSES, **TICKET_STATUSES},
    "kind": {**INSPECTION_KINDS, **TARGET_KINDS},
    "type": TICKET_EVENTS,
    "event": TICKET_EVENTS,
    "source": SOURCES,
    "operator": OPERATORS,
    "calendar": CALENDARS,
    "timezone": ZONES,
}
# "metric:failure_rate" and the like: an indicator's source of figures.
SOURCE_KINDS = {"metric": "按 SLA 统计", "derived": "按记录评定", "manual": "人工登记", "grade": "人工评定"}
OBJECT_PREFIXES = {"quarterly": "季度报告", "self-evaluation": "自评表"}
_INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)$")


def audit_value(key: str, value: Any) -> str:
    """One changed value of an audited row, in words."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(audit_value(key, item) for item in value) or "（空）"
    if isinstance(value, dict):
        return "；".join(f"{field_label(k)}：{audit_value(k, v)}" for k, v in value.items()) or "（空）"
    if key.endswith("_by_id") and isinstance(value, int):
        return _user_name(value)
    text = str(value)
    if _INSTANT.match(text):
        return local_time(datetime.fromisoformat(text.replace("Z", "+00:00")))
    labels = VALUES.get(key)
    if labels is not None and text in labels:
        return labels[text]
    if key == "source" and ":" in text:
        kind, _, name = text.partition(":")
        return f"{SOURCE_KINDS.get(kind, kind)}：{field_label(name)}"
    if key == "source" and text in SOURCE_KINDS:
        return SOURCE_KINDS[text]
    return text


def _user_name(user_id: int) -> str:
    """A user column's id as the user's name (the CSV export keeps the id)."""
    user = db.session.get(User, user_id)
    if user is None:
        return f"已删除的用户 #{user_id}"
    return f"{user.username}（{user.display_name}）" if user.display_name else user.username


def actor_name(actor: str) -> str:
    return ACTORS.get(actor, actor)


def object_id_text(object_id: str) -> str:
    """``quarterly:2025Q2`` → ``季度报告 2025Q2``; other ids as they are."""
    kind, sep, rest = object_id.partition(":")
    if sep and kind in OBJECT_PREFIXES:
        return f"{OBJECT_PREFIXES[kind]} {rest}"
    return object_id


def install(app: Flask) -> None:
    app.jinja_env.globals["audit_value"] = audit_value
    app.jinja_env.filters["actor_name"] = actor_name
    app.jinja_env.filters["object_id_text"] = object_id_text
