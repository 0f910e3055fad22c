"""Issue 17, finding 8: the database goes away and comes back.

On PostgreSQL the app talks to the server through a relay socket that the test removes (connections cut,
nothing listening: what a stopped server looks like) and opens again. On SQLite the database's folder is
moved away (the file cannot be opened: an unmounted disk) and back; connections are not pooled there so
each request opens the file anew.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from slatrack.extensions import db
from slatrack.jobs.definitions import EPOCH, JobSpec
from slatrack.jobs.runner import build_scheduler, run_job
from slatrack.models import JobRun
from tests.integration.conftest import SERVER_URL, login


class Relay:
    """A relay between a Unix socket of its own and the PostgreSQL server's socket (so peer authentication
    still applies); ``down()`` removes it and cuts every connection, as a stopped server would."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.folder = tempfile.mkdtemp(prefix="pgrelay-", dir="/tmp")  # short: socket paths are limited
        self.path = os.path.join(self.folder, ".s.PGSQL.5432")
        self.listener: socket.socket | None = None
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()

    def up(self) -> None:
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(self.path)
        listener.listen(16)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.socket(socket.AF_UNIX)
            server.connect(self.target)
            with self.lock:
                self.open += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def down(self) -> None:
        if self.listener is not None:
            self.listener.close()
            self.listener = None
            os.unlink(self.path)
        with self.lock:
            for sock in self.open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.open.clear()

    def close(self) -> None:
        self.down()
        shutil.rmtree(self.folder, ignore_errors=True)


class Outage:
    def __init__(self, url: str, down: Callable[[], None], up: Callable[[], None]) -> None:
        self.url, self.down, self.up = url, down, up


@pytest.fixture
def outage(database_url: str, tmp_path: Path) -> Iterator[Outage]:
    if SERVER_URL:
        url = make_url(database_url)
        if url.host:
            pytest.skip("the relay stands in front of a Unix-socket PostgreSQL URL")
        server_folder = str(url.query.get("host") or "/var/run/postgresql")
        relay = Relay(os.path.join(server_folder, f".s.PGSQL.{url.port or 5432}"))
        relay.up()
        through = url.set(query={**url.query, "host": relay.folder}).render_as_string(hide_password=False)
        yield Outage(through, relay.down, relay.up)
        relay.close()
    else:
        folder = tmp_path / "dbdir"
        folder.mkdir()
        source = Path(make_url(database_url).database or "")
        source.rename(folder / "slatrack.sqlite3")
        away = tmp_path / "dbdir-away"
        url = f"sqlite:///{folder / 'slatrack.sqlite3'}"
        yield Outage(url, lambda: folder.rename(away), lambda: away.rename(folder))
        if away.exists():
            away.rename(folder)


def _app(make_app: Callable[..., Flask], outage: Outage) -> Flask:
    options: dict[str, Any] = {"poolclass": NullPool}
    if not SERVER_URL:
        options["connect_args"] = {"timeout": 1}
    return make_app(SQLALCHEMY_DATABASE_URI=outage.url, SQLALCHEMY_ENGINE_OPTIONS=options)


def test_pages_and_api_answer_503_in_chinese_while_the_database_is_away(
    make_app: Callable[..., Flask], outage: Outage
) -> None:
    app = _app(make_app, outage)
    with app.app_context():
        from slatrack.operations.accounts.users import create_user

        create_user("root", "admin", "Test@Passw0rd")
        db.session.remove()
    client = app.test_client()
    login(client, "root")
    assert client.get("/").status_code == 200
    outage.down()
    try:
        page = client.get("/tickets")
        assert page.status_code == 503
        assert page.headers["Retry-After"] == "30"
        html = page.get_data(as_text=True)
        assert "服务暂时不可用" in html and "数据库暂时无法连接" in html and "Internal Server Error" not in html
        api = client.get("/api/v1/tickets")
        assert api.status_code == 503 and api.headers["Retry-After"] == "30"
        assert "数据库暂时不可用" in json.dumps(api.get_json(), ensure_ascii=False)  # whatever the error shape
        health = client.get("/healthz")
        assert health.status_code == 503 and health.is_json
        body = health.get_json()
        assert body["failed"] == ["database"] and body["checks"]["database"]["ok"] is False
        assert app.test_client().get("/login").status_code == 200  # a page that needs no database still works
    finally:
        outage.up()
    assert client.get("/tickets").status_code == 200  # the session survived the outage
    assert client.get("/healthz").get_json()["status"] == "ok"


def test_healthz_names_a_stalled_scheduler(app: Flask, client: Any) -> None:
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["checks"]["scheduler"]["ok"] is None  # never seen: cannot tell
    old = datetime.now(UTC) - timedelta(hours=2)
    db.session.add(JobRun(job_id="missed-heartbeats", tick=old, host="h", started_at=old, outcome="success"))
    db.session.commit()
    stalled = client.get("/healthz")
    assert stalled.status_code == 503 and stalled.get_json()["failed"] == ["scheduler"]
    assert "分钟没有任务运行" in stalled.get_json()["checks"]["scheduler"]["detail"]


def test_a_tick_due_during_the_outage_runs_when_the_database_returns(
    make_app: Callable[..., Flask], outage: Outage
) -> None:
    app = _app(make_app, outage)
    ran: list[str] = []
    spec = JobSpec("test-outage", "停机测试任务", timedelta(minutes=1), lambda: ran.append("x") or "完成")
    due = datetime.now(UTC)
    outage.down()
    outcome: list[str | None] = []
    worker = threading.Thread(target=lambda: outcome.append(run_job(app, spec, due)))
    worker.start()
    time.sleep(2.5)
    assert worker.is_alive() and not ran  # waiting for the database, not failed and forgotten
    outage.up()
    worker.join(timeout=30)
    assert outcome == ["success"] and ran == ["x"]
    with app.app_context():
        run = db.session.scalar(select(JobRun).where(JobRun.job_id == spec.id))
        assert run is not None and run.outcome == "success"
        assert run.tick <= due < run.tick + spec.period  # the tick that was due, not a later one
        assert run.summary.startswith("【补跑】数据库自 ") and run.summary.endswith("完成")


def test_the_scheduler_runs_missed_ticks_once_after_the_outage(make_app: Callable[..., Flask], outage: Outage) -> None:
    """APScheduler with 1-second ticks: an outage of several ticks ends in one logged catch-up run."""
    app = _app(make_app, outage)
    spec = JobSpec("test-outage-ticks", "停机测试任务", timedelta(seconds=1), lambda: "完成")
    assert spec.epoch == EPOCH
    scheduler = build_scheduler(app, [spec])
    scheduler.start()
    try:
        time.sleep(1.5)
        outage.down()
        time.sleep(4)
        outage.up()
        time.sleep(6)
    finally:
        scheduler.shutdown(wait=True)
    with app.app_context():
        runs = db.session.scalars(select(JobRun).where(JobRun.job_id == spec.id).order_by(JobRun.tick)).all()
    caught_up = [r for r in runs if r.summary.startswith("【补跑】")]
    assert len(caught_up) == 1, [(r.tick, r.summary) for r in runs]
    assert "个周期合并于本次运行" in caught_up[0].summary
    assert runs[-1].tick > caught_up[0].tick  # and ticks go on normally afterwards
    assert all(r.outcome == "success" for r in runs)
