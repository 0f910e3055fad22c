"""Login, logout, password change, the home page (the dashboard), the indicators page and the health check."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from slatrack import audit
from slatrack.auth import SESSION_VERSION_KEY
from slatrack.availability import health
from slatrack.clock import utcnow
from slatrack.extensions import db
from slatrack.logins import end_sessions
from slatrack.models import User
from slatrack.operations import OperationError
from slatrack.operations.accounts.users import authenticate
from slatrack.operations.accounts.users import change_password as change_user_password
from slatrack.operations.figures.audience import rows_for
from slatrack.operations.figures.indicators import indicator_rows
from slatrack.policy import EVERYONE, allow, public
from slatrack.web.dashboard import dashboard_page
from slatrack.web.forms import ChangePasswordForm, LoginForm
from slatrack.web.periods import shown_period

bp = Blueprint("web", __name__)


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a crafted link send users elsewhere after login.
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("web.index")


@bp.route("/healthz")
@public
def healthz() -> ResponseReturnValue:
    """For monitors: JSON naming each part (database, scheduler) and 503 when one has failed."""
    return health()


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        result = authenticate(form.username.data or "", form.password.data or "")
        if result.user is not None:
            session.clear()
            login_user(result.user)
            session[SESSION_VERSION_KEY] = result.user.session_version
            session["last_seen"] = utcnow().isoformat()  # the one clock (clock.py), as auth.py compares
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors = [result.message]
    elif getattr(g, "session_expired", False):
        flash("会话已超时，请重新登录", "warning")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@allow(*EVERYONE)
def logout() -> ResponseReturnValue:
    audit.record("logout", object_type="users", object_id=str(current_user.id))
    end_sessions(current_user)  # a copied cookie dies with this one
    db.session.commit()
    logout_user()
    session.clear()
    flash("已退出登录", "info")
    return redirect(url_for("web.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@allow(*EVERYONE)
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user: User = current_user
        try:
            change_user_password(user, form.old_password.data or "", form.new_password.data or "")
        except OperationError as exc:
            target = form.old_password if "old_password" in exc.fields else form.new_password
            target.errors = [exc.message]
        else:
            session[SESSION_VERSION_KEY] = user.session_version  # this session lives on, the others end
            flash("密码已修改", "success")
            return redirect(url_for("web.index"))
    expired = request.args.get("expired") == "1"
    first = request.args.get("first") == "1"
    max_age = current_app.config["PASSWORD_MAX_AGE_DAYS"]
    return render_template("auth/change_password.html", form=form, expired=expired, first=first, max_age=max_age)


@bp.route("/")
@allow(*EVERYONE)
def index() -> ResponseReturnValue:
    """The home page is the dashboard (总览)."""
    return dashboard_page()


@bp.route("/indicators")
@allow(*EVERYONE)
def indicators() -> ResponseReturnValue:
    """Both approval forms' indicators with their actual values and scores."""
    year = shown_period().year
    try:
        every = indicator_rows(year)
    except OperationError:
        every = []
    rows = rows_for(g.principal.role, every, year)
    return render_template("indicators.html", rows=rows, year=year, hidden=len(every) - len(rows))
