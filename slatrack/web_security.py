"""Security headers on every response, and a CSRF header for API writes made with a session cookie.

Headers (each a setting, see slatrack/config.py and the README):

- ``Content-Security-Policy`` (``CONTENT_SECURITY_POLICY``): only slatrack's own scripts, styles, images
  and fonts, no ``'unsafe-inline'`` (the templates carry no inline script, style or event handler), no
  framing, forms posting only back to slatrack.
- ``X-Frame-Options`` (``X_FRAME_OPTIONS``), ``X-Content-Type-Options: nosniff``, ``Referrer-Policy``
  (``REFERRER_POLICY``).
- ``Strict-Transport-Security`` (``HSTS_SECONDS``) when ``SESSION_COOKIE_SECURE`` says slatrack is served
  over TLS; without TLS the header would be ignored by browsers anyway, and promising it would be false.
- ``Cache-Control: no-store`` on everything but static files: pages, API answers and downloads hold
  contract data that must not stay in shared or browser caches.

API writes authenticated by a bearer token need nothing more. A write authenticated only by the session
cookie (a browser) must carry the page's CSRF token in an ``X-CSRFToken`` header, as forms carry it in a
field, so another site cannot make a logged-in browser write through the API.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADERS = ("X-CSRFToken", "X-CSRF-Token")


def _is_static() -> bool:
    return request.endpoint is not None and (request.endpoint == "static" or request.endpoint.endswith(".static"))


def add_headers(response: Response) -> Response:
    config = current_app.config
    headers = response.headers
    if config["CONTENT_SECURITY_POLICY"]:
        headers.setdefault("Content-Security-Policy", config["CONTENT_SECURITY_POLICY"])
    if config["X_FRAME_OPTIONS"]:
        headers.setdefault("X-Frame-Options", config["X_FRAME_OPTIONS"])
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if config["REFERRER_POLICY"]:
        headers.setdefault("Referrer-Policy", config["REFERRER_POLICY"])
    if config["SESSION_COOKIE_SECURE"] and config["HSTS_SECONDS"]:
        headers.setdefault("Strict-Transport-Security", f"max-age={int(config['HSTS_SECONDS'])}; includeSubDomains")
    if not _is_static():
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
        headers.pop("Last-Modified", None)
        headers.pop("ETag", None)
    return response


def require_csrf_header_for_session_writes() -> ResponseReturnValue | None:
    """Runs after authentication (registered later): a session-authenticated API write needs the header."""
    if not request.path.startswith("/api/") or request.method not in WRITE_METHODS:
        return None
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return None  # switched off together with the forms' CSRF check (tests only)
    principal = getattr(g, "principal", None)
    if principal is None or principal.token_id is not None:
        return None  # no principal: the policy check answered already; a token needs no CSRF header
    token = next((request.headers[name] for name in CSRF_HEADERS if request.headers.get(name)), None)
    try:
        validate_csrf(token)
    except (CSRFError, ValidationError):  # a missing, expired or wrong token
        from slatrack.api.errors import json_error

        return json_error(403, "用登录会话写入 API 时须在 X-CSRFToken 请求头中提供页面的 CSRF 令牌，或改用访问令牌")
    return None


def install(app: Flask) -> None:
    app.after_request(add_headers)
    app.before_request(require_csrf_header_for_session_writes)
