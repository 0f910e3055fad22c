"""Users, password expiry and changes, and API tokens (logins and their throttles: slatrack/logins.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from slatrack.extensions import db
from slatrack.logins import LoginResult as LoginResult
from slatrack.logins import authenticate as authenticate
from slatrack.logins import clear_account, end_sessions
from slatrack.models import ApiToken, Unit, User, utcnow
from slatrack.models.enums import ROLES
from slatrack.operations import Conflict, NotFound, OperationError
from slatrack.security import (
    PasswordPolicyError,
    check_password_policy,
    hash_password,
    hash_token,
    new_token,
    verify_password,
)


def _password_rule(password: str, username: str) -> None:
    try:
        check_password_policy(password, current_app.config["PASSWORD_MIN_LENGTH"], username)
    except PasswordPolicyError as exc:
        raise OperationError(str(exc), fields={"password": str(exc)}) from None


def create_user(
    username: str,
    role: str,
    password: str,
    *,
    unit_code: str | None = None,
    display_name: str = "",
    must_change_password: bool = False,
) -> User:
    username = username.strip()
    if not username:
        raise OperationError("用户名不能为空", fields={"username": "必填"})
    if role not in ROLES:
        raise OperationError(f"未知角色：{role}", fields={"role": f"应为 {', '.join(ROLES)} 之一"})
    unit_id = None
    if role == "unit":
        if not unit_code:
            raise OperationError("使用单位账号必须指定所属单位", fields={"unit": "必填"})
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise OperationError(f"未知单位代码：{unit_code}", fields={"unit": "未知单位"})
        unit_id = unit.id
    elif unit_code:
        raise OperationError("只有使用单位账号可以指定单位", fields={"unit": "仅 unit 角色可用"})
    if db.session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"用户名已存在：{username}", fields={"username": "已存在"})
    _password_rule(password, username)
    user = User(
        username=username,
        role=role,
        unit_id=unit_id,
        display_name=display_name or username,
        password_hash=hash_password(password),
        password_changed_at=utcnow(),
        must_change_password=must_change_password,
    )
    db.session.add(user)
    db.session.commit()
    return user


def password_expired(user: User, now: datetime | None = None) -> bool:
    max_age = timedelta(days=current_app.config["PASSWORD_MAX_AGE_DAYS"])
    return (now or utcnow()) - user.password_changed_at > max_age


def change_password(user: User, old_password: str, new_password: str) -> None:
    if not verify_password(user.password_hash, old_password):
        raise OperationError("原密码不正确", fields={"old_password": "不正确"})
    if verify_password(user.password_hash, new_password):
        raise OperationError("新密码不能与原密码相同", fields={"new_password": "与原密码相同"})
    _password_rule(new_password, user.username)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    end_sessions(user)
    db.session.commit()


def set_password(user: User, new_password: str) -> None:
    """An administrator's reset; the password rule still applies."""
    _password_rule(new_password, user.username)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = True
    end_sessions(user)
    clear_account(user.username)  # the owner can try the new password at once
    db.session.commit()


def create_token(name: str, username: str | None = None) -> tuple[ApiToken, str]:
    """Create a token and return it with its plain text, which is never stored and shown only once.

    With a user name the token acts as that user; without one it is a machine token for probes.
    """
    name = name.strip()
    if not name:
        raise OperationError("令牌名称不能为空", fields={"name": "必填"})
    if db.session.scalar(select(ApiToken).where(ApiToken.name == name)) is not None:
        raise Conflict(f"令牌名称已存在：{name}", fields={"name": "已存在"})
    user_id = None
    if username:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"未知用户：{username}")
        user_id = user.id
    plain = new_token()
    token = ApiToken(name=name, user_id=user_id, prefix=plain[:10], token_hash=hash_token(plain))
    db.session.add(token)
    db.session.commit()
    return token, plain


def revoke_token(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"令牌不存在：{token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token


def token_by_plain(plain: str) -> ApiToken | None:
    """The live token matching a presented bearer value, its last-used time updated."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
    if token is None or token.revoked_at is not None:
        return None
    if token.user is not None and not token.user.active:
        return None
    now = utcnow()
    # Write the last-used time at most once a minute to keep hot API paths cheap.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
        db.session.commit()
    return token
