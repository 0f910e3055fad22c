"""Scheduled jobs: every tick runs once even with two schedulers on one database; failures are logged."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from slatrack.extensions import db
from slatrack.jobs import claims
from slatrack.jobs.catalog import load_all
from slatrack.jobs.definitions import EPOCH, JobSpec
from slatrack.jobs.runner import build_scheduler, run_job
from slatrack.models import JobRun


def test_tick_is_the_same_for_every_scheduler() -> None:
    period = timedelta(minutes=5)
    at = datetime(2025, 5, 10, 9, 7, 30, tzinfo=UTC)
    assert claims.tick_for(at, EPOCH, period) == datetime(2025, 5, 10, 9, 5, tzinfo=UTC)
    assert claims.tick_for(at + timedelta(seconds=1), EPOCH, period) == claims.tick_for(at, EPOCH, period)


def test_two_schedulers_run_each_tick_exactly_once(make_app: Callable[..., Flask]) -> None:
    """Two APScheduler instances, two app objects, one database: each 1-second tick runs once."""
    ran: list[datetime] = []
    lock = threading.Lock()

    def work() -> str:
        with lock:
            ran.append(claims.tick_for(datetime.now(UTC), EPOCH, timedelta(seconds=1)))
        time.sleep(0.05)
        return "ok"

    spec = JobSpec("test-every-second", "测试任务", timedelta(seconds=1), work)
    first, second = make_app(), make_app()
    schedulers = [build_scheduler(first, [spec]), build_scheduler(second, [spec])]
    for scheduler in schedulers:
        scheduler.start()
    time.sleep(4.5)
    for scheduler in schedulers:
        scheduler.shutdown(wait=True)
    with first.app_context():
        runs = db.session.scalars(select(JobRun).where(JobRun.job_id == spec.id)).all()
    assert len(runs) >= 3
    assert Counter(r.tick for r in runs).most_common(1)[0][1] == 1  # one claim per tick
    assert len(ran) == len(runs) and len(set(ran)) == len(ran)  # the work itself ran once per tick
    assert all(r.outcome == "success" and r.summary == "ok" for r in runs)


def test_a_failing_job_is_logged_and_the_next_tick_runs(app: Flask) -> None:
    calls = []

    def broken() -> str:
        calls.append(1)
        raise RuntimeError("boom")

    spec = JobSpec("test-broken", "会失败的任务", timedelta(minutes=1), broken)
    now = datetime(2025, 5, 10, 9, 0, 30, tzinfo=UTC)
    assert run_job(app, spec, now) == "failed"
    assert run_job(app, spec, now) is None  # the same tick is not retried by another scheduler
    assert run_job(app, spec, now + timedelta(minutes=1)) == "failed"
    runs = db.session.scalars(select(JobRun).where(JobRun.job_id == spec.id).order_by(JobRun.tick)).all()
    assert [r.outcome for r in runs] == ["failed", "failed"]
    assert "RuntimeError: boom" in runs[0].error
    assert len(calls) == 2


def test_every_registered_job_has_a_unique_id_and_a_chinese_description() -> None:
    specs = load_all()
    ids = [s.id for s in specs]
    assert len(ids) == len(set(ids))
    assert {"sla-snapshot", "reminders", "quarterly-report-draft", "auto-backup-checks"} <= set(ids)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in s.description) for s in specs)
