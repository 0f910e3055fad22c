"""The agent as a real subprocess against a fake server that goes away and comes back.

After each scenario the set of sample_ids the server stored equals the set the agent produced
(everything it ever spooled), each stored once, and nothing is left pending.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from probe_servers import FakeSlatrack, ServerThread

REPO = Path(__file__).resolve().parents[2]
TOKEN = "agent-secret-7f3a"


class AgentRun:
    def __init__(self, workdir: Path, server: FakeSlatrack, web: ServerThread) -> None:
        self.workdir = workdir
        self.server = server
        self.spool = workdir / "spool.sqlite3"
        self.config = workdir / "agent.toml"
        (workdir / "db.dump").write_bytes(b"backup")
        self.config.write_text(
            f"""
[[targets]]
name = "portal"
kind = "http"
url = "{web.url}/"
keyword = "系统正常"
interval_seconds = 0.25
timeout_seconds = 1

[[targets]]
name = "db"
kind = "tcp"
host = "127.0.0.1"
port = {web.port}
interval_seconds = 0.25
timeout_seconds = 1

[[targets]]
name = "backup"
kind = "backup"
path = "{workdir}/*.dump"
interval_seconds = 0.3
""",
            encoding="utf-8",
        )
        self.logs: list[Path] = []
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, *options: str) -> subprocess.Popen[bytes]:
        log = self.workdir / f"agent-{len(self.logs)}.log"
        self.logs.append(log)
        args = ["--server", self.server.url, "--token", TOKEN, "--config", str(self.config), "--spool", str(self.spool)]
        defaults = ["--flush-interval", "0.3", "--max-backoff", "1", "--batch-size", "5"]
        with open(log, "wb") as handle:
            process = subprocess.Popen(
                [sys.executable, "-m", "probes", *args, *defaults, *options],
                stdout=handle,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                env={**os.environ, "PYTHONPATH": str(REPO)},
            )
        self.processes.append(process)
        return process

    def kill_leftovers(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)

    def produced(self) -> set[str]:
        """Every result the agent ever committed: delivered, pending or dead-lettered."""
        with closing(sqlite3.connect(self.spool)) as db:
            rows = db.execute("SELECT sample_id FROM results UNION ALL SELECT sample_id FROM dead_letters").fetchall()
        return {sample_id for (sample_id,) in rows}

    def pending(self) -> int:
        if not self.spool.exists():
            return 0
        try:
            with closing(sqlite3.connect(self.spool)) as db:
                (count,) = db.execute("SELECT COUNT(*) FROM results WHERE delivered_at IS NULL").fetchone()
        except sqlite3.OperationalError:  # the agent is still creating the schema
            return 0
        return int(count)

    def log_text(self) -> str:
        return "\n".join(log.read_text(encoding="utf-8") for log in self.logs)

    def assert_exactly_once(self) -> None:
        produced = self.produced()
        assert self.pending() == 0
        assert self.server.sample_ids() == produced
        assert all(count >= 1 for count in self.server.received_counts.values())
        assert len(self.server.stored) == len(produced)
        assert TOKEN not in self.log_text()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def stop(process: subprocess.Popen[bytes], timeout: float = 20) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout)


@pytest.fixture
def agent_run(tmp_path: Path, web: ServerThread) -> Iterator[AgentRun]:
    server = FakeSlatrack(TOKEN, known_targets={"portal", "db", "backup"}).start()
    run = AgentRun(tmp_path, server, web)
    yield run
    run.kill_leftovers()
    server.stop()


def test_server_outage_then_recovery_delivers_everything_once(agent_run: AgentRun) -> None:
    agent = agent_run.start()
    try:
        wait_until(lambda: len(agent_run.server.stored) >= 5, 15, "first deliveries")
        agent_run.server.stop()
        wait_until(lambda: agent_run.pending() >= 8, 10, "results piling up while the server is down")
        agent_run.server.start()
        wait_until(lambda: agent_run.pending() == 0, 15, "the backlog to drain")
    finally:
        assert stop(agent) == 0
    agent_run.assert_exactly_once()
    assert len(agent_run.produced()) >= 10
    assert "server not reachable" in agent_run.log_text()


def test_sigkill_then_restart_with_same_spool(agent_run: AgentRun) -> None:
    agent_run.server.stop()  # the port stays reserved for the restart below
    agent = agent_run.start()
    wait_until(lambda: agent_run.pending() >= 6, 15, "results spooled while the server is down")
    agent.kill()
    agent.wait(10)
    before_kill = agent_run.produced()
    assert before_kill and agent_run.pending() == len(before_kill)
    agent_run.server.start()
    agent = agent_run.start()
    try:
        wait_until(lambda: before_kill <= agent_run.server.sample_ids(), 15, "the killed run's results")
        wait_until(lambda: len(agent_run.server.sample_ids() - before_kill) >= 3, 15, "the new run's results")
    finally:
        assert stop(agent) == 0
    agent_run.assert_exactly_once()
    assert len(agent_run.produced()) > len(before_kill)


def test_sigterm_flushes_before_exit(agent_run: AgentRun) -> None:
    agent = agent_run.start("--flush-interval", "60", "--batch-size", "1000")
    try:
        wait_until(lambda: agent_run.pending() >= 6, 15, "results to be spooled")
        assert not agent_run.server.stored  # nothing would be sent for another minute
    finally:
        assert stop(agent) == 0
    assert agent_run.server.stored
    agent_run.assert_exactly_once()


def test_sigterm_with_server_down_exits_cleanly_and_keeps_results(agent_run: AgentRun) -> None:
    agent_run.server.stop()
    agent = agent_run.start()
    wait_until(lambda: agent_run.pending() >= 3, 15, "results to be spooled")
    started = time.monotonic()
    assert stop(agent) == 0
    assert time.monotonic() - started < 10
    assert agent_run.pending() == len(agent_run.produced()) >= 3
    assert "unsent results kept" in agent_run.log_text()


def test_once_checks_each_target_and_sends(agent_run: AgentRun) -> None:
    completed = agent_run.start("--once").wait(30)
    assert completed == 0
    stored = agent_run.server.stored.values()
    assert sorted(item["target"] for item in stored) == ["backup", "db", "portal"]
    assert all(item["ok"] for item in stored)
    agent_run.assert_exactly_once()


def test_second_agent_on_the_same_spool_is_refused(agent_run: AgentRun) -> None:
    first = agent_run.start()
    try:
        wait_until(lambda: agent_run.spool.exists(), 10, "the first agent's spool")
        second = agent_run.start()
        assert second.wait(20) == 2
    finally:
        assert stop(first) == 0
    assert "另一个探针代理正在使用" in agent_run.log_text()
