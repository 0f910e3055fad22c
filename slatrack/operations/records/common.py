"""Helpers shared by the record-keeping operations: inspections, survey responses, payments, indicator entries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import Unit, User
from slatrack.operations import OperationError


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    """The configured local time zone (periods, months and dates are local)."""
    name = current_app.config.get("TIMEZONE", "Asia/Shanghai") if has_app_context() else "Asia/Shanghai"
    return ZoneInfo(str(name))


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(local_zone()).date()


def aware(value: Any, field: str, label: str) -> datetime:
    """An aware instant in UTC, or an error naming ``field``."""
    if not isinstance(value, datetime):
        raise OperationError(f"{label}应为时间", fields={field: "应为带时区的时间，例如 2025-05-10T09:30:00+08:00"})
    if value.tzinfo is None or value.utcoffset() is None:
        raise OperationError(f"{label}必须带时区", fields={field: "必须带时区，例如 2025-05-10T09:30:00+08:00"})
    return value.astimezone(UTC)


def not_in_future(moment: datetime, now: datetime, field: str, label: str) -> None:
    if moment > now:
        raise OperationError(f"{label}不能晚于当前时间", fields={field: "不能晚于当前时间"})


def text(value: Any, field: str, label: str, max_length: int | None = None) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise OperationError(f"{label}应为文字", fields={field: "应为文字"})
    cleaned: str = value.strip()
    if max_length is not None and len(cleaned) > max_length:
        raise OperationError(f"{label}不能超过 {max_length} 个字", fields={field: f"不能超过 {max_length} 个字"})
    return cleaned


def find_unit(key: str, field: str = "unit") -> Unit:
    """A unit by its code or its name."""
    cleaned = str(key).strip()
    unit = db.session.scalar(select(Unit).where((Unit.code == cleaned) | (Unit.name == cleaned)))
    if unit is None:
        raise OperationError(f"单位不存在：{cleaned}", fields={field: "未知的单位代码或名称"})
    return unit


def user_label(user: User | None) -> str:
    if user is None:
        return ""
    return user.display_name or user.username
