"""Logins: a growing delay instead of a lock an outsider can trigger, and the same answer for every name.

Failures are counted in the database (``login_throttles``), so every web process sees the same counts,
under three keys:

- ``pair:NAME@ADDRESS``: one account tried from one address. From ``LOCKOUT_THRESHOLD`` failures on,
  each further try must wait 1, 2, 4 … seconds, at most ``LOCKOUT_MINUTES``. Someone guessing the
  admin's password from their own machine slows only themselves: the admin logs in from elsewhere.
- ``addr:ADDRESS``: every name tried from one address (``LOGIN_ADDRESS_THRESHOLD``), so one machine
  cannot spray many accounts.
- ``acct:NAME``: one account from every address (``LOGIN_ACCOUNT_THRESHOLD``), against guessing spread
  over many addresses; its delay is capped low (``LOGIN_ACCOUNT_DELAY_MAX_SECONDS``) so the owner waits
  at most that long.

Names are counted whether or not such an account exists, an unknown name is checked against a dummy
hash so it costs the same time, and every refusal says the same words: nothing tells accounts apart.
Counts older than ``LOCKOUT_MINUTES`` start again from one.
(Flask-Limiter was weighed for the per-address part: its storage is per process unless a Redis or
Memcached server is added, and the table is needed for the per-account part anyway.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import cast

from flask import current_app, has_request_context, request
from sqlalchemy import Table, case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.security import generate_password_hash

from slatrack import audit
from slatrack.extensions import db
from slatrack.models import LoginThrottle, User, utcnow
from slatrack.security import verify_password

GENERIC_FAILURE = "用户名或密码错误"


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    message: str  # Chinese, shown on the login page when user is None

    @property
    def ok(self) -> bool:
        return self.user is not None


@dataclass(frozen=True)
class Rule:
    key: str
    threshold: int
    max_delay: timedelta


def _dummy_hash() -> str:
    """A hash made the same way as real ones, so an unknown name costs one verification too (and only one:
    the hash itself is made once per method, not at every login)."""
    return _dummy_hash_for(str(current_app.config["PASSWORD_HASH_METHOD"]))


@lru_cache(maxsize=4)
def _dummy_hash_for(method: str) -> str:
    return generate_password_hash("slatrack-dummy-password-for-unknown-users", method=method)


def _rules(username: str, address: str) -> list[Rule]:
    config = current_app.config
    long_cap = timedelta(minutes=int(config["LOCKOUT_MINUTES"]))
    name = username[:64]
    return [
        Rule(f"pair:{name}@{address}"[:200], int(config["LOCKOUT_THRESHOLD"]), long_cap),
        Rule(f"addr:{address}"[:200], int(config["LOGIN_ADDRESS_THRESHOLD"]), long_cap),
        Rule(
            f"acct:{name}",
            int(config["LOGIN_ACCOUNT_THRESHOLD"]),
            timedelta(seconds=int(config["LOGIN_ACCOUNT_DELAY_MAX_SECONDS"])),
        ),
    ]


def delay_for(failures: int, threshold: int, max_delay: timedelta) -> timedelta:
    """1 s at the threshold, doubling with each further failure, never more than max_delay."""
    if failures < threshold:
        return timedelta(0)
    return min(max_delay, timedelta(seconds=2 ** min(failures - threshold, 30)))


def _wait(rules: list[Rule], now: datetime) -> int:
    rows = db.session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_([r.key for r in rules])))
    waits = [(row.blocked_until - now).total_seconds() for row in rows if row.blocked_until is not None]
    longest = max(waits, default=0.0)
    return math.ceil(longest) if longest > 0 else 0


def _count_failure(rule: Rule, now: datetime) -> None:
    """Add one failure atomically (one upsert, correct across processes) and set the key's delay."""
    window = timedelta(minutes=int(current_app.config["LOCKOUT_MINUTES"]))
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, LoginThrottle.__table__)
    upsert = insert(table).values(key=rule.key, failures=1, last_failure_at=now, blocked_until=None)
    statement = upsert.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "failures": case((table.c.last_failure_at < now - window, 1), else_=table.c.failures + 1),
            "last_failure_at": now,
        },
    ).returning(table.c.failures)
    failures = int(db.session.execute(statement).scalar_one())
    delay = delay_for(failures, rule.threshold, rule.max_delay)
    if delay:
        db.session.execute(update(table).where(table.c.key == rule.key).values(blocked_until=now + delay))


def _clear(keys: list[str]) -> None:
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))


def authenticate(username: str, password: str, now: datetime | None = None, address: str | None = None) -> LoginResult:
    """Check a login under the throttles above. Every attempt is audited."""
    now = now or utcnow()
    if address is None:
        address = (request.remote_addr or "") if has_request_context() else ""
    rules = _rules(username, address)
    wait = _wait(rules, now)
    if wait:
        audit.record("login", actor=username or "?", outcome="throttled", detail=f"等待 {wait} 秒")
        db.session.commit()
        return LoginResult(None, f"登录尝试过于频繁，请 {wait} 秒后再试")
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        verify_password(_dummy_hash(), password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password)
    if not ok:
        for rule in rules:
            _count_failure(rule, now)
        audit.record(
            "login",
            actor=username or "?",
            outcome="failure",
            object_type="users" if user is not None else "",
            object_id=str(user.id) if user is not None else "",
            detail="" if user is not None and user.active else "unknown or disabled user",  # for auditors only
        )
        db.session.commit()
        return LoginResult(None, GENERIC_FAILURE)
    assert user is not None
    _clear([rules[0].key, rules[2].key])
    user.last_login_at = now
    audit.record("login", actor=username, outcome="success", object_type="users", object_id=str(user.id))
    db.session.commit()
    return LoginResult(user, "")


def throttled_names(now: datetime | None = None) -> set[str]:
    """Account names that must wait before their next try from some address (for the users page)."""
    now = now or utcnow()
    keys = db.session.scalars(
        select(LoginThrottle.key).where(
            LoginThrottle.blocked_until > now, or_(LoginThrottle.key.like("acct:%"), LoginThrottle.key.like("pair:%"))
        )
    )
    return {key.split(":", 1)[1].rsplit("@", 1)[0] if key.startswith("pair:") else key[5:] for key in keys}


def clear_account(username: str) -> None:
    """An administrator lifts every delay on one account (all addresses); the caller commits."""
    db.session.execute(
        delete(LoginThrottle).where(
            or_(
                LoginThrottle.key == f"acct:{username}",
                LoginThrottle.key.startswith(f"pair:{username}@", autoescape=True),
            )
        )
    )


def end_sessions(user: User) -> None:
    """End every session of this user: each carries the version it was made under (the caller commits)."""
    user.session_version = (user.session_version or 1) + 1
