"""Settings: documented defaults, then ``instance/config.py``, then ``SLATRACK_*`` environment variables.

Every value is validated once when the application is created, so a typo fails at start with a message
that names the setting instead of surfacing later as an odd error.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULTS: dict[str, Any] = {
    # SQLite inside the instance folder unless a URL is given (filled in by create_app).
    "SQLALCHEMY_DATABASE_URI": None,
    "SECRET_KEY": None,
    "TIMEZONE": "Asia/Shanghai",
    # 等保 2.0: idle sessions end after 30 minutes.
    "SESSION_IDLE_MINUTES": 30,
    "PASSWORD_MAX_AGE_DAYS": 90,
    "PASSWORD_MIN_LENGTH": 8,
    # werkzeug's method string. Production keeps scrypt; the test suite sets a cheap pbkdf2 (see
    # validate(): never fewer than 1,000 rounds, never a plain hash).
    "PASSWORD_HASH_METHOD": "scrypt",
    "LOCKOUT_THRESHOLD": 5,
    "LOCKOUT_MINUTES": 15,
    # Login throttles (slatrack/logins.py): a growing delay, never a lock an outsider can trigger.
    "LOGIN_ADDRESS_THRESHOLD": 20,
    "LOGIN_ACCOUNT_THRESHOLD": 20,
    "LOGIN_ACCOUNT_DELAY_MAX_SECONDS": 60,
    "RAW_RESULT_RETENTION_DAYS": 90,
    "PROBE_WORKERS": 16,
    "SESSION_COOKIE_HTTPONLY": True,
    # Set when slatrack is reached over TLS (directly or behind a proxy): the cookie then never travels in
    # clear text, and HSTS is sent.
    "SESSION_COOKIE_SECURE": False,
    # Security headers (slatrack/web_security.py); an empty value leaves a header out.
    "CONTENT_SECURITY_POLICY": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X_FRAME_OPTIONS": "DENY",
    "REFERRER_POLICY": "same-origin",
    "HSTS_SECONDS": 31536000,
    # While the database is away: the Retry-After hint; /healthz: how old the last job run may be.
    "UNAVAILABLE_RETRY_SECONDS": 30,
    "HEALTH_SCHEDULER_STALE_MINUTES": 15,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
    # A stated time more than this before its entry is a late entry (补记) awaiting the bureau (SPEC §3).
    "LATE_ENTRY_GRACE_MINUTES": 10,
    # A unit's resolved request it neither confirms nor returns is confirmed after this many working days.
    "TICKET_AUTO_CONFIRM_WORKDAYS": 3,
    # Alerts (docs/notifications.md): links in messages, the ticket.response_due lead, and email.
    "PUBLIC_URL": "",
    "ALERT_RESPONSE_LEAD_MINUTES": 10,
    "SMTP_HOST": "",
    "SMTP_PORT": 587,
    "SMTP_SECURITY": "starttls",
    "SMTP_USER": "",
    "SMTP_PASSWORD": "",
    "SMTP_FROM": "",
    # Demonstrations and tests only: the application's clock starts at this instant (docs/years.md).
    # Refused behind TLS (SESSION_COOKIE_SECURE), i.e. in a production configuration.
    "NOW": None,
}

NOTIFY_SMTP_KEYS = ("SMTP_HOST", "SMTP_PORT", "SMTP_SECURITY", "SMTP_USER", "SMTP_PASSWORD", "SMTP_FROM")

# Environment variables that map onto settings, with the type each must parse as.
ENV_SETTINGS: dict[str, tuple[str, type]] = {
    "SLATRACK_DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "SLATRACK_SECRET_KEY": ("SECRET_KEY", str),
    "SLATRACK_TIMEZONE": ("TIMEZONE", str),
    "SLATRACK_SESSION_IDLE_MINUTES": ("SESSION_IDLE_MINUTES", int),
    "SLATRACK_PASSWORD_MAX_AGE_DAYS": ("PASSWORD_MAX_AGE_DAYS", int),
    "SLATRACK_PASSWORD_HASH_METHOD": ("PASSWORD_HASH_METHOD", str),
    "SLATRACK_LOCKOUT_THRESHOLD": ("LOCKOUT_THRESHOLD", int),
    "SLATRACK_LOCKOUT_MINUTES": ("LOCKOUT_MINUTES", int),
    "SLATRACK_LOGIN_ADDRESS_THRESHOLD": ("LOGIN_ADDRESS_THRESHOLD", int),
    "SLATRACK_LOGIN_ACCOUNT_THRESHOLD": ("LOGIN_ACCOUNT_THRESHOLD", int),
    "SLATRACK_LOGIN_ACCOUNT_DELAY_MAX_SECONDS": ("LOGIN_ACCOUNT_DELAY_MAX_SECONDS", int),
    "SLATRACK_RAW_RESULT_RETENTION_DAYS": ("RAW_RESULT_RETENTION_DAYS", int),
    "SLATRACK_PROBE_WORKERS": ("PROBE_WORKERS", int),
    "SLATRACK_LATE_ENTRY_GRACE_MINUTES": ("LATE_ENTRY_GRACE_MINUTES", int),
    "SLATRACK_TICKET_AUTO_CONFIRM_WORKDAYS": ("TICKET_AUTO_CONFIRM_WORKDAYS", int),
    "SLATRACK_SESSION_COOKIE_SECURE": ("SESSION_COOKIE_SECURE", bool),
    "SLATRACK_CONTENT_SECURITY_POLICY": ("CONTENT_SECURITY_POLICY", str),
    "SLATRACK_X_FRAME_OPTIONS": ("X_FRAME_OPTIONS", str),
    "SLATRACK_REFERRER_POLICY": ("REFERRER_POLICY", str),
    "SLATRACK_HSTS_SECONDS": ("HSTS_SECONDS", int),
    "SLATRACK_UNAVAILABLE_RETRY_SECONDS": ("UNAVAILABLE_RETRY_SECONDS", int),
    "SLATRACK_HEALTH_SCHEDULER_STALE_MINUTES": ("HEALTH_SCHEDULER_STALE_MINUTES", int),
    "SLATRACK_PUBLIC_URL": ("PUBLIC_URL", str),
    "SLATRACK_ALERT_RESPONSE_LEAD_MINUTES": ("ALERT_RESPONSE_LEAD_MINUTES", int),
    "SLATRACK_NOW": ("NOW", str),
    **{f"SLATRACK_{key}": (key, int if key == "SMTP_PORT" else str) for key in NOTIFY_SMTP_KEYS},
}
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}

POSITIVE_INTS = (
    "SESSION_IDLE_MINUTES",
    "PASSWORD_MAX_AGE_DAYS",
    "PASSWORD_MIN_LENGTH",
    "LOCKOUT_THRESHOLD",
    "LOCKOUT_MINUTES",
    "LOGIN_ADDRESS_THRESHOLD",
    "LOGIN_ACCOUNT_THRESHOLD",
    "LOGIN_ACCOUNT_DELAY_MAX_SECONDS",
    "RAW_RESULT_RETENTION_DAYS",
    "PROBE_WORKERS",
    "LATE_ENTRY_GRACE_MINUTES",
    "TICKET_AUTO_CONFIRM_WORKDAYS",
    "UNAVAILABLE_RETRY_SECONDS",
    "HEALTH_SCHEDULER_STALE_MINUTES",
    "ALERT_RESPONSE_LEAD_MINUTES",
)


class ConfigError(ValueError):
    """A setting has a value slatrack cannot use; the message names the setting."""


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Read the ``SLATRACK_*`` variables that are set, converted to their types."""
    values: dict[str, Any] = {}
    for variable, (key, kind) in ENV_SETTINGS.items():
        raw = environ.get(variable)
        if raw is None or raw == "":
            continue
        if kind is bool:
            if raw.strip().lower() not in TRUE_WORDS | FALSE_WORDS:
                raise ConfigError(f"{variable} must be true or false (1/0, yes/no, on/off), got {raw!r}")
            values[key] = raw.strip().lower() in TRUE_WORDS
        elif kind is int:
            try:
                values[key] = int(raw)
            except ValueError:
                raise ConfigError(f"{variable} must be a whole number, got {raw!r}") from None
        else:
            values[key] = raw
    return values


