"""Satisfaction survey responses (满意度): record one, list them, and the per-unit results with coverage.

A unit user answers for their own unit only. A response is unique per unit, period and answer time.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from slatrack.clock import aware, local_zone, not_in_future, utcnow
from slatrack.extensions import db
from slatrack.measure import satisfaction
from slatrack.measure.periods import period_from_label
from slatrack.models import SurveyResponse, Unit, User
from slatrack.operations import Conflict, OperationError
from slatrack.operations.records.common import text
from slatrack.operations.reference.units import find_unit

PERIOD_RE = re.compile(r"^\d{4}(Q[1-4])?$")
SCORE_LABELS = satisfaction.SCORE_LABELS
MAX_COMMENT = 2000


def check_period(value: Any, field: str = "period") -> str:
    cleaned = str(value).strip().upper() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not PERIOD_RE.match(cleaned):
        raise OperationError(f"期间格式错误：{value!r}", fields={field: "应为年份（2025）或季度（2025Q2）"})
    try:
        period_from_label(cleaned)
    except ValueError as exc:
        raise OperationError(str(exc), fields={field: "应为年份（2025）或季度（2025Q2）"}) from None
    return cleaned


def check_score(value: Any, field: str = "score") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in SCORE_LABELS:
        raise OperationError(f"满意度评分无效：{value!r}", fields={field: "应为 1 到 5 的整数"})
    return value


def _check_scope(user: User | None, unit: Unit) -> None:
    if user is not None and user.role == "unit" and user.unit_id != unit.id:
        raise OperationError("使用单位只能填报本单位的满意度", status=403, fields={"unit": "只能填报本单位"})


def validate_response(
    unit: Any, period: Any, score: Any, comment: Any, responded_at: Any, now: datetime
) -> dict[str, Any]:
    """Check one response's fields; return the values to store. Field names are the API's."""
    if not isinstance(unit, str) or not unit.strip():
        raise OperationError("缺少单位", fields={"unit": "请填写单位代码或名称"})
    found = find_unit(unit)
    label = check_period(period)
    value = check_score(score)
    note = text(comment, "comment", "意见", MAX_COMMENT)
    at = aware(responded_at, "responded_at", "填报时间")
    not_in_future(at, now, "responded_at", "填报时间")
    if at < period_from_label(label, str(local_zone())).start:
        raise OperationError(f"填报时间早于期间 {label} 的开始", fields={"responded_at": f"不能早于 {label} 的开始"})
    return {"unit": found, "period": label, "score": value, "comment": note, "responded_at": at}


def exists(unit_id: int, period: str, responded_at: datetime) -> bool:
    return (
        db.session.scalar(
            select(SurveyResponse.id).where(
                SurveyResponse.unit_id == unit_id,
                SurveyResponse.period == period,
                SurveyResponse.responded_at == responded_at,
            )
        )
        is not None
    )


def record_response(
    *,
    unit: Any,
    period: Any,
    score: Any,
    comment: Any = "",
    responded_at: Any,
    user: User | None = None,
    now: datetime | None = None,
) -> SurveyResponse:
    """Record one survey response; a unit user only for their own unit."""
    now = now or utcnow()
    values = validate_response(unit, period, score, comment, responded_at, now)
    _check_scope(user, values["unit"])
    if exists(values["unit"].id, values["period"], values["responded_at"]):
        raise Conflict("该单位在此期间、此填报时间的答卷已存在", fields={"responded_at": "重复的答卷"})
    response = new_response(values, user, now)
    db.session.add(response)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("该单位在此期间、此填报时间的答卷已存在", fields={"responded_at": "重复的答卷"}) from None
    return response


def new_response(values: dict[str, Any], user: User | None, now: datetime) -> SurveyResponse:
    """The row of one validated response (``validate_response``'s values), by ``user`` at ``now``."""
    return SurveyResponse(
        unit_id=values["unit"].id,
        period=values["period"],
        score=values["score"],
        comment=values["comment"],
        responded_at=values["responded_at"],
        created_by_id=None if user is None else user.id,
        created_at=now,
    )


def responses_for(period: str | None = None, unit_id: int | None = None) -> list[SurveyResponse]:
    """Responses of a period (a year includes its quarters), optionally of one unit, latest first."""
    query = select(SurveyResponse).order_by(SurveyResponse.responded_at.desc(), SurveyResponse.id.desc())
    if period is not None:
        label = check_period(period)
        query = query.where(
            SurveyResponse.period.like(f"{label}%") if len(label) == 4 else SurveyResponse.period == label
        )
    if unit_id is not None:
        query = query.where(SurveyResponse.unit_id == unit_id)
    return list(db.session.scalars(query))


def response_view(response: SurveyResponse) -> dict[str, Any]:
    return {
        "id": response.id,
        "unit": response.unit.code,
        "unit_name": response.unit.name,
        "period": response.period,
        "score": response.score,
        "score_label": SCORE_LABELS[response.score],
        "comment": response.comment,
        "responded_at": response.responded_at,
    }


def top_units() -> list[Unit]:
    """The 13 units that the survey covers: the top-level units (departments under 522700 count as it)."""
    return list(db.session.scalars(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.code)))


def survey_summary(period: str) -> dict[str, Any]:
    """Overall rate, coverage (x/13) and, for every unit, its responses and rate."""
    units = top_units()
    top_of: dict[int, Unit] = {}
    for unit in db.session.scalars(select(Unit)):
        root = unit
        while root.parent is not None:
            root = root.parent
        top_of[unit.id] = root
    responses = responses_for(period)
    records = [satisfaction.SurveyResponse(unit=top_of[r.unit_id].code, score=r.score) for r in responses]
    figures = satisfaction.satisfaction_figures(records, unit_count=len(units))
    per_unit = []
    for unit in units:
        mine = [r for r in responses if top_of[r.unit_id].id == unit.id]
        stats = figures.per_unit.get(unit.code)
        per_unit.append(
            {
                "unit": unit.code,
                "unit_name": unit.name,
                "responses": 0 if stats is None else stats.responses,
                "satisfied": 0 if stats is None else stats.satisfied,
                "rate": None if stats is None else stats.rate,
                "latest": mine[0] if mine else None,
            }
        )
    return {
        "period": check_period(period),
        "responses": figures.responses,
        "satisfied": figures.satisfied,
        "rate": figures.rate,
        "units_answered": figures.units_answered,
        "unit_count": figures.unit_count,
        "coverage": figures.coverage,
        "per_unit": per_unit,
    }
