"""User and token management for administrators, on top of operations/accounts/users.py.

Every change goes through the ORM, so the audit hook records it (password hashes masked); unlocking, which
only touches bookkeeping columns the hook ignores, is recorded explicitly. A password an administrator
sets (a new account's, or a reset) must be changed by its owner at the next login (等保: the administrator
never knows a password in use).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from slatrack import audit, logins
from slatrack.extensions import db
from slatrack.models import ApiToken, JobRun, Unit, User, utcnow
from slatrack.operations import Conflict, NotFound, OperationError
from slatrack.operations.accounts.users import create_token, create_user, revoke_token, set_password


@dataclass(frozen=True)
class UserRow:
    user: User
    locked: bool
    password_expired: bool
    tokens: int


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户不存在：{user_id}")
    return user


def list_users(now: datetime | None = None) -> list[UserRow]:
    """Every account, active ones first, with its lock and password state and its live token count."""
    now = now or utcnow()
    max_age = timedelta(days=int(current_app.config["PASSWORD_MAX_AGE_DAYS"]))
    live: dict[int, int] = {}
    for user_id in db.session.scalars(select(ApiToken.user_id).where(ApiToken.revoked_at.is_(None))):
        if user_id is not None:
            live[user_id] = live.get(user_id, 0) + 1
    throttled = logins.throttled_names(now)
    users = db.session.scalars(
        select(User).options(selectinload(User.unit)).order_by(User.active.desc(), User.role, User.username)
    )
    return [
        UserRow(
            user=user,
            locked=user.username in throttled,
            password_expired=now - user.password_changed_at > max_age,
            tokens=live.get(user.id, 0),
        )
        for user in users
    ]


def unit_choices() -> list[tuple[str, str]]:
    return [(u.code, f"{u.name}（{u.code}）") for u in db.session.scalars(select(Unit).order_by(Unit.code))]


def add_user(username: str, role: str, password: str, *, unit_code: str | None, display_name: str = "") -> User:
    """A new account; the password rule applies, a unit account needs its unit and only it may have one."""
    unit, name = unit_code or None, display_name.strip()
    return create_user(username, role, password, unit_code=unit, display_name=name, must_change_password=True)


def set_active(user_id: int, active: bool, acting_user_id: int | None) -> User:
    user = get_user(user_id)
    if not active and user.id == acting_user_id:
        raise Conflict("不能停用自己的账号", fields={"active": "不能停用自己"})
    if not active and user.role == "admin" and user.active:
        others = db.session.scalar(
            select(User.id).where(User.role == "admin", User.active.is_(True), User.id != user.id).limit(1)
        )
        if others is None:
            raise Conflict("这是最后一个启用的管理员账号，不能停用", fields={"active": "最后一个管理员"})
    if user.active != active:
        user.active = active
        db.session.commit()
    return user


def reset_password(user_id: int, new_password: str) -> User:
    """Set a password for a user who lost theirs; it must be changed at the next login."""
    user = get_user(user_id)
    set_password(user, new_password)
    return user


def unlock(user_id: int) -> User:
    user = get_user(user_id)
    user.failed_logins = 0
    user.locked_until = None
    logins.clear_account(user.username)
    audit.record("unlock", object_type="users", object_id=str(user.id), detail=f"解除锁定：{user.username}")
    db.session.commit()
    return user


def list_tokens() -> list[ApiToken]:
    """Live tokens first, newest first within each group."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .options(selectinload(ApiToken.user))
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def add_token(name: str, username: str | None) -> tuple[ApiToken, str]:
    """A new token and its plain text, which the caller shows once and never again."""
    if username:
        owner = db.session.scalar(select(User).where(User.username == username))
        if owner is None:
            raise OperationError(f"未知用户：{username}", fields={"username": "未知用户"})
        if not owner.active:
            raise OperationError(f"用户 {username} 已停用，不能为其创建令牌", fields={"username": "账号已停用"})
    return create_token(name, username or None)


def revoke(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"令牌不存在：{token_id}")
    if token.revoked_at is not None:
        raise Conflict(f"令牌 {token.name} 已于此前吊销")
    return revoke_token(token_id)


JOBS_PER_PAGE = 50
JOB_OUTCOMES = {"running": "运行中", "success": "成功", "failed": "失败"}


def job_ids() -> list[str]:
    return list(db.session.scalars(select(JobRun.job_id).distinct().order_by(JobRun.job_id)))


def job_runs(job_id: str = "", outcome: str = "", page: int = 1) -> tuple[int, list[JobRun]]:
    """Runs of the scheduled jobs, newest first, optionally of one job or one outcome."""
    statement = select(JobRun)
    if job_id:
        statement = statement.where(JobRun.job_id == job_id)
    if outcome:
        statement = statement.where(JobRun.outcome == outcome)
    total = int(db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0)
    rows = db.session.scalars(
        statement.order_by(JobRun.started_at.desc(), JobRun.id.desc())
        .limit(JOBS_PER_PAGE)
        .offset((max(page, 1) - 1) * JOBS_PER_PAGE)
    ).all()
    return total, list(rows)