def environment() -> dict[str, Any]:
    return from_environment(os.environ)


def validate(config: Mapping[str, Any]) -> None:
    """Raise ConfigError naming the first setting that cannot work."""
    try:
        ZoneInfo(str(config["TIMEZONE"]))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TIMEZONE (SLATRACK_TIMEZONE) is not a known time zone: {config['TIMEZONE']!r}") from None
    for key in POSITIVE_INTS:
        value = config.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ConfigError(f"{key} must be a positive whole number, got {value!r}")
    uri = config.get("SQLALCHEMY_DATABASE_URI")
    if not isinstance(uri, str) or not uri.startswith(("sqlite", "postgresql")):
        raise ConfigError(
            f"SQLALCHEMY_DATABASE_URI (SLATRACK_DATABASE_URL) must be a sqlite:// or postgresql:// URL, got {uri!r}"
        )
    method = config.get("PASSWORD_HASH_METHOD")
    if not isinstance(method, str) or not _acceptable_hash_method(method):
        raise ConfigError(
            "PASSWORD_HASH_METHOD (SLATRACK_PASSWORD_HASH_METHOD) must be 'scrypt[:n:r:p]' or "
            f"'pbkdf2:sha256[:rounds]' with at least 1000 rounds, got {method!r}"
        )
    if not isinstance(config.get("SESSION_COOKIE_SECURE"), bool):
        raise ConfigError(f"SESSION_COOKIE_SECURE must be True or False, got {config.get('SESSION_COOKIE_SECURE')!r}")
    hsts = config.get("HSTS_SECONDS")
    if not isinstance(hsts, int) or isinstance(hsts, bool) or hsts < 0:
        raise ConfigError(f"HSTS_SECONDS must be a whole number of seconds (0 to leave HSTS out), got {hsts!r}")
    for key in ("CONTENT_SECURITY_POLICY", "X_FRAME_OPTIONS", "REFERRER_POLICY"):
        value = config.get(key)
        if not isinstance(value, str) or "\n" in value or "\r" in value:
            raise ConfigError(f"{key} must be one line of text (empty to leave the header out), got {value!r}")
    secret = config.get("SECRET_KEY")
    if not isinstance(secret, str) or len(secret) < 16:
        raise ConfigError("SECRET_KEY (SLATRACK_SECRET_KEY) must be a string of at least 16 characters")
    _validate_now(config)
    from slatrack.operations.notifications.settings import validate_alert_settings

    validate_alert_settings(config, ConfigError)


