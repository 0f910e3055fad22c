"""Logins, throttles, password rules and expiry, idle sessions, tokens — and their audit records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import ApiToken, AuditRecord, User, utcnow
from slatrack.operations import OperationError
from slatrack.operations.accounts.users import authenticate, create_token, create_user, revoke_token
from tests.integration.conftest import PASSWORD, bearer, login


def _audits(action: str, actor: str) -> list[AuditRecord]:
    return list(
        db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == action, AuditRecord.actor == actor).order_by(AuditRecord.id)
        )
    )


def test_login_and_logout_pages(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    make_user("alice", "admin")
    assert client.get("/").status_code == 302  # not logged in: to the login page
    page = client.get("/login")
    assert "登录" in page.get_data(as_text=True)
    response = login(client, "alice")
    assert response.status_code == 302
    home = client.get("/?year=2025")  # the year the test database has projects for
    assert home.status_code == 200
    assert "系统故障率" in home.get_data(as_text=True)
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302
    assert [r.outcome for r in _audits("login", "alice")] == ["success"]
    assert len(_audits("logout", "alice")) == 1


def test_failed_login_is_audited_and_refused(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    make_user("bob", "vendor")
    response = login(client, "bob", "Wrong@Passw0rd")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert [r.outcome for r in _audits("login", "bob")] == ["failure"]
    login(client, "nobody", "x")
    assert [r.outcome for r in _audits("login", "nobody")] == ["failure"]


def test_failures_from_one_address_delay_that_address_with_a_growing_wait(
    app: Flask, make_user: Callable[..., Any]
) -> None:
    make_user("carol", "admin")
    start = utcnow()
    for _ in range(5):
        assert authenticate("carol", "bad", now=start, address="203.0.113.9").message == "用户名或密码错误"
    # The fifth failure from that address starts a 1 s wait there; even the right password waits.
    waiting = authenticate("carol", PASSWORD, now=start, address="203.0.113.9")
    assert not waiting.ok and waiting.message == "登录尝试过于频繁，请 1 秒后再试"
    # Each further failure doubles the wait: 2 s after the sixth, 4 s after the seventh.
    later = start + timedelta(seconds=2)
    assert authenticate("carol", "bad", now=later, address="203.0.113.9").message == "用户名或密码错误"
    waiting = authenticate("carol", PASSWORD, now=later, address="203.0.113.9")
    assert waiting.message == "登录尝试过于频繁，请 2 秒后再试"
    assert authenticate("carol", PASSWORD, now=later + timedelta(seconds=2), address="203.0.113.9").ok
    outcomes = [r.outcome for r in _audits("login", "carol")]
    assert outcomes == ["failure"] * 5 + ["throttled", "failure", "throttled", "success"]


@pytest.mark.parametrize(
    ("password", "reason"),
    [("Ab1!", "至少为 8 位"), ("alllowercase1", "至少三类"), ("Dave@Passw0rd", "不能包含用户名")],
)
def test_password_complexity(app: Flask, password: str, reason: str) -> None:
    with pytest.raises(OperationError, match=reason):
        create_user("dave", "admin", password)
    assert db.session.scalar(select(User).where(User.username == "dave")) is None


def test_unit_role_needs_a_known_unit(app: Flask) -> None:
    with pytest.raises(OperationError, match="必须指定所属单位"):
        create_user("u1", "unit", PASSWORD)
    with pytest.raises(OperationError, match="未知单位代码"):
        create_user("u1", "unit", PASSWORD, unit_code="999999")
    assert create_user("u1", "unit", PASSWORD, unit_code="522722").unit.name == "荔波县"


def test_expired_password_must_be_changed(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    user = make_user("erin", "vendor")
    user.password_changed_at = utcnow() - timedelta(days=91)
    db.session.commit()
    login(client, "erin")
    response = client.get("/")
    assert response.status_code == 302 and "/account/password" in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert "超过 90 天" in page.get_data(as_text=True)
    refused = client.get("/api/v1/tickets")  # nor the API with the same session
    assert refused.status_code == 403 and "密码已过期" in refused.get_json()["error"]["message"]
    changed = client.post(
        "/account/password",
        data={"old_password": PASSWORD, "new_password": "N3w#Secret", "confirm": "N3w#Secret"},
    )
    assert changed.status_code == 302
    assert client.get("/").status_code == 200


def test_idle_session_ends_after_thirty_minutes(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    make_user("frank", "admin")
    login(client, "frank")
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["last_seen"] = (utcnow() - timedelta(minutes=31)).isoformat()
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/").status_code == 302  # and the session is gone for good


def test_tokens_are_hashed_shown_once_revocable_and_track_use(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    make_user("gina", "admin")
    token, plain = create_token("gina-laptop", "gina")
    stored = db.session.get(ApiToken, token.id)
    assert stored is not None and plain not in (stored.token_hash, stored.prefix) and stored.last_used_at is None
    assert client.get("/api/v1/indicators?year=2025", headers=bearer(plain)).status_code == 200
    db.session.refresh(stored)
    assert stored.last_used_at is not None
    revoke_token(token.id)
    response = client.get("/api/v1/indicators?year=2025", headers=bearer(plain))
    assert response.status_code == 401
    # The token never appears in the audit log.
    for record in db.session.scalars(select(AuditRecord)):
        assert plain not in str(record.before) + str(record.after) + record.detail


def test_machine_token_may_not_read_indicators(client: FlaskClient, make_token: Callable[..., str]) -> None:
    probe = make_token(None)
    response = client.get("/api/v1/indicators?year=2025", headers=bearer(probe))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_login_redirect_keeps_the_page_and_its_query_without_a_stray_question_mark(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    bare = client.get("/tickets")
    assert bare.status_code == 302 and bare.headers["Location"].endswith("/login?next=/tickets")
    queried = client.get("/tickets?status=open")
    assert queried.headers["Location"].endswith("/login?next=/tickets?status%3Dopen")
    make_user("hana", "admin")
    landed = client.post("/login?next=/tickets?status%3Dopen", data={"username": "hana", "password": PASSWORD})
    assert landed.status_code == 302 and landed.headers["Location"].endswith("/tickets?status=open")


def test_a_first_password_must_be_changed_before_the_api_answers_the_session(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    user = make_user("ivan", "vendor")
    user.must_change_password = True
    db.session.commit()
    login(client, "ivan")
    refused = client.get("/api/v1/tickets")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["message"].startswith("首次登录须先修改密码")
    changed = client.post(
        "/account/password",
        data={"old_password": PASSWORD, "new_password": "N3w#Secret", "confirm": "N3w#Secret"},
    )
    assert changed.status_code == 302
    assert client.get("/api/v1/tickets").status_code == 200
