"""When a resolved request that its unit has not answered is confirmed by itself, pure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from slatrack.measure.calendars import CalendarUnavailableError, china_workday, weekday_workday
from slatrack.measure.periods import require_aware, zone


def auto_confirm_at(
    resolved_at: datetime, workdays: int, tz: str, is_workday: Callable[[date], bool] = china_workday
) -> datetime:
    """The end (local midnight) of the ``workdays``-th working day after the local day of the resolution.

    Days the holiday data does not cover count as working days when they are Monday to Friday.
    """
    local = require_aware(resolved_at, "resolved_at").astimezone(zone(tz)).date()
    day, counted = local, 0
    while counted < workdays:
        day += timedelta(days=1)
        try:
            working = is_workday(day)
        except CalendarUnavailableError:
            working = weekday_workday(day)
        counted += working
    return datetime.combine(day + timedelta(days=1), time(), zone(tz))
