"""The indicator list of both approval forms with targets, weights and (once measured) actuals and scores."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from slatrack.extensions import db
from slatrack.measure import scoring
from slatrack.models import Indicator, Project
from slatrack.operations import OperationError


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def indicator_rows(year: int, as_of: datetime | None = None) -> list[dict[str, Any]]:
    """Every indicator row of the year's projects, in form order, as the API and CLI show them."""
    projects = db.session.scalars(select(Project).where(Project.fiscal_year == year).order_by(Project.code)).all()
    if not projects:
        raise OperationError(f"{year} 年度没有预算项目和指标", status=404, fields={"year": "无数据"})
    rows: list[dict[str, Any]] = []
    for project in projects:
        indicators = db.session.scalars(
            select(Indicator).where(Indicator.project_id == project.id).order_by(Indicator.position)
        ).all()
        records = [
            scoring.Indicator(
                project=project.code,
                level1=item.level1,
                level2=item.level2,
                name=item.name,
                operator=item.operator,
                target=_number(item.target),
                unit=item.unit,
                weight=_number(item.weight),
                key=item.code,
            )
            for item in indicators
        ]
        weights = scoring.assign_weights(records)
        for item, weight in zip(indicators, weights, strict=True):
            rows.append(
                {
                    "code": item.code,
                    "project": project.name,
                    "project_code": project.code,
                    "level1": item.level1,
                    "level2": item.level2,
                    "name": item.name,
                    "operator": item.operator,
                    "target": _number(item.target),
                    "target_text": item.target_text,
                    "unit": item.unit,
                    "explanation": item.explanation,
                    "actual": None,
                    "met": None,
                    "weight": round(weight, 4),
                    "score": None,
                    "source": item.source,
                }
            )
    return rows
