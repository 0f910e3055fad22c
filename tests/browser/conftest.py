"""Browser tests: a real ``slatrack run --no-scheduler`` (waitress) and Debian's headless Chromium.

One server per session, on a free port, with a temporary instance: SQLite in the instance folder, or a
fresh PostgreSQL database when ``SLATRACK_TEST_DATABASE_URL`` is set. ``slatrack init --demo`` loads
the 2025 data and a demo data set; the CLI creates one more unit user for the cross-unit check.

Every page may load only what the server itself serves: requests to any other host are aborted and
fail the test, and every HTML page is scanned for src/href pointing elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_PASSWORD = "Demo@2025"
OTHER_UNIT_USER = ("fuquan", "522702")  # a unit user of 福泉市, besides the demo's 都匀市 user "duyun"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot_folder(fallback: Path) -> Path:
    """Where the browser tests write their pictures: docs/screenshots/ only when asked
    (SLATRACK_UPDATE_SCREENSHOTS=1, on the SQLite run), else SLATRACK_SCREENSHOT_DIR, else ``fallback``
    (a temporary folder), so that a test run leaves the checkout as it was."""
    if os.environ.get("SLATRACK_UPDATE_SCREENSHOTS") == "1" and not os.environ.get("SLATRACK_TEST_DATABASE_URL"):
        return DOCS_SCREENSHOTS
    chosen = os.environ.get("SLATRACK_SCREENSHOT_DIR")
    return Path(chosen) if chosen else fallback
# src/href/action attributes with an absolute http(s) URL, and CSS url(...) references.
ABSOLUTE_REFERENCE = re.compile(
    r"""(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""", re.I
)
CSS_URL = re.compile(r"""url\(\s*["']?((?:https?:)?//[^"')\s]+)""", re.I)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _slatrack() -> list[str]:
    found = shutil.which("slatrack")
    if found is None:
        pytest.fail("the slatrack command is not installed (pip install -e .)")
    return [found]


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    log: Path
    external: list[str] = field(default_factory=list)

    def cli(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*_slatrack(), *args], input=stdin, env=self.env, capture_output=True, text=True, timeout=120, check=True
        )


def _external(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "javascript", "chrome-error"):
        return False
    host = parts.hostname or ""
    return host not in {h.strip("[]") for h in LOCAL_HOSTS}


def external_references(html: str) -> list[str]:
    """Absolute references in a page (attributes, CSS) to hosts other than this machine."""
    found = [m.group(1) for m in ABSOLUTE_REFERENCE.finditer(html)] + [m.group(1) for m in CSS_URL.finditer(html)]
    return [ref for ref in found if _external(ref if "://" in ref else "http:" + ref)]


DOWN_TARGET = "中间件"  # the demo target the fresh checks show failing now


def _fresh_checks(server: LiveServer) -> None:
    """Recent check results through the API, as a probe agent would send them: every demo target was
    checked each minute for the last half hour, and the middleware's last five checks failed (so the
    dashboard shows targets up and one down, with its outage going on)."""
    token = server.cli("token", "create", "browser-admin", "--user", "admin").stdout.strip().split()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    targets = requests.get(f"{server.url}/api/v1/targets", headers=headers, timeout=30).json()
    names = [t["name"] for t in (targets["items"] if isinstance(targets, dict) else targets)]
    now = datetime.now(UTC).replace(microsecond=0)
    items = []
    for name in names:
        for minute in range(30, -1, -1):
            failing = name == DOWN_TARGET and minute < 5
            items.append(
                {
                    "target": name,
                    "observed_at": (now - timedelta(minutes=minute)).isoformat(),
                    "ok": not failing,
                    "latency_ms": None if failing else 12.0 + (minute * 7 + len(name)) % 30,
                    "detail": "连接超时（10 秒）" if failing else "",
                    "sample_id": f"browser-{name}-{minute}",
                }
            )
    response = requests.post(f"{server.url}/api/v1/probe-results", json=items, headers=headers, timeout=60)
    assert response.status_code in (200, 201), response.text


@contextmanager
def _serving(command: list[str], server: LiveServer) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` (a server for ``server.url``, logging to ``server.log``) until it answers /healthz;
    stop it at the end."""
    with server.log.open("w") as out:
        process = subprocess.Popen(command, env=server.env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start:\n{server.log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    instance = tmp_path_factory.mktemp("browser-instance")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLATRACK_")}
    env.update(
        SLATRACK_INSTANCE_PATH=str(instance),
        SLATRACK_SECRET_KEY="browser-test-secret-0123456789abcdef",
        SLATRACK_PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
        PYTHONDONTWRITEBYTECODE="1",
    )
    server_url = os.environ.get("SLATRACK_TEST_DATABASE_URL", "")
    database = ""
    admin_engine = None
    if server_url:
        database = f"slatrack_browser_{uuid.uuid4().hex[:10]}"
        admin_engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with admin_engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        env["SLATRACK_DATABASE_URL"] = make_url(server_url).set(database=database).render_as_string(hide_password=False)
    port = _free_port()
    log = instance / "server.log"
    server = LiveServer(f"http://127.0.0.1:{port}", env, log)
    server.cli("init", "--demo")
    name, unit = OTHER_UNIT_USER
    typed = f"{DEMO_PASSWORD}\n{DEMO_PASSWORD}\n"
    server.cli("user", "create", name, "--role", "unit", "--unit", unit, "--own-password", stdin=typed)
    subprocess.run(
        [sys.executable, str(Path(__file__).with_name("seed_history.py"))],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    command = [*_slatrack(), "run", "--no-scheduler", "--host", "127.0.0.1", "--port", str(port)]
    try:
        with _serving(command, server):
            _fresh_checks(server)
            yield server
    finally:
        if admin_engine is not None:
            with admin_engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            admin_engine.dispose()


@contextmanager
def clock_server(server: LiveServer, now: str) -> Iterator[LiveServer]:
    """A second server on the same instance whose clock starts at ``now`` (``SLATRACK_NOW``): the pages as
    they are on that day. Served by waitress directly, without ``slatrack run``'s scheduler or its move of
    the demo portal target to this port, so the shared server is left as it was."""
    port = _free_port()
    env = dict(server.env, SLATRACK_NOW=now)
    log = server.log.with_name(f"server-{port}.log")
    code = "from waitress import serve; from slatrack import create_app; serve(create_app(), host='127.0.0.1', port=%d)"
    code %= port
    other = LiveServer(f"http://127.0.0.1:{port}", env, log)
    with _serving([sys.executable, "-c", code], other):
        yield other


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (the tests never download a browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class Session:
    """A browser context for one user, guarding that nothing is fetched from another host."""

    def __init__(self, browser: Any, server: LiveServer, viewport: dict[str, int] | None = None) -> None:
        self.server = server
        self.external: list[str] = []
        self.context = browser.new_context(
            base_url=server.url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport=viewport or {"width": 1366, "height": 900},
            accept_downloads=True,
        )
        self.context.set_default_timeout(15_000)
        self.context.route("**/*", self._guard)
        self.page = self.context.new_page()
        self.page.on("response", self._scan)
        # The Content-Security-Policy has no 'unsafe-inline': anything it blocks shows on the console.
        self.csp_violations: list[str] = []
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(f"{self.page.url}: {message.text}")

    def _guard(self, route: Any) -> None:
        url = route.request.url
        if _external(url):
            self.external.append(url)
            route.abort()
        else:
            route.continue_()

    def _scan(self, response: Any) -> None:
        if response.request.resource_type != "document" or _external(response.url):
            return
        try:
            body = response.text()
        except Exception:  # a download or a navigation that went away: no HTML to scan
            return
        self.external.extend(f"{response.url} references {ref}" for ref in external_references(body))

    def goto(self, path: str) -> Any:
        return self.page.goto(path)

    def login(self, username: str, password: str = DEMO_PASSWORD) -> None:
        self.page.goto("/login")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(password)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_load_state()
        assert "/login" not in self.page.url, f"login as {username} failed: {self.page.content()[:500]}"

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_session(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """``open_session(username)``: a logged-in browser context; fails the test on any outside request."""
    sessions: list[Session] = []

    def factory(username: str | None = None, viewport: dict[str, int] | None = None) -> Session:
        session = Session(browser, live_server, viewport)
        sessions.append(session)
        if username is not None:
            session.login(username)
        return session

    yield factory
    outside = [url for session in sessions for url in session.external]
    blocked = [text for session in sessions for text in session.csp_violations]
    for session in sessions:
        session.close()
    assert outside == [], f"pages reached outside the server: {outside}"
    assert blocked == [], f"the Content-Security-Policy blocked parts of pages: {blocked}"
