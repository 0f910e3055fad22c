"""The guarantees that make two schedulers safe: per-tick claims and renewable leases.

A job tick is claimed by inserting (job_id, tick) under a unique constraint; the loser of the race
gets an IntegrityError and skips. Continuous work (in-process probes) is led by whoever holds a lease,
taken and renewed with one conditional UPDATE, so exactly one process probes at a time.
"""

from __future__ import annotations

import socket
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from slatrack.extensions import db
from slatrack.models import JobRun, SchedulerLease, utcnow


def tick_for(now: datetime, epoch: datetime, period: timedelta) -> datetime:
    """The scheduled instant a run at ``now`` belongs to: both schedulers compute the same one."""
    steps = (now - epoch) // period
    return epoch + steps * period


def claim(job_id: str, tick: datetime) -> JobRun | None:
    """Record the start of a job's tick, or None when another scheduler already claimed it."""
    run = JobRun(job_id=job_id, tick=tick, host=socket.gethostname()[:128], started_at=utcnow())
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return run


def finish(run: JobRun, outcome: str, *, summary: str = "", error: str = "") -> None:
    run.finished_at = utcnow()
    run.outcome = outcome
    run.summary = summary[:4000]
    run.error = error[:4000]
    db.session.commit()


def hold_lease(name: str, holder: str, ttl: timedelta, now: datetime | None = None) -> bool:
    """Take or renew the lease; True when this holder has it until now + ttl."""
    now = now or utcnow()
    expires = now + ttl
    if db.session.get(SchedulerLease, name) is None:
        db.session.add(SchedulerLease(name=name, holder=holder, expires_at=expires))
        try:
            db.session.commit()
            return True
        except IntegrityError:
            db.session.rollback()
    result = db.session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name)
        .where(or_(SchedulerLease.holder == holder, SchedulerLease.expires_at < now))
        .values(holder=holder, expires_at=expires)
    )
    db.session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release_lease(name: str, holder: str) -> None:
    lease = db.session.scalar(
        select(SchedulerLease).where(SchedulerLease.name == name, SchedulerLease.holder == holder)
    )
    if lease is not None:
        lease.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
