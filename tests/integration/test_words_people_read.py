"""Every page and every API error, as each role: only words a person reads.

The walk opens every GET route of the application's url_map with sample arguments (an existing ticket,
target, quarter, ...; and a missing one for the error pages) as the admin, the vendor, a unit user and the
auditor, and sends every API route bad input, a missing object and no token. It fails on any English word,
raw key or ASCII-only message shown to a person: the page's text and the attributes a person reads
(title, placeholder, aria-label, alt) with tags, scripts and styles stripped, and the API errors' message
and field texts. Proper names (URL, API, HTTP, TLS, ...), priorities (P1..P4), codes (OM-2025), numbers
and the test's own data (user names) are allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing.converters import NumberConverter

from slatrack.extensions import db
from slatrack.models import Indicator, Target, utcnow
from tests.integration.conftest import bearer, login
from tests.integration.test_web_dashboard import _target, _ticket

# Proper names and abbreviations a Chinese user reads as they are.
PROPER_NAMES = {
    "URL",
    "API",
    "HTTP",
    "HTTPS",
    "TLS",
    "SSL",
    "TCP",
    "ICMP",
    "DNS",
    "IP",
    "CPU",
    "SLA",
    "ID",
    "CSV",
    "Excel",
    "Word",
    "JSON",
    "ISO",
    "UTC",
    "SMTP",
    "Webhook",
    "PowerShell",
    "curl",
    "ms",
    "xlsx",
    "csv",
    "docx",
    "pyz",
    "GB18030",
    "UTF-8",
    "WPS",
    "Bearer",
    "Python",
    "OpenAPI",
    "SVG",
    "PDF",
    "GET",
    "POST",
    # File kinds a person picks files by.
    "pdf",
    "png",
    "jpg",
    "jpeg",
    "zip",
    "toml",
}
# The test's own data, shown as it was entered.
TEST_DATA = {"boss", "eng", "duyun", "watcher", "test", "abc"}  # "abc": a bad year typed, quoted back
ROLES = {"admin": ("boss", None), "vendor": ("eng", None), "unit": ("duyun", "522701"), "auditor": ("watcher", None)}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:[.\-/][A-Za-z0-9_]+)*")
# Codes (OM-2025, YW-2025-NEW), priorities, quarters, abbreviations in capitals (GBK, MB), file names.
CODE = re.compile(
    r"(?:[A-Z]{2,}(?:-[A-Z0-9]+)+|P[1-4]|\d+[A-Za-z]+\d*|[A-Z]\d+|[A-Z]{2,6}|[A-Za-z_]+\.(?:toml|xlsx|csv|docx|pyz))"
)
# Addresses (an example webhook URL) and literal values to type (@all) are data, not words.
DATA = re.compile(r"(?:https?://\S*|@\w+|(?<![\w/])/[\w/?=&.%-]*)")
SKIPPED_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp", "textarea"}
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}


class _Text(HTMLParser):
    """The text a person reads on a page: text outside scripts, styles and code, and the read attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_ELEMENTS:
            self._skipping += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_ELEMENTS and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.parts.append(data.strip())


def page_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.parts


def foreign_words(text: str) -> list[str]:
    """Words in ``text`` a Chinese user would not read: English, raw keys (snake_case, dotted)."""
    found = []
    for word in WORD.findall(DATA.sub(" ", text)):
        if word in PROPER_NAMES or word in TEST_DATA or CODE.fullmatch(word):
            continue
        if "/" in word and all(part in PROPER_NAMES for part in word.split("/")):
            continue  # HTTP/HTTPS
        found.append(word)
    return found


def test_the_word_check_itself() -> None:
    assert foreign_words("Not a valid date value.") == ["Not", "a", "valid", "date", "value"]
    assert foreign_words("合同 OM-2025 的 contracts.OM-2025.downtime_minutes") == ["contracts.OM-2025.downtime_minutes"]
    assert foreign_words("api_tokens #3") == ["api_tokens"]
    assert foreign_words("网站（HTTP/HTTPS），须以 http:// 或 https:// 开头") == []
    assert foreign_words("P1 紧急 · 探测 TCP 端口 · 12 ms · 2025Q2 · YW-2025-NEW · 下载 Excel") == []
    assert page_text('<p title="提示">正文<script>var x = "English";</script><code>slatrack init</code></p>') == [
        "提示",
        "正文",
    ]


# ---------------------------------------------------------------------------------------------- the walk


@pytest.fixture
def world(app: Flask, make_user: Callable[..., Any]) -> dict[str, Any]:
    now = utcnow().replace(microsecond=0)
    _target("门户网站", results=[True] * 6, now=now)
    _target("数据库", results=[True, True, False, False, False, False], now=now)
    ticket = _ticket("522701", "都匀：门户无法登录", 30)
    users = {role: make_user(name, role, unit) for role, (name, unit) in ROLES.items()}
    target = db.session.scalar(select(Target).where(Target.name == "数据库"))
    code = db.session.scalar(select(Indicator.code).order_by(Indicator.id))
    assert target is not None and code is not None
    return {
        "ticket_id": ticket.id,
        "target_id": target.id,
        "code": code,
        "user_id": users["unit"].id,
        "quarter": "2025Q2",
        "year": "2025",
        "now": now - timedelta(seconds=1),
    }


