"""The one home for time: the current instant (UTC), the configured local zone, and aware-time checks.

Instants are stored in UTC; periods, months and dates are local (``TIMEZONE``, Asia/Shanghai by default).
Outside an application context (scripts, the pure measure/ core's callers in tests) the default zone applies.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from slatrack.operations import OperationError

DEFAULT_ZONE = "Asia/Shanghai"


def utcnow() -> datetime:
    return datetime.now(UTC)


def zone_name() -> str:
    """The configured zone's name (what measure/ takes as ``tz``)."""
    return str(current_app.config.get("TIMEZONE", DEFAULT_ZONE)) if has_app_context() else DEFAULT_ZONE


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_zone() -> ZoneInfo:
    """The configured local time zone (periods, months and dates are local)."""
    return _zone(zone_name())


def local_time(moment: datetime) -> datetime:
    return moment.astimezone(local_zone())


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(local_zone()).date()


def aware(value: Any, field: str, label: str) -> datetime:
    """An aware instant in UTC, or an OperationError naming ``field``."""
    if not isinstance(value, datetime):
        raise OperationError(f"{label}应为时间", fields={field: "应为带时区的时间，例如 2025-05-10T09:30:00+08:00"})
    if value.tzinfo is None or value.utcoffset() is None:
        raise OperationError(f"{label}必须带时区", fields={field: "必须带时区，例如 2025-05-10T09:30:00+08:00"})
    return value.astimezone(UTC)


def not_in_future(moment: datetime, now: datetime, field: str, label: str) -> None:
    if moment > now:
        raise OperationError(f"{label}不能晚于当前时间", fields={field: "不能晚于当前时间"})
