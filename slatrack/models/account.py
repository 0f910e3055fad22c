"""Users and API tokens. Passwords and tokens are stored only as hashes."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slatrack.models.base import Base, utcnow
from slatrack.models.enums import ROLES, check_in


class User(UserMixin, Base):  # type: ignore[misc]
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(8))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    password_hash: Mapped[str] = mapped_column(String(256))
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Sessions carry the version they were made under; raising it (logout, password change, reset) ends them.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Set for a new account and after an administrator's reset: the owner must choose a password first.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    unit = relationship("Unit")

    __table_args__ = (
        CheckConstraint(check_in("role", ROLES), name="role_known"),
        CheckConstraint("(role = 'unit') = (unit_id IS NOT NULL)", name="unit_iff_unit_role"),
        CheckConstraint("failed_logins >= 0", name="failed_nonnegative"),
    )

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active


class ApiToken(Base):
    """A bearer token. With a user it acts as that user; without one it is a machine token for probes."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The first characters identify a token in lists without revealing it.
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship()


class LoginThrottle(Base):
    """Failed logins counted per key (an address, an account, an account from one address), in the database
    so that every web process sees the same counts."""

    __tablename__ = "login_throttles"
    __audited__ = False
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
    blocked_until: Mapped[datetime | None]
