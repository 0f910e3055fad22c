"""Administrators' pages: users (create with the password rule, deactivate, reset, unlock), tokens shown once,
and the job log."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import ApiToken, AuditRecord, JobRun, User, utcnow
from slatrack.operations.accounts.users import token_by_plain
from tests.integration.conftest import PASSWORD, login

STRONG = "Str0ng#Pass"


def _field_error(html: str, label: str) -> str:
    """The error shown inside the field whose label is ``label``."""
    match = re.search(
        r'<div class="field has-error">\s*<label[^>]*>' + re.escape(label) + r"</label>.*?"
        r'<p class="error"[^>]*>(.*?)</p>',
        html,
        re.S,
    )
    assert match, f"no error next to {label}"
    return match.group(1)


def _admin(client: FlaskClient, make_user: Callable[..., Any]) -> User:
    user = make_user("root", "admin")
    login(client, "root")
    return user


def test_users_page_lists_accounts(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    _admin(client, make_user)
    make_user("duyun", "unit", "522701")
    html = client.get("/admin/users").get_data(as_text=True)
    assert "duyun" in html and "都匀市" in html and "使用单位" in html
    assert "新建用户" in html


def test_create_user_applies_the_password_rule_next_to_the_field(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    _admin(client, make_user)
    weak = client.post(
        "/admin/users",
        data={"username": "newbie", "role": "vendor", "unit": "", "password": "abc", "confirm": "abc"},
    )
    assert weak.status_code == 422
    assert "密码长度至少为 8 位" in _field_error(weak.get_data(as_text=True), "初始密码")
    assert db.session.scalar(select(User).where(User.username == "newbie")) is None
    mismatch = client.post(
        "/admin/users",
        data={"username": "newbie", "role": "vendor", "unit": "", "password": STRONG, "confirm": STRONG + "x"},
    )
    assert "两次输入的密码不一致" in _field_error(mismatch.get_data(as_text=True), "确认密码")
    no_unit = client.post(
        "/admin/users",
        data={"username": "county", "role": "unit", "unit": "", "password": STRONG, "confirm": STRONG},
    )
    assert "必须指定所属单位" in _field_error(no_unit.get_data(as_text=True), "所属单位（仅使用单位账号）")


def test_create_user(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    _admin(client, make_user)
    response = client.post(
        "/admin/users",
        data={"username": "county", "role": "unit", "unit": "522702", "password": STRONG, "confirm": STRONG},
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "county"))
    assert user is not None and user.role == "unit" and user.unit.code == "522702"
    record = db.session.scalar(
        select(AuditRecord).where(AuditRecord.object_type == "users", AuditRecord.object_id == str(user.id))
    )
    assert record is not None and record.actor == "root" and record.after["password_hash"] == "***"
    duplicate = client.post(
        "/admin/users",
        data={"username": "county", "role": "vendor", "unit": "", "password": STRONG, "confirm": STRONG},
    )
    assert "用户名已存在" in _field_error(duplicate.get_data(as_text=True), "用户名")


def test_deactivate_and_reactivate(client: FlaskClient, make_user: Callable[..., Any], app: Any) -> None:
    me = _admin(client, make_user)
    other = make_user("leaver", "vendor")
    assert client.post(f"/admin/users/{other.id}/active").status_code == 302
    db.session.refresh(other)
    assert other.active is False
    assert login(app.test_client(), "leaver").status_code == 200  # the login form again: refused
    client.post(f"/admin/users/{other.id}/active")
    db.session.refresh(other)
    assert other.active is True
    # Nobody can lock themselves out.
    page = client.post(f"/admin/users/{me.id}/active", follow_redirects=True)
    assert "不能停用自己的账号" in page.get_data(as_text=True)
    db.session.refresh(me)
    assert me.active is True


def test_reset_password_must_be_changed_at_next_login(
    client: FlaskClient, make_user: Callable[..., Any], app: Any
) -> None:
    _admin(client, make_user)
    user = make_user("forgetful", "vendor")
    weak = client.post(f"/admin/users/{user.id}/password", data={"password": "weak", "confirm": "weak"})
    assert weak.status_code == 422 and "密码长度至少为 8 位" in _field_error(weak.get_data(as_text=True), "新密码")
    done = client.post(f"/admin/users/{user.id}/password", data={"password": STRONG, "confirm": STRONG})
    assert done.status_code == 302
    other = app.test_client()
    assert login(other, "forgetful", STRONG).status_code == 302
    home = other.get("/")
    assert home.status_code == 302 and "/account/password" in home.headers["Location"]


def user_id(app: Any, name: str) -> int:
    return int(db.session.scalar(select(User.id).where(User.username == name)))


def test_unlock_a_throttled_account(client: FlaskClient, make_user: Callable[..., Any], app: Any) -> None:
    _admin(client, make_user)
    make_user("clumsy", "vendor")
    outsider = app.test_client()
    for _ in range(5):
        login(outsider, "clumsy", "wrong-password")
    assert "登录尝试过于频繁" in login(outsider, "clumsy").get_data(as_text=True)
    assert "登录受限" in client.get("/admin/users").get_data(as_text=True)
    assert client.post(f"/admin/users/{user_id(app, 'clumsy')}/unlock").status_code == 302
    assert "登录受限" not in client.get("/admin/users").get_data(as_text=True)
    assert login(outsider, "clumsy").status_code == 302
    assert db.session.scalar(select(AuditRecord).where(AuditRecord.action == "unlock")) is not None


def test_tokens_are_shown_once_and_can_be_revoked(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    _admin(client, make_user)
    make_user("api-user", "vendor")
    created = client.post("/admin/tokens", data={"name": "对接脚本", "username": "api-user"})
    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-store"
    html = created.get_data(as_text=True)
    plain = re.search(r'<code class="secret" id="new-token">([^<]+)</code>', html).group(1)  # type: ignore[union-attr]
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "对接脚本"))
    assert token is not None and token.token_hash != plain and plain.startswith(token.prefix)
    # The token works, and the list never shows it again.
    live = token_by_plain(plain)
    assert live is not None and live.user is not None and live.user.username == "api-user"
    assert plain not in client.get("/admin/tokens").get_data(as_text=True)
    assert client.post(f"/admin/tokens/{token.id}/revoke").status_code == 302
    assert token_by_plain(plain) is None
    again = client.post(f"/admin/tokens/{token.id}/revoke", follow_redirects=True)
    assert "已于此前吊销" in again.get_data(as_text=True)


def test_token_form_errors(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    _admin(client, make_user)
    assert client.post("/admin/tokens", data={"name": "probe-1", "username": ""}).status_code == 201
    duplicate = client.post("/admin/tokens", data={"name": "probe-1", "username": ""})
    assert duplicate.status_code == 422
    assert "令牌名称已存在" in _field_error(duplicate.get_data(as_text=True), "令牌名称")
    machine = db.session.scalar(select(ApiToken).where(ApiToken.name == "probe-1"))
    assert machine is not None and machine.user_id is None


def test_job_log_lists_runs_with_their_errors(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    _admin(client, make_user)
    now = utcnow()
    db.session.add_all(
        [
            JobRun(job_id="sla-snapshot", tick=now - timedelta(days=1), started_at=now - timedelta(days=1),
                   finished_at=now - timedelta(days=1), outcome="success", summary="快照 2 个期间"),
            JobRun(job_id="reminders", tick=now, started_at=now, finished_at=now, outcome="failed",
                   error="Traceback: 数据库不可用"),
        ]
    )  # fmt: skip
    db.session.commit()
    html = client.get("/admin/jobs").get_data(as_text=True)
    assert "快照 2 个期间" in html and "数据库不可用" in html and "共 2 次" in html
    failed = client.get("/admin/jobs?outcome=failed").get_data(as_text=True)
    assert "数据库不可用" in failed and "快照 2 个期间" not in failed


def test_admin_pages_refuse_other_roles(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    make_user("eng", "vendor")
    login(client, "eng", PASSWORD)
    for path in ("/admin/users", "/admin/tokens", "/admin/jobs"):
        assert client.get(path).status_code == 403
