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


def get_unit(unit_id: int | None) -> Unit | None:
    return None if unit_id is None else db.session.get(Unit, unit_id)


def unit_choices(only_unit_id: int | None = None) -> list[tuple[str, str]]:
    """(code, "name（code）") of the active units, or of one unit only (a unit user's own)."""
    statement = select(Unit).where(Unit.active.is_(True)).order_by(Unit.code)
    if only_unit_id is not None:
        statement = select(Unit).where(Unit.id == only_unit_id)
    return [(u.code, f"{u.name}（{u.code}）") for u in db.session.scalars(statement)]
