"""Units (使用单位): looked up by their code (522701) or their name (都匀市)."""

from __future__ import annotations

from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import Unit
from slatrack.operations import OperationError


def find_unit(key: str, field: str = "unit") -> Unit:
    """A unit by its code or its name, or an OperationError naming ``field``."""
    cleaned = str(key).strip()
    unit = db.session.scalar(select(Unit).where((Unit.code == cleaned) | (Unit.name == cleaned)))
    if unit is None:
        raise OperationError(f"单位不存在：{cleaned}", fields={field: "未知的单位代码或名称"})
    return unit
