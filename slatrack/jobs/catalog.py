"""The full list of scheduled jobs: importing the modules that define jobs registers them (definitions.job)."""

from __future__ import annotations

from slatrack.jobs import alerting, sla_jobs, tasks  # noqa: F401  (register jobs on import)
from slatrack.jobs.definitions import JOBS, JobSpec


def load_all() -> list[JobSpec]:
    """Every job, once the modules that define them are imported."""
    return list(JOBS)
