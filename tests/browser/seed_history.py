"""Give the browser tests' demo targets the last 90 days of checks, so their pages have something to show.

The demo data set (``slatrack init --demo``) holds the fiscal year 2025; the tests run later than that.
Run as a script against the instance named by the environment (SLATRACK_INSTANCE_PATH, and
SLATRACK_DATABASE_URL for PostgreSQL) before the server starts: it appends to every demo target's
evidence one check per interval from 90 days ago until 35 minutes ago — one target with a 25-minute
outage three weeks ago and a few single failed checks — and derives the outages from it, as ingestion
would. The conftest then sends the last half hour through the API, as a probe agent does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from slatrack import create_app
from slatrack.audit import acting_as
from slatrack.extensions import db
from slatrack.measure.segments import Observation, build_segments
from slatrack.models import Target
from slatrack.operations.monitoring.outages import reconcile_outages
from slatrack.operations.monitoring.segment_store import load_segments, store_segments

DAYS = 90
OUTAGE_TARGET = "中间件"


def observations(target: Target, start: datetime, end: datetime) -> list[Observation]:
    step = timedelta(seconds=target.interval_seconds)
    outage_start = end - timedelta(days=21)
    outage_end = outage_start + timedelta(minutes=25)
    found = []
    moment = start
    index = 0
    while moment < end:
        failed = (target.name == OUTAGE_TARGET and outage_start <= moment < outage_end) or index % 997 == 500
        found.append(Observation(moment, not failed))
        moment += step
        index += 1
    return found


def main() -> None:
    app = create_app()
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=DAYS)
    end = now - timedelta(minutes=35)
    with app.app_context(), acting_as("test:seed"):
        for target in db.session.scalars(select(Target).order_by(Target.id)):
            earlier = [segment for segment in load_segments(target.id) if segment.end <= start]
            recent = build_segments(observations(target, start, end), target.interval_seconds)
            store_segments(target, earlier + list(recent))
            reconcile_outages(target, start, end, now)
            db.session.commit()


if __name__ == "__main__":
    main()
