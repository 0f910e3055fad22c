"""Every scheduled job as data: a stable id, how often, and the plain function it runs.

Each function runs inside its own app context (the runner opens it), must be safe to run twice, and
returns a short summary for the job log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# Ticks are counted from this instant, so every scheduler computes the same ticks.
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class JobSpec:
    id: str
    description: str
    period: timedelta
    func: Callable[[], str]
    # Offset of the first tick from EPOCH (e.g. nightly jobs at 01:30 Asia/Shanghai = 17:30 UTC).
    offset: timedelta = timedelta(0)

    @property
    def epoch(self) -> datetime:
        return EPOCH + self.offset


JOBS: list[JobSpec] = []


def job(
    job_id: str, description: str, period: timedelta, offset: timedelta = timedelta(0)
) -> Callable[[Callable[[], str]], Callable[[], str]]:
    """Register a function as a scheduled job."""

    def register(func: Callable[[], str]) -> Callable[[], str]:
        if any(spec.id == job_id for spec in JOBS):
            raise ValueError(f"duplicate job id {job_id}")
        JOBS.append(JobSpec(job_id, description, period, func, offset))
        return func

    return register


def load_all() -> list[JobSpec]:
    """Import the modules that define jobs, then return them all."""
    from slatrack.jobs import alerting, sla_jobs, tasks  # noqa: F401  (register jobs on import)

    return list(JOBS)