def _sample(rule: Any, world: dict[str, Any], missing: bool) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    for name in rule.arguments:
        if missing and (name.endswith("_id") or isinstance(rule._converters.get(name), NumberConverter)):
            values[name] = 987654
        elif name in world:
            values[name] = world[name]
        elif name.endswith("_id") or isinstance(rule._converters.get(name), NumberConverter):
            values[name] = 1
        elif name == "filename":
            return None
        else:
            values[name] = "缺失"
    return values


def _page_paths(app: Flask, world: dict[str, Any]) -> Iterator[str]:
    adapter = app.url_map.bind("localhost")
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or set()) or rule.rule.startswith(("/api/", "/static")):
            continue
        for missing in (False, True) if rule.arguments else (False,):
            values = _sample(rule, world, missing)
            if values is not None:
                yield adapter.build(rule.endpoint, values)


def _check_page(client: FlaskClient, path: str, problems: list[str], role: str) -> None:
    response = client.get(path)
    if not response.mimetype.startswith("text/html"):
        return
    for text in page_text(response.get_data(as_text=True)):
        words = foreign_words(text)
        if words:
            problems.append(f"{role} {path} ({response.status_code}): {words} in {text[:80]!r}")


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_speaks_chinese(app: Flask, client: FlaskClient, world: dict[str, Any], role: str) -> None:
    login(client, ROLES[role][0])
    problems: list[str] = []
    paths = list(_page_paths(app, world))
    # The pages' own error answers too: bad dates, unknown years and quarters.
    paths += [
        "/audit?start=notadate",
        "/tickets?status=nonsense&from=2025-13-45",
        "/reports/quarterly/2025Q9",
        "/nowhere",
    ]
    paths += ["/?year=abc", "/indicators?year=1999", "/monitoring/outages?days=abc"]
    for path in paths:
        _check_page(client, path, problems, role)
    assert problems == [], "\n".join(problems)


def test_signed_out_pages_speak_chinese(app: Flask, client: FlaskClient, world: dict[str, Any]) -> None:
    problems: list[str] = []
    for path in ["/login", "/", "/tickets", "/nowhere"]:
        _check_page(client, path, problems, "anonymous")
    client.post("/login", data={"username": "nobody", "password": "wrong"})
    _check_page(client, "/login", problems, "anonymous")
    assert problems == [], "\n".join(problems)


# ---------------------------------------------------------------------------------------------- the API


def _messages(body: Any) -> list[str]:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return []
    texts = [str(error.get("message", ""))]

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)
        elif value is not None:
            texts.append(str(value))

    walk(error.get("fields"))
    return texts


BAD_BODIES: list[Any] = [{}, {"year": "abc", "start": "notadate", "at": "x", "priority": "P9", "name": ""}, ["x"]]


@pytest.mark.parametrize("role", [*ROLES, None])
def test_every_api_error_speaks_chinese(
    app: Flask, client: FlaskClient, make_token: Callable[..., str], world: dict[str, Any], role: str | None
) -> None:
    headers = bearer(make_token(role, ROLES[role][1] if role else None)) if role else {}
    adapter = app.url_map.bind("localhost")
    problems: list[str] = []
    answered = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/") or rule.endpoint.startswith("api-docs"):
            continue
        for missing in (False, True):
            values = _sample(rule, world, missing) or {}
            path = adapter.build(rule.endpoint, values)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                attempts: list[dict[str, Any]] = (
                    [{"query_string": {"year": "abc", "from": "x", "to": "y", "as_of": "z", "page": "-1"}}]
                    if method == "GET"
                    else [{"json": body} for body in BAD_BODIES]
                    + [{"data": "{not json", "content_type": "application/json"}]
                )
                for extra in attempts:
                    response = client.open(path, method=method, headers=headers, **extra)
                    if response.status_code < 400 or not response.is_json:
                        continue
                    answered += 1
                    for text in _messages(response.get_json()):
                        words = foreign_words(text)
                        if words or not re.search(r"[\u4e00-\u9fff]", text):
                            problems.append(f"{role} {method} {path} ({response.status_code}): {text[:100]!r}")
    assert answered > 50
    assert problems == [], "\n".join(sorted(set(problems)))


def test_durations_read_in_days_hours_and_minutes(client: FlaskClient, world: dict[str, Any]) -> None:
    """Two days monitored with five minutes of checks: the unknown time is days and hours, not 2,8xx 分钟."""
    login(client, "boss")
    detail = client.get(f"/monitoring/targets/{world['target_id']}").get_data(as_text=True)
    assert re.search(r"未知 1 天 23 小时( \d+ 分钟)?<", detail)
    listing = client.get("/monitoring/targets").get_data(as_text=True)
    assert re.search(r"<td>1 天 23 小时( \d+ 分钟)?</td>", listing)
    assert not re.search(r"\d,\d{3}(\.\d+)? 分钟", detail + listing)
