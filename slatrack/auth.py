"""Per-request authentication and policy enforcement for pages and the API."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, abort, flash, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, logout_user

from slatrack.extensions import db, login_manager
from slatrack.models import User, utcnow
from slatrack.operations.accounts.users import password_expired, token_by_plain
from slatrack.policy import PUBLIC, Principal, permits, policy_of

API_PREFIX = "/api/"
# Pages a user whose password has expired may still open.
EXPIRED_PASSWORD_ENDPOINTS = {"web.change_password", "web.logout", "web.login"}
# The user's session version when the session was made; a different one in the database ends the session.
SESSION_VERSION_KEY = "sv"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def _principal_from_token() -> Principal | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    token = token_by_plain(value.strip())
    if token is None:
        return None
    if token.user is None:
        return Principal(name=f"token:{token.name}", role="probe", user_id=None, unit_id=None, token_id=token.id)
    user = token.user
    return Principal(name=user.username, role=user.role, user_id=user.id, unit_id=user.unit_id, token_id=token.id)


def _principal_from_session(app: Flask) -> Principal | None:
    if not current_user.is_authenticated:
        return None
    if session.get(SESSION_VERSION_KEY) != current_user.session_version:
        # Ended on the server: logout, a password change or a reset raised the version.
        logout_user()
        session.clear()
        if not is_api_request():
            flash("会话已结束（已在别处退出或修改了密码），请重新登录", "warning")
        return None
    # Idle timeout enforced on the server, not only by the cookie's expiry.
    last_seen = session.get("last_seen")
    now = utcnow()
    if last_seen is not None:
        idle = now - datetime.fromisoformat(last_seen)
        if idle.total_seconds() > app.config["SESSION_IDLE_MINUTES"] * 60:
            logout_user()
            session.clear()
            g.session_expired = True
            return None
    session["last_seen"] = now.isoformat()
    session.permanent = True
    user: User = current_user
    return Principal(name=user.username, role=user.role, user_id=user.id, unit_id=user.unit_id)


def install(app: Flask) -> None:
    @app.before_request
    def authenticate_and_authorise() -> ResponseReturnValue | None:
        # Load the user from this request's session: an app context shared by several requests (the test
        # client's) must not carry one client's user into another's request.
        for name in ("_login_user", "session_expired"):
            g.pop(name, None)
        g.principal = None
        if request.endpoint is None:
            return None  # 404/405: the error handler answers
        view = app.view_functions[request.endpoint]
        policy = PUBLIC if request.endpoint.endswith("static") else policy_of(view, request.method)
        if policy is None:  # guarded at start-up too; never serve an undeclared route
            abort(403)
        if is_api_request():
            g.principal = _principal_from_token() or _principal_from_session(app)
        else:
            g.principal = _principal_from_session(app)
        if permits(policy, g.principal):
            if (
                g.principal is not None
                and g.principal.token_id is None
                and request.endpoint not in EXPIRED_PASSWORD_ENDPOINTS
            ):
                # A session whose password must change first reaches neither the pages nor the API.
                first, expired = current_user.must_change_password, password_expired(current_user)
                if (first or expired) and is_api_request():
                    from slatrack.api.errors import json_error  # the API package loads only with the API

                    reason = "首次登录须先修改密码" if first else "密码已过期"
                    return json_error(403, f"{reason}：请先在页面上修改密码，再使用 API")
                if first:
                    return redirect(url_for("web.change_password", first=1))
                if expired:
                    return redirect(url_for("web.change_password", expired=1))
            return None
        if g.principal is None:
            if is_api_request():
                abort(401)
            # full_path always ends in "?" (Werkzeug adds it even without a query): keep it only when there is one.
            wanted = request.full_path if request.query_string else request.path
            return redirect(url_for("web.login", next=wanted))
        abort(403)
