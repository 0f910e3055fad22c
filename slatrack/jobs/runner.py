"""Run the scheduled jobs with APScheduler 3, each tick once across all schedulers.

The scheduler is started on purpose by ``slatrack run`` or ``slatrack scheduler``, never by
create_app(). Each run opens its own app context, claims its tick in the database, and records its
outcome in the job log.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import traceback
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from slatrack.audit import acting_as
from slatrack.jobs import claims
from slatrack.jobs.definitions import JobSpec, load_all
from slatrack.models import utcnow

log = logging.getLogger(__name__)


def run_job(app: Flask, spec: JobSpec, now: datetime | None = None) -> str | None:
    """Run one tick of a job if no other scheduler has; returns the outcome, or None when skipped."""
    with app.app_context(), acting_as(f"job:{spec.id}"):
        from slatrack.extensions import db

        tick = claims.tick_for(now or utcnow(), spec.epoch, spec.period)
        run = claims.claim(spec.id, tick)
        if run is None:
            return None
        try:
            summary = spec.func()
        except Exception:
            db.session.rollback()
            log.exception("job %s failed", spec.id)
            claims.finish(run, "failed", error=traceback.format_exc())
            return "failed"
        claims.finish(run, "success", summary=summary)
        return "success"


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def build_scheduler(app: Flask, specs: list[JobSpec] | None = None) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=app.config["TIMEZONE"])
    for spec in load_all() if specs is None else specs:
        scheduler.add_job(
            run_job,
            IntervalTrigger(seconds=spec.period.total_seconds(), start_date=spec.epoch),
            args=(app, spec),
            id=spec.id,
            name=spec.description,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(spec.period.total_seconds() // 2) or 1,
        )
    return scheduler


def start_scheduler(app: Flask) -> BackgroundScheduler:
    from slatrack.jobs.alerting import start_alert_worker
    from slatrack.jobs.probing import start_probing

    scheduler = build_scheduler(app)
    scheduler.start()
    log.info("scheduler started with %d jobs", len(scheduler.get_jobs()))
    # In-process probes run beside the jobs, in whichever process holds the "probes" lease.
    app.extensions["slatrack_probing"] = start_probing(app, holder_name())
    app.extensions["slatrack_alerts"] = start_alert_worker(app, holder_name())
    return scheduler


def stop_scheduler(app: Flask, scheduler: BackgroundScheduler) -> None:
    probing = app.extensions.pop("slatrack_probing", None)
    if probing is not None:
        probing.stop()
    if (alerts := app.extensions.pop("slatrack_alerts", None)) is not None:
        alerts.stop()
    scheduler.shutdown(wait=True)


def run_scheduler_forever(app: Flask) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    scheduler = start_scheduler(app)
    print(f"slatrack 调度器已启动（{len(scheduler.get_jobs())} 个任务），按 Ctrl+C 停止", flush=True)
    stop.wait()
    stop_scheduler(app, scheduler)
