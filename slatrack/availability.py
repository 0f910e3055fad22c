"""When the database is away: a Chinese 503 with a retry hint, a health check that names the failing part, and
a wait that lets a scheduled job run its tick once the database is back.

A lost connection surfaces as SQLAlchemy's ``OperationalError`` (refused, reset, file unreadable, SQLite
busy beyond its timeout) or ``InterfaceError``; either is answered with 503 and ``Retry-After`` instead of
an English "Internal Server Error". The session is discarded so the next request starts clean.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Response, current_app, jsonify, request, url_for
from sqlalchemy import func, select, text
from sqlalchemy.exc import InterfaceError, OperationalError

from slatrack.extensions import db
from slatrack.models import JobRun, utcnow

log = logging.getLogger(__name__)

UNAVAILABLE = "数据库暂时不可用，请稍后重试"
DATABASE_ERRORS = (OperationalError, InterfaceError)


def _retry_after() -> str:
    return str(int(current_app.config["UNAVAILABLE_RETRY_SECONDS"]))


def _forget_session() -> None:
    with contextlib.suppress(*DATABASE_ERRORS):
        db.session.rollback()
    db.session.remove()


def unavailable_response(error: Exception) -> Response:
    """The answer to any request that needed the database while it was away."""
    log.warning("数据库不可用：%s %s（%s）", request.method, request.path, type(error).__name__)
    _forget_session()
    seconds = _retry_after()
    if request.endpoint == "web.healthz":  # the database failed while reading the session: still JSON
        body, status = health()
        response = jsonify(body)
        response.status_code = status
    elif request.path.startswith("/api/"):
        from slatrack.api.errors import json_error

        response = json_error(503, f"{UNAVAILABLE}（约 {seconds} 秒后）")
    else:
        # Rendered without the context processors: they read the signed-in user, from the database.
        page = current_app.jinja_env.get_template("unavailable.html").render(
            seconds=seconds, request=request, url_for=url_for
        )
        response = Response(page, status=503, mimetype="text/html")
    response.headers["Retry-After"] = seconds
    return response


# --- /healthz -----------------------------------------------------------------------------------------


def _database_check() -> dict[str, Any]:
    try:
        db.session.execute(text("SELECT 1"))
    except DATABASE_ERRORS as exc:
        _forget_session()
        return {"ok": False, "detail": f"无法连接数据库（{type(exc).__name__}）"}
    return {"ok": True, "detail": "可连接"}


def _scheduler_check(app: Flask, database_ok: bool) -> dict[str, Any]:
    """In the process that runs the scheduler: is it running. Elsewhere: has any job run lately."""
    scheduler = app.extensions.get("slatrack_scheduler")
    if scheduler is not None:
        running = bool(scheduler.running)
        return {"ok": running, "detail": "本进程的调度器运行中" if running else "本进程的调度器已停止"}
    if not database_ok:
        return {"ok": None, "detail": "数据库不可用，无法查看任务日志"}
    last = db.session.scalar(select(func.max(JobRun.started_at)))
    if last is None:
        return {"ok": None, "detail": "任务日志中尚无运行记录（调度器可能在别处或尚未启动）"}
    stale = timedelta(minutes=int(app.config["HEALTH_SCHEDULER_STALE_MINUTES"]))
    age = utcnow() - last
    if age > stale:
        minutes = int(age.total_seconds() // 60)
        detail = f"已 {minutes} 分钟没有任务运行（调度器可能已停止）"
        return {"ok": False, "detail": detail, "last_run": last.isoformat()}
    return {"ok": True, "detail": "任务按时运行", "last_run": last.isoformat()}


def health() -> tuple[dict[str, Any], int]:
    """JSON for monitors: each part with ok true/false (null: cannot tell), 503 when one has failed."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    database = _database_check()
    checks = {"database": database, "scheduler": _scheduler_check(app, bool(database["ok"]))}
    failed = [name for name, check in checks.items() if check["ok"] is False]
    body = {"status": "ok" if not failed else "unavailable", "failed": failed, "checks": checks}
    return body, 503 if failed else 200


# --- scheduled jobs -----------------------------------------------------------------------------------

stopping = threading.Event()  # set when the scheduler shuts down, so waiting jobs give up


def wait_for_database(
    job_id: str, *, sleep: Callable[[float], None] = time.sleep, max_pause: float = 30.0
) -> datetime | None:
    """Block until the database answers; return when it first failed (None when it answered at once).

    Pauses grow from 1 s to ``max_pause``. Returns early (the database still away) only when the scheduler
    is stopping; the caller then skips the tick, which the next scheduler start does not replay.
    """
    down_since: datetime | None = None
    pause = 1.0
    while True:
        try:
            db.session.execute(text("SELECT 1"))
            db.session.rollback()
            if down_since is not None:
                log.warning("数据库已恢复，定时任务 %s 在等待 %s 后补跑", job_id, utcnow() - down_since)
            return down_since
        except DATABASE_ERRORS:
            _forget_session()
            if down_since is None:
                down_since = utcnow()
                log.warning("数据库不可用：定时任务 %s 等待数据库恢复", job_id)
            if stopping.is_set():
                raise
            sleep(pause)
            pause = min(max_pause, pause * 2)


def install(app: Flask) -> None:
    for error in DATABASE_ERRORS:
        app.register_error_handler(error, unavailable_response)
