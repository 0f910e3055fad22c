"""Issue 17, finding 6: security headers as settings with safe defaults, a Secure cookie behind TLS, no inline
script or style anywhere (so the CSP needs no 'unsafe-inline'), and API writes made with a session cookie
refused without a CSRF header."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from slatrack import config as settings
from tests.integration.conftest import PASSWORD, bearer, login
from tests.integration.test_tickets_api import BODY

TEMPLATES = Path(__file__).resolve().parents[2] / "slatrack" / "templates"
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)
PAGES = (
    "/",
    "/dashboard/fragment",
    "/indicators",
    "/tickets",
    "/tickets/new",
    "/monitoring/targets",
    "/monitoring/outages",
    "/monitoring/maintenance",
    "/inspections",
    "/survey",
    "/budget",
    "/reports",
    "/notifications",
    "/admin/users",
    "/admin/tokens",
    "/admin/jobs",
)


def test_headers_on_pages_with_safe_defaults(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    make_user("root", "admin")
    for path, anonymous in (("/login", True), ("/", False), ("/api/v1/openapi.json", False)):
        if not anonymous:
            login(client, "root")
        response = client.get(path)
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "no-store", path
        assert "Strict-Transport-Security" not in headers  # plain HTTP by default: no false promise
    with client.get("/static/slatrack.css") as static:
        assert static.headers.get("Cache-Control") != "no-store"
        assert static.headers["X-Content-Type-Options"] == "nosniff"


def test_secure_cookie_and_hsts_behind_tls(make_app: Callable[..., Flask], make_user: Callable[..., Any]) -> None:
    values = settings.from_environment({"SLATRACK_SESSION_COOKIE_SECURE": "yes", "SLATRACK_HSTS_SECONDS": "600"})
    app = make_app(**values)
    with app.app_context():
        make_user("root", "admin")
    client = app.test_client()
    response = login(client, "root")
    assert "Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"] == "max-age=600; includeSubDomains"


def test_header_settings_are_checked(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(settings.ConfigError, match="SLATRACK_SESSION_COOKIE_SECURE must be true or false"):
        settings.from_environment({"SLATRACK_SESSION_COOKIE_SECURE": "maybe"})
    with pytest.raises(settings.ConfigError, match="HSTS_SECONDS"):
        make_app(HSTS_SECONDS=-1)
    app = make_app(CONTENT_SECURITY_POLICY="default-src 'self'", X_FRAME_OPTIONS="")
    response = app.test_client().get("/login")
    assert response.headers["Content-Security-Policy"] == "default-src 'self'"
    assert "X-Frame-Options" not in response.headers


def test_no_inline_script_style_or_handler_in_templates_or_pages(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    for template in TEMPLATES.rglob("*.html"):
        found = INLINE.search(template.read_text(encoding="utf-8"))
        assert found is None, f"{template.name}: {found.group(0) if found else ''}"
    make_user("root", "admin")
    make_user("reader", "auditor")
    login(client, "root")
    pages = [client.get(path) for path in PAGES]
    client.post("/logout")
    login(client, "reader")
    pages.append(client.get("/audit"))
    for path, response in zip([*PAGES, "/audit"], pages, strict=True):
        assert response.status_code == 200, path
        found = INLINE.search(response.get_data(as_text=True))
        assert found is None, f"{path}: {found.group(0) if found else ''}"


def _csrf_app(make_app: Callable[..., Flask], make_user: Callable[..., Any]) -> tuple[FlaskClient, str]:
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user("clerk", "vendor")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token is not None
    client.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf_token": token.group(1)})
    home = client.get("/").get_data(as_text=True)
    meta = re.search(r'name="csrf-token" content="([^"]+)"', home)
    assert meta is not None
    return client, meta.group(1)


def test_api_writes_with_a_session_cookie_need_the_csrf_header(
    make_app: Callable[..., Flask], make_user: Callable[..., Any]
) -> None:
    client, token = _csrf_app(make_app, make_user)
    assert client.get("/api/v1/tickets").status_code == 200  # reading needs no header
    refused = client.post("/api/v1/tickets", json=BODY)
    assert refused.status_code == 403
    assert "X-CSRFToken" in refused.get_data(as_text=True)
    wrong = client.post("/api/v1/tickets", json=BODY, headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 403
    accepted = client.post("/api/v1/tickets", json=BODY, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_api_writes_with_a_token_need_no_csrf_header(
    make_app: Callable[..., Flask], make_user: Callable[..., Any]
) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from slatrack.operations.accounts.users import create_token

        make_user("robot", "vendor")
        plain = create_token("robot-token", "robot")[1]
    response = app.test_client().post("/api/v1/tickets", json=BODY, headers=bearer(plain))
    assert response.status_code == 201


def test_a_page_form_with_a_stale_token_says_so_in_chinese(
    make_app: Callable[..., Flask], make_user: Callable[..., Any]
) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user("clerk", "vendor")
    client = app.test_client()
    client.get("/login")
    refused = client.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf_token": "stale"})
    assert refused.status_code == 400
    assert "页面已过期或表单令牌无效" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out
