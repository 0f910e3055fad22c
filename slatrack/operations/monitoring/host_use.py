"""Resource use of the monitored hosts over a period: CPU, memory and disk, mean and peak per host.

Read from the hourly aggregates (``LatencyHourly``'s host columns, written by ``upkeep.aggregate_hours``
from the host checks' metrics), which outlive the raw results: a quarter's report made a year later shows
the same figures. The mean is over every host result of the period (each hour weighted by its results).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute

from slatrack.extensions import db
from slatrack.models import LatencyHourly, Target
from slatrack.reports.data import HostUse


def host_use(start: datetime, end: datetime) -> list[HostUse]:
    """Per host target with metrics in [start, end): results, mean and peak CPU, memory and disk (percent)."""
    weight = LatencyHourly.host_samples

    def mean(column: InstrumentedAttribute[float | None]) -> ColumnElement[float | None]:
        return func.sum(column * weight) / func.sum(weight)

    query = (
        select(
            Target.name,
            func.sum(weight),
            mean(LatencyHourly.cpu_avg),
            func.max(LatencyHourly.cpu_max),
            mean(LatencyHourly.memory_avg),
            func.max(LatencyHourly.memory_max),
            mean(LatencyHourly.disk_avg),
            func.max(LatencyHourly.disk_max),
        )
        .join(Target, Target.id == LatencyHourly.target_id)
        .where(LatencyHourly.hour >= start, LatencyHourly.hour < end, weight > 0)
        .group_by(Target.id, Target.name)
        .order_by(Target.name)
    )
    return [
        HostUse(name, int(samples or 0), *(None if v is None else float(v) for v in values))
        for name, samples, *values in db.session.execute(query)
    ]
