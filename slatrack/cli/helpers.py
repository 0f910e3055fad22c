"""What every command shares: who acts (audit), how a refused operation is reported, times and passwords read."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import click

from slatrack.operations import OperationError


def actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def fail(exc: OperationError) -> None:
    message = exc.message
    extra = {k: v for k, v in exc.fields.items() if v not in message}
    if extra:
        message += "（" + "；".join(f"{k}: {v}" for k, v in extra.items()) + "）"
    raise click.ClickException(message)


def aware(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"无法识别的时间：{value!r}，应为 ISO 8601，例如 2025-06-30T23:59:59+08:00") from None
    if parsed.tzinfo is None:
        raise click.BadParameter(f"时间必须带时区：{value!r}，例如 2025-06-30T23:59:59+08:00")
    return parsed


def read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("密码：")
        if getpass.getpass("再次输入密码：") != first:
            raise click.ClickException("两次输入的密码不一致")
        return first
    return sys.stdin.readline().rstrip("\r\n")


@contextmanager
def as_cli_user() -> Iterator[None]:
    """Audit what the block changes as done by the operating-system user running the command."""
    from slatrack.audit import acting_as

    with acting_as(actor()):
        yield
