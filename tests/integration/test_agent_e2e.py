"""End to end: the real slatrack server (``slatrack run`` on a port, SQLite file) and the real remote agent
(``python -m probes``) checking a local HTTP server. The server is stopped and restarted while the agent
runs, then the agent is killed and restarted: every result the agent recorded arrives exactly once.
The database is the test database: a SQLite file, or PostgreSQL when SLATRACK_TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import requests
from flask import Flask
from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import Outage, ProbeResult, utcnow
from slatrack.operations.monitoring.targets import create_target
from tests.integration.monitoring_helpers import free_port, http_target, wait_for

SLATRACK = [sys.executable, "-c", "from slatrack.cli import main; main()"]


@contextmanager
def _server(env: dict[str, str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("a") as handle:
        process = subprocess.Popen(
            [*SLATRACK, "run", "--port", str(port), "--no-scheduler"], env=env, stdout=handle, stderr=subprocess.STDOUT
        )
    try:

        def answering() -> bool:
            assert process.poll() is None, log.read_text()
            try:
                return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
            except requests.ConnectionError:
                return False

        wait_for(answering, 30, "the slatrack server did not start")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=15)


def _agent(env: dict[str, str], port: int, token: str, config: Path, spool: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("a") as handle:
        return subprocess.Popen(
            [
                sys.executable, "-m", "probes",
                "--server", f"http://127.0.0.1:{port}",
                "--token", token,
                "--config", str(config),
                "--spool", str(spool),
                "--flush-interval", "0.5",
                "--max-backoff", "1",
            ],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )  # fmt: skip


def _spooled(spool: Path) -> tuple[set[str], int, int]:
    with sqlite3.connect(spool) as conn:
        ids = {row[0] for row in conn.execute("SELECT sample_id FROM results")}
        pending = conn.execute("SELECT COUNT(*) FROM results WHERE delivered_at IS NULL").fetchone()[0]
        dead = conn.execute("SELECT COUNT(*) FROM dead_letters").fetchone()[0]
    return ids, int(pending), int(dead)


def _stored(app: Flask) -> list[str]:
    with app.app_context():
        try:
            return list(db.session.scalars(select(ProbeResult.sample_id)))
        finally:
            db.session.remove()


def test_agent_results_arrive_exactly_once_across_restarts(
    make_app: Callable[..., Flask], make_token: Callable[..., str], database_url: str, tmp_path: Path
) -> None:
    app = make_app()
    with http_target() as url, app.app_context():
        for name, interval in (("portal", 5), ("portal-api", 6)):
            create_target(
                {
                    "name": name,
                    "kind": "http",
                    "url": url,
                    "interval_seconds": interval,
                    "timeout_seconds": 2,
                    "in_process": False,
                    "critical": True,
                    "monitored_since": utcnow() - timedelta(minutes=5),
                }
            )
        token = make_token(None)
        db.session.remove()

        config = tmp_path / "agent.toml"
        config.write_text(
            f'[[targets]]\nname = "portal"\nkind = "http"\nurl = "{url}"\ninterval_seconds = 5\ntimeout_seconds = 2\n'
            f'[[targets]]\nname = "portal-api"\nkind = "http"\nurl = "{url}"\ninterval_seconds = 6\n'
            'timeout_seconds = 2\nkeyword = "正常"\n',
            encoding="utf-8",
        )
        env = {
            **os.environ,
            "SLATRACK_INSTANCE_PATH": str(tmp_path / "instance"),
            "SLATRACK_DATABASE_URL": database_url,
            "SLATRACK_SECRET_KEY": "e2e-secret-key-0123456789",
        }
        port = free_port()
        spool = tmp_path / "spool.sqlite3"
        server_log, agent_log = tmp_path / "server.log", tmp_path / "agent.log"

        agent = _agent(env, port, token, config, spool, agent_log)
        try:
            with _server(env, port, server_log):
                wait_for(lambda: len(_stored(app)) >= 2, 30, "no result reached the server")
            # The server is down: the agent keeps checking and spools.
            stored_while_up = len(_stored(app))
            wait_for(lambda: _spooled(spool)[1] >= 2, 30, "the agent spooled nothing while the server was down")
            assert len(_stored(app)) == stored_while_up
            with _server(env, port, server_log):
                wait_for(lambda: _spooled(spool)[1] == 0, 30, "spooled results were not delivered after restart")
                # Now kill the agent outright, and start it again on the same spool.
                agent.send_signal(signal.SIGKILL)
                agent.wait(timeout=10)
                before_restart = len(_spooled(spool)[0])
                agent = _agent(env, port, token, config, spool, agent_log)
                wait_for(
                    lambda: len(_spooled(spool)[0]) >= before_restart + 2, 30, "the restarted agent checked nothing"
                )
                agent.send_signal(signal.SIGTERM)
                assert agent.wait(timeout=30) == 0
                recorded, pending, dead = _spooled(spool)
                assert pending == 0 and dead == 0, agent_log.read_text()
        finally:
            if agent.poll() is None:
                agent.kill()
                agent.wait(timeout=10)

        stored = _stored(app)
        assert len(stored) == len(set(stored))  # exactly once
        assert set(stored) == recorded  # every result the agent recorded, and nothing else
        assert len(stored) >= 6
        outages = db.session.scalars(select(Outage)).all()
        assert outages == []  # the target answered throughout: gaps are unknown, never downtime
