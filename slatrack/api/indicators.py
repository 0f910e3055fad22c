"""GET /api/v1/indicators: both approval forms' indicators with targets, actuals and scores."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_smorest import Blueprint

from slatrack.api.schemas import IndicatorSchema, ProjectSummarySchema, YearQuery
from slatrack.operations.figures.audience import rows_for, summaries_for
from slatrack.operations.figures.indicators import evaluate_indicators, indicator_rows
from slatrack.policy import EVERYONE, allow

blp = Blueprint("indicators", __name__, description="绩效指标")


@blp.route("/indicators")
@allow(*EVERYONE)
@blp.arguments(YearQuery, location="query")
@blp.response(200, IndicatorSchema(many=True))
def list_indicators(query: dict[str, Any]) -> list[dict[str, Any]]:
    """绩效指标列表（两张批复表的全部指标；运维单位只看到运维合同支付的项目）"""
    return rows_for(g.principal.role, indicator_rows(query["year"], query["as_of"]), query["year"])


@blp.route("/indicators/summary")
@allow(*EVERYONE)
@blp.arguments(YearQuery, location="query")
@blp.response(200, ProjectSummarySchema(many=True))
def project_summary(query: dict[str, Any]) -> list[dict[str, Any]]:
    """各项目的预算执行率、总得分与等级（运维单位只看到运维合同支付的项目）"""
    projects = evaluate_indicators(query["year"], query["as_of"]).projects
    return [p.as_json() for p in summaries_for(g.principal.role, projects, query["year"])]
