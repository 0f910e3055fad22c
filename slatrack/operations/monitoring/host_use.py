"""Resource use of the monitored hosts over a period: CPU, memory and disk, mean and peak per host.

Read from the stored hours (``latency.latency_hours``: a host check's hour keeps its resource use, packed
with its latency by measure/latency.py), which outlive the raw results: a quarter's report made a year
later shows the same figures. The mean is over every host result of the period (each hour weighted by its
results with metrics); the peak is the highest single result.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from slatrack.extensions import db
from slatrack.measure.latency import HostHour
from slatrack.models import Target
from slatrack.operations.monitoring.latency import latency_hours
from slatrack.reports.data import HostUse


def host_use(start: datetime, end: datetime) -> list[HostUse]:
    """Per host target with metrics in [start, end): results, mean and peak CPU, memory and disk (percent)."""
    found: list[HostUse] = []
    hosts = db.session.execute(select(Target.id, Target.name).where(Target.kind == "host").order_by(Target.name))
    for target_id, name in hosts.all():
        hours = [item.figures.host for item in latency_hours(target_id, start, end) if item.figures.host]
        if hours:
            found.append(_over(name, hours))
    return found


def _over(name: str, hours: list[HostHour]) -> HostUse:
    samples = sum(hour.samples for hour in hours)
    figures: list[float | None] = []
    for index in range(0, 6, 2):
        total = weight = 0.0
        peak: float | None = None
        for hour in hours:
            mean, high = hour.values()[index], hour.values()[index + 1]
            if mean is not None:
                total += mean * hour.samples
                weight += hour.samples
            if high is not None and (peak is None or high > peak):
                peak = high
        figures += [total / weight if weight else None, peak]
    return HostUse(name, samples, *figures)
