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
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from slatrack import availability
from slatrack.audit import acting_as
from slatrack.jobs import claims
from slatrack.jobs.catalog import load_all
from slatrack.jobs.definitions import JobSpec
from slatrack.models import utcnow

log = logging.getLogger(__name__)


def run_job(app: Flask, spec: JobSpec, now: datetime | None = None) -> str | None:
    """Run one tick of a job if no other scheduler has; returns the outcome, or None when skipped."""
    with app.app_context(), acting_as(f"job:{spec.id}"):
        from slatrack.extensions import db

        tick = claims.tick_for(now or utcnow(), spec.epoch, spec.period)
        try:
            down_since = availability.wait_for_database(spec.id)
        except availability.DATABASE_ERRORS:
            log.error("定时任务 %s：数据库不可用期间调度器已停止，%s 这一次未运行", spec.id, tick)
            return None
        run = claims.claim(spec.id, tick)
        if run is None:
            return None
        note = catch_up_note(app, spec, tick, down_since)
        try:
            summary = spec.func()
        except Exception:
            db.session.rollback()
            log.exception("定时任务 %s（%s）失败", spec.id, spec.description)
            claims.finish(run, "failed", summary=note, error=traceback.format_exc())
            return "failed"
        claims.finish(run, "success", summary=note + summary)
        log.info("定时任务 %s 完成：%s", spec.id, note + summary)
        return "success"


def catch_up_note(app: Flask, spec: JobSpec, tick: datetime, down_since: datetime | None) -> str:
    """For the job log: this tick ran late because the database was away, and the ticks merged into it."""
    if down_since is None:
        return ""
    zone = ZoneInfo(app.config["TIMEZONE"])
    merged = (claims.tick_for(utcnow(), spec.epoch, spec.period) - tick) // spec.period
    local = tick.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    since = down_since.astimezone(zone).strftime("%H:%M:%S")
    extra = f"，其间错过的 {merged} 个周期合并于本次运行" if merged else ""
    return f"【补跑】数据库自 {since} 起不可用，恢复后补跑 {local} 到期的周期{extra}。"


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
            # A tick the scheduler could not start on time (a busy pool, a paused process) still runs within
            # one period, and several late ones run once; ticks whose run waits for the database are merged
            # into that run the same way (max_instances=1, see catch_up_note).
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(spec.period.total_seconds()) or 1,
        )
    return scheduler


def start_scheduler(app: Flask) -> BackgroundScheduler:
    from slatrack.jobs.alerting import start_alert_worker
    from slatrack.jobs.probing import start_probing

    scheduler = build_scheduler(app)
    availability.stopping.clear()
    scheduler.start()
    app.extensions["slatrack_scheduler"] = scheduler  # for /healthz
    log.info("调度器已启动：%d 个定时任务", len(scheduler.get_jobs()))
    # In-process probes run beside the jobs, in whichever process holds the "probes" lease.
    app.extensions["slatrack_probing"] = start_probing(app, holder_name())
    app.extensions["slatrack_alerts"] = start_alert_worker(app, holder_name())
    return scheduler


def stop_scheduler(app: Flask, scheduler: BackgroundScheduler) -> None:
    availability.stopping.set()
    app.extensions.pop("slatrack_scheduler", None)
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
