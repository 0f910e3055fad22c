"""Password rules and hashing, API token generation and hashing (等保 2.0 identity requirements)."""

from __future__ import annotations

import hashlib
import re
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

TOKEN_PREFIX = "slt_"
DEFAULT_HASH_METHOD = "scrypt"


class PasswordPolicyError(ValueError):
    """The password breaks the complexity rule; the message (Chinese) says which part."""


def check_password_policy(password: str, min_length: int = 8, username: str = "") -> None:
    """At least min_length characters and three of: lower case, upper case, digits, symbols; not the user name."""
    if len(password) < min_length:
        raise PasswordPolicyError(f"密码长度至少为 {min_length} 位")
    classes = sum(bool(re.search(pattern, password)) for pattern in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]"))
    if classes < 3:
        raise PasswordPolicyError("密码须包含大写字母、小写字母、数字、特殊字符中的至少三类")
    if username and username.lower() in password.lower():
        raise PasswordPolicyError("密码不能包含用户名")


def hash_password(password: str) -> str:
    """Hash with the configured method (``PASSWORD_HASH_METHOD``; scrypt unless a test asks for a cheap one)."""
    from flask import current_app, has_app_context

    method = current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else DEFAULT_HASH_METHOD
    return generate_password_hash(password, method=method)


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


def new_token() -> str:
    """A random bearer token. Only its hash is stored; the caller shows it once."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast hash is enough; no salt is needed for lookup.
    return hashlib.sha256(token.encode()).hexdigest()
