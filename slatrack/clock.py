"""The one home for time: the current instant (UTC), the configured local zone, and aware-time checks.

Instants are stored in UTC; periods, months and dates are local (``TIMEZONE``, Asia/Shanghai by default).
Outside an application context (scripts, the pure measure/ core's callers in tests) the default zone applies.

For demonstrations and tests only, ``SLATRACK_NOW`` (setting ``NOW``) starts the application's clock at a
given instant: ``utcnow`` then answers that instant plus the real time elapsed since the application was
created, so every page, command and job sees that day. It is refused behind TLS (``SESSION_COOKIE_SECURE``),
i.e. in a production configuration; see ``slatrack/config.py``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from slatrack.operations import OperationError

DEFAULT_ZONE = "Asia/Shanghai"


# The config key holding the shift of a demonstration clock (a timedelta), set by ``install_clock``.
CLOCK_SHIFT_KEY = "SLATRACK_CLOCK_SHIFT"


def utcnow() -> datetime:
    real = datetime.now(UTC)
    if has_app_context():
        shift: timedelta | None = current_app.config.get(CLOCK_SHIFT_KEY)
        if shift:
            return real + shift
    return real


def parse_now(text: str, zone: str = DEFAULT_ZONE) -> datetime:
    """``SLATRACK_NOW``: an ISO instant with its offset, or a date (10:00 that day in ``zone``); ValueError else."""
    value = text.strip()
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(10, 0), _zone(zone)).astimezone(UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        message = f"SLATRACK_NOW must be a date (2026-12-15) or an instant with its offset, got {text!r}"
        raise ValueError(message) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"SLATRACK_NOW must carry its offset (e.g. 2026-12-15T10:00:00+08:00), got {text!r}")
    return moment.astimezone(UTC)


def install_clock(config: dict[str, Any]) -> None:
    """Start the application's clock at ``config["NOW"]`` when it is set (demonstrations and tests only)."""
    raw = config.get("NOW")
    if not raw:
        config[CLOCK_SHIFT_KEY] = None
        return
    start = raw if isinstance(raw, datetime) else parse_now(str(raw), str(config.get("TIMEZONE", DEFAULT_ZONE)))
    if start.tzinfo is None:
        raise ValueError("NOW must be an aware datetime")
    config[CLOCK_SHIFT_KEY] = start - datetime.now(UTC) or timedelta(microseconds=1)


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
