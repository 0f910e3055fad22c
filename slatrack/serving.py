"""What the server says: its start, one access-log line per request, the scheduler's runs, and its stop.

``slatrack run`` calls :func:`serve`; the access-log hook is installed by ``create_app()`` and only
writes when logging is configured (``configure_logging``), so tests and commands stay quiet.
Lines are in Chinese where an operator reads them, with the time in the configured zone::

    2026-12-03 10:15:02 +0800 信息 slatrack.access: 127.0.0.1 admin "POST /login" 302 41.2ms
"""

from __future__ import annotations

import logging
import re
import signal
import sys
import time
from datetime import datetime
from types import FrameType
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from flask import Flask, Response, g, request

ACCESS = logging.getLogger("slatrack.access")
log = logging.getLogger("slatrack.server")

LEVEL_NAMES = {"DEBUG": "调试", "INFO": "信息", "WARNING": "警告", "ERROR": "错误", "CRITICAL": "严重"}
# Parts of a request line that carry a credential: a push target's heartbeat token in the path, and
# query parameters whose name says they hold a secret.
_SECRET_PATH = re.compile(r"(/heartbeat/)[^/?]+")
_SECRET_KEYS = ("token", "secret", "password", "sign", "key")


class LocalTimeFormatter(logging.Formatter):
    """``2026-12-03 10:15:02 +0800 信息 logger: message``: times in the deployment's zone, levels in Chinese."""

    def __init__(self, zone: str) -> None:
        super().__init__("%(asctime)s %(levelname_zh)s %(name)s: %(message)s")
        self.zone = ZoneInfo(zone)

    def format(self, record: logging.LogRecord) -> str:
        record.levelname_zh = LEVEL_NAMES.get(record.levelname, record.levelname)
        return super().format(record)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, self.zone).strftime("%Y-%m-%d %H:%M:%S %z")


def configure_logging(zone: str, level: int = logging.INFO) -> None:
    """One handler on standard error for slatrack, waitress and APScheduler (idempotent)."""
    root = logging.getLogger()
    if any(getattr(handler, "slatrack", False) for handler in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LocalTimeFormatter(zone))
    handler.slatrack = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # APScheduler's own per-run lines repeat the job log's; its warnings (missed runs) still show.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def masked_target(path: str, query: str) -> str:
    """The request's path and query as logged: credentials replaced by ***."""
    shown = _SECRET_PATH.sub(r"\1***", path)
    if query:
        pairs = [
            (name, "***" if any(key in name.lower() for key in _SECRET_KEYS) else value)
            for name, value in parse_qsl(query, keep_blank_values=True)
        ]
        shown += "?" + urlencode(pairs, safe="*:,")
    return shown


def install_access_log(app: Flask) -> None:
    """One line per request: address, who, method and path, status, milliseconds."""

    @app.before_request
    def _start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _access_line(response: Response) -> Response:
        if ACCESS.isEnabledFor(logging.INFO):
            started = g.get("request_started")
            elapsed = (time.perf_counter() - started) * 1000 if started is not None else 0.0
            principal = g.get("principal")
            who = principal.name if principal is not None else "-"
            target = masked_target(request.path, request.query_string.decode("latin-1"))
            ACCESS.info(
                '%s %s "%s %s" %d %.1fms',
                request.remote_addr or "-",
                who,
                request.method,
                target,
                response.status_code,
                elapsed,
            )
        return response


def _probed_target_count(app: Flask) -> int:
    from slatrack.operations.monitoring.targets import active_in_process_targets

    with app.app_context():
        return len(active_in_process_targets())


def _stop_on_signal(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(app: Flask, host: str, port: int, threads: int, scheduler: bool) -> None:
    """Serve with waitress until stopped, with the scheduler in the same process unless told not to."""
    from waitress import serve as waitress_serve

    from slatrack.config import safe_database_url

    configure_logging(app.config["TIMEZONE"])
    log.info("slatrack 启动：http://%s:%d/（waitress，%d 个线程）", host, port, threads)
    log.info("数据库：%s", safe_database_url(app.config["SQLALCHEMY_DATABASE_URI"]))
    runner: Any = None
    if scheduler:
        from slatrack.jobs.runner import start_scheduler

        runner = start_scheduler(app)
        log.info(
            "调度器：已开启，%d 个定时任务；本机探测 %d 个监测对象",
            len(runner.get_jobs()),
            _probed_target_count(app),
        )
    else:
        log.info("调度器：未开启（--no-scheduler），定时任务和本机探测需另行运行 slatrack scheduler")
    from slatrack.operations.figures.warmup import warm_in_background

    warm_in_background(app)  # the dashboard's figures ready for the first request after a start
    # A service manager stops the server with SIGTERM: end the serving loop like Ctrl+C, so that the
    # scheduler stops cleanly and the stop is logged.
    signal.signal(signal.SIGTERM, _stop_on_signal)
    try:
        waitress_serve(app, host=host, port=port, threads=threads, ident="slatrack")
    except KeyboardInterrupt:
        pass
    finally:
        log.info("slatrack 正在停止")
        if runner is not None:
            from slatrack.jobs.runner import stop_scheduler

            stop_scheduler(app, runner)
        log.info("slatrack 已停止")
