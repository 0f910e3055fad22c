"""Channel secrets at rest: encrypted with a key derived from SECRET_KEY (Fernet), since they must be used to
sign and cannot be hashed. They are never shown back; the audit log masks the column."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"slatrack-channel-secret:" + str(current_app.config["SECRET_KEY"]).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode("ascii")


def unseal(sealed: str | None) -> str:
    """The clear secret; raises ValueError (Chinese) if SECRET_KEY changed since it was stored."""
    if not sealed:
        return ""
    try:
        return _fernet().decrypt(sealed.encode("ascii")).decode()
    except InvalidToken:
        raise ValueError("渠道密钥无法解密（SECRET_KEY 已更换？），请重新填写该渠道的密钥") from None
