"""Local stand-ins for the alert receivers, checking what the real ones check.

- DingTalk robot: ``access_token`` in the query; with 加签, ``timestamp`` (ms) within one hour of the
  receiver's clock and ``sign`` = base64(HMAC-SHA256(secret, timestamp + "\\n" + secret)); a markdown
  body needs ``title`` and ``text``; more than 20 messages in a minute is refused (errcode 130101).
- WeCom robot: ``key`` in the query; a markdown ``content`` of at most 4096 bytes; 20 a minute (45009).
- Feishu robot: with signature checking, ``timestamp`` (s) within one hour and ``sign`` =
  base64(HMAC-SHA256 keyed with timestamp + "\\n" + secret over an empty message) in the body.
- Webhook: the JSON body's six fields; with a secret, the X-Slatrack-Signature header.
- SMTP: aiosmtpd, keeping every message.

Each receiver keeps what it accepted, can be taken "down" (HTTP 502), and counts its rate limit with a
clock the test controls.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

SKEW_SECONDS = 3600
ROBOT_LIMIT = 20


@dataclass
class Received:
    kind: str
    at: float  # the receiver's (test-controlled) clock
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def text(self) -> str:
        """Everything a person reads in the message, for assertions on the Chinese text."""
        return json.dumps(self.body, ensure_ascii=False)


@dataclass
class Receivers:
    token: str = "tok-0123456789"
    dingtalk_secret: str = "SEC0123456789abcdef"
    feishu_secret: str = "feishu-secret-01"
    webhook_secret: str = ""
    clock: Callable[[], float] = time.time
    signing_clock_offset: float = 0.0  # shift the receiver's idea of "now" for signature timestamps
    down: bool = False
    accepted: list[Received] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0
    arrived: threading.Event = field(default_factory=threading.Event)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, kind: str) -> str:
        return {
            "dingtalk": f"{self.base}/robot/send?access_token={self.token}",
            "wecom": f"{self.base}/cgi-bin/webhook/send?key={self.token}",
            "feishu": f"{self.base}/open-apis/bot/v2/hook/{self.token}",
            "webhook": f"{self.base}/hooks/slatrack",
        }[kind]

    def of(self, kind: str) -> list[Received]:
        with self.lock:
            return [r for r in self.accepted if r.kind == kind]

    def _recent(self, kind: str, now: float) -> int:
        return sum(1 for r in self.accepted if r.kind == kind and now - 60 < r.at <= now)

    def _fresh(self, timestamp: float) -> bool:
        return abs(time.time() + self.signing_clock_offset - timestamp) <= SKEW_SECONDS

    # Each check returns (accepted, answer body).
    def dingtalk(self, query: dict[str, str], body: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        if query.get("access_token") != self.token:
            return False, {"errcode": 300001, "errmsg": "token is not exist"}
        if self.dingtalk_secret:
            try:
                timestamp = int(query["timestamp"])
            except (KeyError, ValueError):
                return False, {"errcode": 310000, "errmsg": "sign not match, timestamp missing"}
            if not self._fresh(timestamp / 1000):
                return False, {"errcode": 310000, "errmsg": "timestamp is not within one hour"}
            expected = base64.b64encode(
                hmac.new(
                    self.dingtalk_secret.encode(), f"{timestamp}\n{self.dingtalk_secret}".encode(), hashlib.sha256
                ).digest()
            ).decode()
            if not hmac.compare_digest(query.get("sign", ""), expected):
                return False, {"errcode": 310000, "errmsg": "sign not match"}
        markdown = body.get("markdown") or {}
        if body.get("msgtype") != "markdown" or not markdown.get("title") or not markdown.get("text"):
            return False, {"errcode": 40035, "errmsg": "缺少参数 markdown"}
        return True, {"errcode": 0, "errmsg": "ok"}

    def wecom(self, query: dict[str, str], body: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        if query.get("key") != self.token:
            return False, {"errcode": 93000, "errmsg": "invalid webhook url"}
        content = (body.get("markdown") or {}).get("content")
        if body.get("msgtype") != "markdown" or not isinstance(content, str) or not content:
            return False, {"errcode": 40008, "errmsg": "invalid message type"}
        if len(content.encode()) > 4096:
            return False, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}
        return True, {"errcode": 0, "errmsg": "ok"}

    def feishu(self, token: str, body: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        if token != self.token:
            return False, {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}
        if self.feishu_secret:
            try:
                timestamp = int(body["timestamp"])
            except (KeyError, ValueError):
                return False, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}
            expected = base64.b64encode(
                hmac.new(f"{timestamp}\n{self.feishu_secret}".encode(), b"", hashlib.sha256).digest()
            ).decode()
            if not self._fresh(timestamp) or not hmac.compare_digest(str(body.get("sign", "")), expected):
                return False, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}
        post = ((body.get("content") or {}).get("post") or {}).get("zh_cn") or {}
        if body.get("msg_type") != "post" or not post.get("title") or not post.get("content"):
            return False, {"code": 9499, "msg": "Bad Request"}
        return True, {"code": 0, "msg": "success", "data": {}}

    def webhook(self, body: dict[str, Any], raw: bytes, headers: dict[str, str]) -> tuple[bool, dict[str, Any]]:
        if set(body) != {"event", "title", "text", "url", "at", "data"}:
            return False, {"error": f"unexpected fields {sorted(body)}"}
        if self.webhook_secret:
            timestamp = headers.get("X-Slatrack-Timestamp", "")
            expected = (
                "sha256="
                + hmac.new(self.webhook_secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
            )
            if not hmac.compare_digest(headers.get("X-Slatrack-Signature", ""), expected):
                return False, {"error": "bad signature"}
        return True, {"ok": True}


def _handler(state: Receivers) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if state.down:
                self.send_response(502)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            parts = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            headers = dict(self.headers.items())
            try:
                body = json.loads(raw)
            except ValueError:
                self._reply(400, {"error": "not json"})
                return
            if parts.path == "/robot/send":
                kind, (ok, answer) = "dingtalk", state.dingtalk(query, body)
            elif parts.path == "/cgi-bin/webhook/send":
                kind, (ok, answer) = "wecom", state.wecom(query, body)
            elif parts.path.startswith("/open-apis/bot/v2/hook/"):
                kind, (ok, answer) = "feishu", state.feishu(parts.path.rsplit("/", 1)[-1], body)
            elif parts.path == "/hooks/slatrack":
                kind, (ok, answer) = "webhook", state.webhook(body, raw, headers)
            else:
                self._reply(404, {"error": "no such hook"})
                return
            with state.lock:
                now = state.clock()
                if ok and kind in ("dingtalk", "wecom") and state._recent(kind, now) >= ROBOT_LIMIT:
                    ok = False
                    answer = (
                        {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
                        if kind == "dingtalk"
                        else {"errcode": 45009, "errmsg": "api freq out of limit"}
                    )
                if ok:
                    state.accepted.append(Received(kind, now, body, headers))
                else:
                    state.refused.append((kind, json.dumps(answer, ensure_ascii=False)))
            state.arrived.set()
            self._reply(200 if kind != "webhook" or ok else 400, answer)

    return Handler


def start_receivers(state: Receivers) -> Iterator[Receivers]:
    server = ThreadingHTTPServer(("127.0.0.1", state.port), _handler(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"


def start_smtp(mailbox: Mailbox, **controller_options: Any) -> Iterator[tuple[str, int]]:
    from aiosmtpd.controller import Controller

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **controller_options)
    controller.start()
    try:
        yield "127.0.0.1", port
    finally:
        controller.stop()


# ---------------------------------------------------------------------------------------------------
# A live ``slatrack run`` (web server, scheduler and the alert worker) for the end-to-end test and the
# benchmark.

ADMIN_PASSWORD = "Alert@Passw0rd"


@dataclass
class LiveSlatrack:
    url: str
    env: dict[str, str]
    log: Path
    token: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def cli(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", "from slatrack.cli import main; main()", *args],
            input=stdin, env=self.env, capture_output=True, text=True, timeout=180, check=True,
        )  # fmt: skip


@contextmanager
def live_slatrack(instance: Path, database_url: str = "") -> Iterator[LiveSlatrack]:
    """``slatrack init``, an admin user and token, then ``slatrack run`` with its scheduler."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLATRACK_")}
    env.update(SLATRACK_INSTANCE_PATH=str(instance), SLATRACK_SECRET_KEY="alert-live-secret-0123456789abcdef")
    if database_url:
        env["SLATRACK_DATABASE_URL"] = database_url
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = LiveSlatrack(f"http://127.0.0.1:{port}", env, instance / "server.log")
    server.cli("init")
    server.cli("user", "create", "alert-admin", "--role", "admin", stdin=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")
    server.token = server.cli("token", "create", "alert-admin-token", "--user", "alert-admin").stdout.split()[-1]
    with server.log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from slatrack.cli import main; main()", "run", "--host", "127.0.0.1",
             "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{server.log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def failing_results(name: str, confirm: int, now: datetime, tag: str) -> list[dict[str, Any]]:
    """``confirm`` failing results a second apart ending at ``now``: the last one confirms the outage."""
    return [
        {"target": name, "observed_at": (now - timedelta(seconds=confirm - 1 - i)).isoformat(), "ok": False,
         "latency_ms": None, "detail": "连接超时（10 秒）", "sample_id": f"{tag}-{name}-{i}"}
        for i in range(confirm)
    ]  # fmt: skip
