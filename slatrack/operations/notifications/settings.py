"""The alert settings (PUBLIC_URL, the response lead, the SMTP server), validated when the app is created."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SMTP_SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    user: str
    password: str
    sender: str


def smtp_settings(config: Mapping[str, Any]) -> SmtpSettings | None:
    """The SMTP server, or None when email is not configured."""
    host = str(config.get("SMTP_HOST") or "")
    if not host:
        return None
    return SmtpSettings(
        host=host,
        port=int(config["SMTP_PORT"]),
        security=str(config["SMTP_SECURITY"]),
        user=str(config.get("SMTP_USER") or ""),
        password=str(config.get("SMTP_PASSWORD") or ""),
        sender=str(config["SMTP_FROM"]),
    )


def validate_alert_settings(config: Mapping[str, Any], error: type[ValueError]) -> None:
    """Raise ``error`` naming the first alert setting that cannot work."""
    url = config.get("PUBLIC_URL") or ""
    if not isinstance(url, str) or (url and not url.startswith(("http://", "https://"))):
        raise error(f"PUBLIC_URL (SLATRACK_PUBLIC_URL) must be an http:// or https:// URL, got {url!r}")
    if not config.get("SMTP_HOST"):
        return
    port = config.get("SMTP_PORT")
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise error(f"SMTP_PORT (SLATRACK_SMTP_PORT) must be a port number 1-65535, got {port!r}")
    if config.get("SMTP_SECURITY") not in SMTP_SECURITY:
        raise error(
            f"SMTP_SECURITY (SLATRACK_SMTP_SECURITY) must be one of {', '.join(SMTP_SECURITY)}, "
            f"got {config.get('SMTP_SECURITY')!r}"
        )
    sender = config.get("SMTP_FROM")
    if not isinstance(sender, str) or "@" not in sender:
        raise error(f"SMTP_FROM (SLATRACK_SMTP_FROM) must be an email address when SMTP_HOST is set, got {sender!r}")
    if bool(config.get("SMTP_USER")) != bool(config.get("SMTP_PASSWORD")):
        raise error("SMTP_USER and SMTP_PASSWORD (SLATRACK_SMTP_USER/PASSWORD) must be set together")
