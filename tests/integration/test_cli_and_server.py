"""The command line and the production server, as a user runs them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests
from flask import Flask
from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import ApiToken, AuditRecord, User
from slatrack.security import hash_token


def test_user_create_reads_the_password_from_stdin(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["user", "create", "hua", "--role", "unit", "--unit", "522723"], input="Gd#2025pass\n")
    assert result.exit_code == 0, result.output
    assert "已创建用户 hua" in result.output
    user = db.session.scalar(select(User).where(User.username == "hua"))
    assert user is not None and user.unit.name == "贵定县" and "Gd#2025pass" not in user.password_hash
    weak = runner.invoke(args=["user", "create", "li", "--role", "admin"], input="weak\n")
    assert weak.exit_code != 0 and "密码长度" in weak.output
    assert db.session.scalar(select(User).where(User.username == "li")) is None
    created = db.session.scalars(select(AuditRecord).where(AuditRecord.object_type == "users")).all()
    assert [r.actor.startswith("cli") for r in created] == [True]


def test_token_create_prints_a_token_stored_only_as_hash(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["token", "create", "agent-duyun"])
    assert result.exit_code == 0, result.output
    plain = result.output.strip()
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "agent-duyun"))
    assert token is not None and token.user_id is None and token.token_hash == hash_token(plain)
    again = runner.invoke(args=["token", "create", "agent-duyun"])
    assert again.exit_code != 0 and "已存在" in again.output
    revoked = runner.invoke(args=["token", "revoke", "agent-duyun"])
    assert revoked.exit_code == 0
    db.session.refresh(token)
    assert token.revoked_at is not None


def test_indicators_json_lists_29_rows(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["indicators", "--year", "2025", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 29
    assert {r["operator"] for r in rows} == {">=", "<=", "=", "qualitative"}
    bad = app.test_cli_runner().invoke(args=["indicators", "--year", "2025", "--as-of", "yesterday"])
    assert bad.exit_code != 0 and "无法识别的时间" in bad.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_init_twice_then_run_serves_with_waitress(tmp_path: Path, database_url: str) -> None:
    """`slatrack init --demo` twice, then `slatrack run`: a real WSGI server answering on a port."""
    env = {**os.environ, "SLATRACK_INSTANCE_PATH": str(tmp_path / "instance"), "SLATRACK_DATABASE_URL": database_url}
    command = [sys.executable, "-c", "from slatrack.cli import main; main()"]
    first = subprocess.run([*command, "init", "--demo"], env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "演示账号 admin" in first.stdout
    second = subprocess.run([*command, "init", "--demo"], env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert "参考数据：无变更" in second.stdout and "演示账号" not in second.stdout

    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [*command, "run", "--port", str(port), "--no-scheduler"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    session = requests.Session()
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "server did not answer"
                assert server.poll() is None, "server exited"
                time.sleep(0.2)
        assert response.status_code == 200
        assert response.headers["Server"] == "slatrack"  # waitress, not the development server
        # The demo portal checks this server's own /healthz, whatever port it was started on.
        assert f"改为检查本机端口 {port}：http://127.0.0.1:{port}/healthz" in (tmp_path / "server.log").read_text()
        login_page = session.get(f"http://127.0.0.1:{port}/login", timeout=5)
        token = login_page.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        logged_in = session.post(
            f"http://127.0.0.1:{port}/login",
            data={"csrf_token": token, "username": "admin", "password": "Demo@2025"},
            timeout=5,
        )
        assert logged_in.status_code == 200 and "<h1>总览</h1>" in logged_in.text  # the dashboard
        indicators = session.get(f"http://127.0.0.1:{port}/indicators?year=2025", timeout=10)
        assert indicators.status_code == 200 and "系统故障率" in indicators.text
    finally:
        session.close()
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_login_form_requires_csrf_token(make_app: Callable[..., Flask]) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        response = app.test_client().post("/login", data={"username": "x", "password": "y"})
    assert response.status_code == 400
    assert "页面已过期或表单令牌无效" in response.get_data(as_text=True)
