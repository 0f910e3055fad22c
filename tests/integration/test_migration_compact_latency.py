"""0004_compact_latency: the hourly latency rows become one packed row per target-day and back, values kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from slatrack.audit import acting_as
from slatrack.extensions import db
from slatrack.models import LatencyDaily
from slatrack.operations.monitoring.latency import latency_hours
from slatrack.operations.monitoring.targets import create_target

HOURLY = sa.table(
    "latency_hourly",
    sa.column("target_id", sa.Integer()),
    sa.column("hour", sa.DateTime(timezone=True)),
    sa.column("checks", sa.Integer()),
    sa.column("failures", sa.Integer()),
    sa.column("latency_avg_ms", sa.Float()),
    sa.column("latency_max_ms", sa.Float()),
)
DAY = datetime(2026, 11, 30, tzinfo=UTC)
# (hour, checks, failures, mean, max): two UTC days, one hour without a measured latency.
ROWS = [
    (DAY + timedelta(hours=0), 60, 0, 41.237, 118.5),
    (DAY + timedelta(hours=1), 60, 4, 55.5, 301.25),
    (DAY + timedelta(hours=23), 58, 58, None, None),
    (DAY + timedelta(days=1, hours=5), 60, 1, 9.99, 12.0),
]


def _insert_hourly(target_id: int) -> None:
    sqlite = db.engine.dialect.name == "sqlite"
    with db.engine.begin() as connection:
        connection.execute(
            HOURLY.insert(),
            [
                {
                    "target_id": target_id,
                    "hour": hour.replace(tzinfo=None) if sqlite else hour,
                    "checks": checks,
                    "failures": failures,
                    "latency_avg_ms": mean,
                    "latency_max_ms": largest,
                }
                for hour, checks, failures, mean, largest in ROWS
            ],
        )


def test_upgrade_packs_the_hourly_rows_per_day_and_downgrade_restores_them(app: Flask) -> None:
    with acting_as("test"):
        target, _ = create_target({"name": "portal", "kind": "http", "url": "https://portal.example.cn/"})
        db.session.commit()
        target_id = target.id
    db.session.remove()
    downgrade(revision="0003_late_entries")
    _insert_hourly(target_id)

    upgrade()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LatencyDaily)) == 2  # one row per day
    hours = latency_hours(target_id, DAY - timedelta(days=1), DAY + timedelta(days=3))
    assert [(h.start, h.figures.checks, h.figures.failures) for h in hours] == [(r[0], r[1], r[2]) for r in ROWS]
    for stored, (_, _, _, mean, largest) in zip(hours, ROWS, strict=True):
        assert stored.figures.avg_ms == (None if mean is None else pytest.approx(mean, abs=0.005))
        assert stored.figures.max_ms == (None if largest is None else pytest.approx(largest, abs=0.005))
    # A window inside the days gives just its hours.
    assert [h.start for h in latency_hours(target_id, DAY + timedelta(hours=1), DAY + timedelta(hours=2))] == [
        DAY + timedelta(hours=1)
    ]
    db.session.remove()

    downgrade(revision="0003_late_entries")
    with db.engine.connect() as connection:
        back = connection.execute(sa.select(HOURLY).order_by(HOURLY.c.hour)).all()
    assert [(row.checks, row.failures) for row in back] == [(r[1], r[2]) for r in ROWS]
    instants = [row.hour.replace(tzinfo=UTC) if row.hour.tzinfo is None else row.hour for row in back]
    assert instants == [r[0] for r in ROWS]
    for row, (_, _, _, mean, largest) in zip(back, ROWS, strict=True):
        assert row.latency_avg_ms == (None if mean is None else pytest.approx(mean, abs=0.005))
        assert row.latency_max_ms == (None if largest is None else pytest.approx(largest, abs=0.005))
    upgrade()
