"""Nightly SLA snapshots: the figures of the current year and quarter as they stood each night."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from slatrack.clock import zone_name
from slatrack.extensions import db
from slatrack.measure.periods import Period, quarter_period, year_period
from slatrack.models import SlaSnapshot, utcnow
from slatrack.operations.figures.sla import measure_period


def take_snapshots(now: datetime | None = None) -> list[str]:
    """Store tonight's figures for the year and quarter containing ``now``; a second run the same night
    replaces them with the newer figures. Returns the period labels written."""
    now = now or utcnow()
    tz = zone_name()
    local = now.astimezone(ZoneInfo(tz))
    labels: list[tuple[str, Period]] = [
        (str(local.year), year_period(local.year, tz)),
        (
            f"{local.year}Q{(local.month - 1) // 3 + 1}",
            quarter_period(f"{local.year}Q{(local.month - 1) // 3 + 1}", tz),
        ),
    ]
    written = []
    for label, period in labels:
        figures = measure_period(period, now).as_json()
        snapshot = db.session.scalar(
            select(SlaSnapshot).where(SlaSnapshot.period == label, SlaSnapshot.taken_on == local.date())
        )
        if snapshot is None:
            db.session.add(SlaSnapshot(period=label, taken_on=local.date(), as_of=now, figures=figures))
        else:
            snapshot.as_of, snapshot.figures = now, figures
        written.append(label)
    db.session.commit()
    return written
