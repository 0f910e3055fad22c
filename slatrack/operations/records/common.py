"""Helpers shared by the record-keeping operations: inspections, survey responses, payments, indicator entries."""

from __future__ import annotations

from typing import Any

from slatrack.models import User
from slatrack.operations import OperationError


def text(value: Any, field: str, label: str, max_length: int | None = None) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise OperationError(f"{label}应为文字", fields={field: "应为文字"})
    cleaned: str = value.strip()
    if max_length is not None and len(cleaned) > max_length:
        raise OperationError(f"{label}不能超过 {max_length} 个字", fields={field: f"不能超过 {max_length} 个字"})
    return cleaned


def user_label(user: User | None) -> str:
    if user is None:
        return ""
    return user.display_name or user.username