def _validate_now(config: Mapping[str, Any]) -> None:
    """NOW (SLATRACK_NOW) is for demonstrations and tests: a parseable instant, never behind TLS."""
    raw = config.get("NOW")
    if not raw:
        return
    if config.get("SESSION_COOKIE_SECURE"):
        raise ConfigError(
            "NOW (SLATRACK_NOW) is for demonstrations and tests only and is refused in a production "
            "configuration (SESSION_COOKIE_SECURE is on)"
        )
    from datetime import datetime

    from slatrack.clock import parse_now

    if isinstance(raw, datetime):
        if raw.tzinfo is None:
            raise ConfigError("NOW must be an aware datetime")
        return
    try:
        parse_now(str(raw), str(config["TIMEZONE"]))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _acceptable_hash_method(method: str) -> bool:
    name, *params = method.split(":")
    if name == "scrypt":
        return all(part.isdigit() for part in params) and len(params) in (0, 3)
    if name == "pbkdf2" and params and params[0] == "sha256" and len(params) <= 2:
        return len(params) == 1 or (params[1].isdigit() and int(params[1]) >= 1000)
    return False


def safe_database_url(url: str) -> str:
    """The database URL without its password, for messages and logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def session_lifetime(config: Mapping[str, Any]) -> timedelta:
    return timedelta(minutes=int(config["SESSION_IDLE_MINUTES"]))
