"""What `slatrack run` tells its operator: the start (address, database, scheduler, probed targets), one
access-log line per request with who made it, each scheduler tick, and the stop — in Chinese, with the time
in the configured zone, and never a credential."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import requests

from tests.integration.monitoring_helpers import free_port, wait_for

SLATRACK = [sys.executable, "-c", "from slatrack.cli import main; main()"]
PASSWORD = "Log@Passw0rd1"
STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0800"


def test_server_log_reads_as_an_operator_expects(tmp_path: Path, database_url: str) -> None:
    env = {
        **os.environ,
        "SLATRACK_INSTANCE_PATH": str(tmp_path / "instance"),
        "SLATRACK_DATABASE_URL": database_url,
        "SLATRACK_SECRET_KEY": "server-log-secret-0123456789",
    }

    def slatrack(*args: str, stdin: str | None = None) -> str:
        done = subprocess.run([*SLATRACK, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    slatrack("init")
    slatrack("user", "create", "opsadmin", "--role", "admin", "--own-password", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    token = slatrack("token", "create", "log-test", "--user", "opsadmin").strip().splitlines()[-1].split()[-1]
    assert token.startswith("slt_")

    port = free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen([*SLATRACK, "run", "--port", str(port)], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:

        def answering() -> bool:
            assert server.poll() is None, log_path.read_text()
            try:
                return requests.get(f"{base}/healthz", timeout=1).status_code == 200
            except requests.ConnectionError:
                return False

        wait_for(answering, 30, "the server did not start")
        browser = requests.Session()
        form = browser.get(f"{base}/login", timeout=5).text
        csrf = form.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        logged_in = browser.post(
            f"{base}/login", data={"csrf_token": csrf, "username": "opsadmin", "password": PASSWORD}, timeout=10
        )
        assert logged_in.status_code == 200
        created = requests.post(
            f"{base}/api/v1/tickets",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "unit": "522701",
                "category": "consult",
                "priority": "P3",
                "channel": "电话",
                "mode": "远程",
                "title": "日志测试工单",
                "reported_at": datetime.now(UTC).isoformat(),
            },
            timeout=10,
        )
        assert created.status_code == 201, created.text
        requests.post(f"{base}/api/v1/heartbeat/secret-heartbeat-token", timeout=5)
        # The heartbeat job ticks every minute, on the minute.
        wait_for(lambda: "定时任务 push-heartbeats 完成" in log_path.read_text(), 75, "no scheduler tick was logged")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    text = log_path.read_text()
    lines = text.splitlines()

    def line(pattern: str) -> str:
        found = [entry for entry in lines if re.search(pattern, entry)]
        assert found, f"no line matches {pattern!r} in:\n{text}"
        return found[0]

    assert re.match(rf"{STAMP} 信息 slatrack.server: slatrack 启动：http://127.0.0.1:{port}/", line("slatrack 启动"))
    assert "sqlite:///" in line("数据库：") or "postgresql" in line("数据库：")
    assert re.search(r"调度器：已开启，\d+ 个定时任务；本机探测 0 个监测对象", text)
    assert re.search(r'slatrack.access: 127.0.0.1 - "POST /login" 302 \d+\.\dms', text)
    assert re.search(r'slatrack.access: 127.0.0.1 opsadmin "GET /" 200 \d+\.\dms', text)  # after the redirect
    assert re.search(r'slatrack.access: 127.0.0.1 opsadmin "POST /api/v1/tickets" 201 \d+\.\dms', text)
    assert re.search(r'"POST /api/v1/heartbeat/\*\*\*" 404', text)
    tick = line("push-heartbeats 完成")
    assert re.match(rf"{STAMP} 信息 slatrack.jobs.runner: 定时任务 push-heartbeats 完成：记录逾期心跳 0 次", tick)
    assert line("slatrack 正在停止") and line("slatrack 已停止")
    assert "secret-heartbeat-token" not in text and token not in text and PASSWORD not in text
