"""What the monitoring pages and the targets API read: a target's evidence over a window, daily figures,
its current state and recent raw results.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from slatrack.extensions import db
from slatrack.measure.evidence import TargetEvidence, evaluate, failures_by
from slatrack.models import (
    ProbeResult,
    Target,
)
from slatrack.operations.monitoring.segment_store import load_segments

# ---------------------------------------------------------------------------------------------------
# Reading evidence


def target_evidence(target: Target, window_start: datetime, window_end: datetime, as_of: datetime) -> TargetEvidence:
    """What the target's stored segments prove over [window_start, window_end) as known at ``as_of``."""
    end = min(window_end, as_of)
    segments = load_segments(target.id, since=window_start, until=end) if end > window_start else []
    return evaluate(
        segments,
        target.confirm_failures,
        window_start,
        window_end,
        as_of,
        monitored_since=target.monitored_since,
        retired_at=target.retired_at,
    )


# ---------------------------------------------------------------------------------------------------
# Figures for the pages


@dataclass(frozen=True)
class DayFigure:
    day: date
    up_minutes: float
    down_minutes: float
    unknown_minutes: float
    transient_failures: int
    measured: bool

    @property
    def availability(self) -> float | None:
        """Up share of the known time (unknown time left out), in percent; None when nothing is known."""
        known = self.up_minutes + self.down_minutes
        return None if known <= 0 else self.up_minutes / known * 100


def daily_figures(target: Target, days: int, now: datetime, zone: str) -> list[DayFigure]:
    """Up, down and unknown minutes per local day for the last ``days`` days (today included, to ``now``)."""
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, time(), tz).astimezone(UTC)
    segments = load_segments(target.id, since=start, until=now)
    figures: list[DayFigure] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        day_start = datetime.combine(day, time(), tz).astimezone(UTC)
        day_end = datetime.combine(day + timedelta(days=1), time(), tz).astimezone(UTC)
        result = evaluate(
            segments,
            target.confirm_failures,
            day_start,
            day_end,
            now,
            monitored_since=target.monitored_since,
            retired_at=target.retired_at,
        )
        figures.append(
            DayFigure(
                day,
                result.up_minutes,
                result.down_minutes,
                result.unknown_minutes,
                result.transient_failures,
                result.window is not None,
            )
        )
    return figures


def current_state(target: Target, now: datetime) -> str:
    """'up', 'down' (a confirmed outage going on), 'failing' (unconfirmed failures), or 'unknown'."""
    segments = load_segments(target.id, since=now)
    if not segments or segments[-1].start > now:
        return "unknown"
    last = segments[-1]
    if last.state == "up":
        return "up"
    return "down" if failures_by(last, now) >= target.confirm_failures else "failing"


def recent_results(target_id: int, limit: int = 50) -> list[ProbeResult]:
    return list(
        db.session.scalars(
            select(ProbeResult)
            .where(ProbeResult.target_id == target_id)
            .order_by(ProbeResult.observed_at.desc())
            .limit(limit)
        )
    )
