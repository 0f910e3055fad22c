"""Both approval forms' indicators with their actual values, met or not, and scores (SPEC section 5).

Where each actual comes from is the indicator's ``source``:

- ``metric:<name>``: measured — the SLA figures of the fiscal year (failure rate, response rate,
  consultations, monitoring months, reports, satisfaction), the project's budget (cost control,
  spending in 万元) or the contracts' coverage of the year (service months).
- ``derived:<name>``: graded from records — 系统故障处理 is 优 when there was no major fault and every
  ``fault`` ticket was resolved in time; 系统功能优化 when every ``optimization`` and ``patch`` ticket
  was. Otherwise a person's grade (the latest entry) stands, or the row waits for one.
- ``manual``: counted from entries — the sum of the year's quantities up to ``as_of``, or for a
  percentage the latest entry.
- ``grade``: the latest grade a person entered.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from slatrack.clock import zone_name
from slatrack.extensions import db
from slatrack.measure import budget as budget_measure
from slatrack.measure import scoring
from slatrack.measure.indicators import SLA_METRICS, IndicatorEvaluation, ProjectSummary, derived_outcome, sla_metric
from slatrack.measure.periods import year_period
from slatrack.measure.sla import ScopeFigures
from slatrack.models import (
    BudgetLine,
    Contract,
    Indicator,
    IndicatorEntry,
    IndicatorReview,
    Payment,
    Project,
    utcnow,
)
from slatrack.operations import OperationError
from slatrack.operations.figures.sla import measure_period
from slatrack.operations.reference.indicator_edits import revision_notes


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _latest_grade(entries: list[IndicatorEntry]) -> str | None:
    graded = [e for e in entries if e.grade]
    if not graded:
        return None
    return max(graded, key=lambda e: (e.occurred_on, e.id)).grade


def _manual_actual(indicator: Indicator, entries: list[IndicatorEntry]) -> float | None:
    counted = [e for e in entries if e.quantity is not None]
    if not counted:
        return None
    if indicator.unit == "%":
        return float(max(counted, key=lambda e: (e.occurred_on, e.id)).quantity)  # type: ignore[arg-type]
    return float(sum((e.quantity for e in counted if e.quantity is not None), Decimal(0)))


def _budgets(year: int, as_of: datetime, tz: str) -> dict[str, budget_measure.BudgetFigures]:
    paid_by = as_of.astimezone(ZoneInfo(tz)).date()
    lines_by_project: dict[int, list[BudgetLine]] = defaultdict(list)
    for line in db.session.scalars(select(BudgetLine).where(BudgetLine.fiscal_year == year).order_by(BudgetLine.id)):
        lines_by_project[line.project_id].append(line)
    payments = db.session.scalars(select(Payment)).all()
    figures = {}
    for project in db.session.scalars(select(Project).where(Project.fiscal_year == year)):
        lines = lines_by_project.get(project.id, [])
        keys = {line.id: line.code for line in lines}
        figures[project.code] = budget_measure.budget_figures(
            [budget_measure.BudgetLine(line.code, line.name, line.amount) for line in lines],
            [
                budget_measure.Payment(keys[p.budget_line_id], p.amount, p.paid_on)
                for p in payments
                if p.budget_line_id in keys
            ],
            as_of=paid_by,
        )
    return figures


def _service_months(year: int) -> budget_measure.ServiceMonths:
    spans = [(c.start_date, c.end_date) for c in db.session.scalars(select(Contract))]
    return budget_measure.service_months(year, spans)


def _gaps_note(gaps: tuple[tuple[date, date], ...]) -> str:
    """A gap between contracts, reported where the service months are shown."""
    spans = "、".join(lo.isoformat() if lo == hi else f"{lo.isoformat()} 至 {hi.isoformat()}" for lo, hi in gaps)
    return f"无合同覆盖：{spans}（所在月份按未服务计）"


def _metric(name: str, sla: ScopeFigures, budget: budget_measure.BudgetFigures | None, months: int) -> float | None:
    if name in SLA_METRICS:
        return sla_metric(name, sla)
    measured: dict[str, float | None] = {
        "service_months": float(months),
        "cost_control": None if budget is None else budget.cost_control_rate,
        "spending": None if budget is None else float(budget.spending_total / Decimal(10000)),
    }
    if name not in measured:
        raise OperationError(f"未知的指标数据来源：metric:{name}", status=500)
    return measured[name]


def _derived(name: str, sla: ScopeFigures) -> tuple[bool, str]:
    """Whether the derived rule gives 优, and why (Chinese, shown beside the grade)."""
    try:
        return derived_outcome(name, sla)
    except ValueError as exc:
        raise OperationError(str(exc), status=500) from None


def evaluate_indicators(year: int, as_of: datetime | None = None) -> IndicatorEvaluation:
    """Actuals, met, scores of every indicator of the year's projects, and each project's total and grade."""
    tz = zone_name()
    as_of = as_of or utcnow()
    if as_of.tzinfo is None:
        raise OperationError("as_of 必须带时区", fields={"as_of": "应为带时区的 ISO 8601 时间"})
    projects = db.session.scalars(select(Project).where(Project.fiscal_year == year).order_by(Project.code)).all()
    if not projects:
        raise OperationError(f"{year} 年度没有预算项目和指标", status=404, fields={"year": "无数据"})
    try:
        period = year_period(year, tz)
    except ValueError as exc:
        raise OperationError(str(exc), fields={"year": str(exc)}) from None
    sla = measure_period(period, as_of).total
    budgets = _budgets(year, as_of, tz)
    service = _service_months(year)
    months = service.months
    cutoff = as_of.astimezone(ZoneInfo(tz)).date()
    entries: dict[int, list[IndicatorEntry]] = defaultdict(list)
    for entry in db.session.scalars(
        select(IndicatorEntry).where(IndicatorEntry.fiscal_year == year, IndicatorEntry.occurred_on <= cutoff)
    ):
        entries[entry.indicator_id].append(entry)
    revised = revision_notes(year)
    reviews = {
        r.indicator_id: r
        for r in db.session.scalars(select(IndicatorReview).where(IndicatorReview.fiscal_year == year))
    }

    rows: list[dict[str, Any]] = []
    summaries: list[ProjectSummary] = []
    for project in projects:
        indicators = db.session.scalars(
            select(Indicator).where(Indicator.project_id == project.id).order_by(Indicator.position)
        ).all()
        budget = budgets.get(project.code)
        records: list[scoring.Indicator] = []
        notes: list[str] = []
        for item in indicators:
            kind, _, name = item.source.partition(":")
            actual: float | None = None
            grade: str | None = None
            note = ""
            if kind == "metric":
                actual = _metric(name, sla, budget, months)
                if name == "service_months" and service.gaps:
                    note = _gaps_note(service.gaps)
            elif kind == "derived":
                ok, note = _derived(name, sla)
                grade = "优" if ok else _latest_grade(entries[item.id])
                if not ok and grade is None:
                    note += "；待人工评定"
            elif kind == "manual":
                actual = _manual_actual(item, entries[item.id])
            else:
                grade = _latest_grade(entries[item.id])
            records.append(
                scoring.Indicator(
                    project=project.code,
                    level1=item.level1,
                    level2=item.level2,
                    name=item.name,
                    operator=item.operator,
                    target=_number(item.target),
                    unit=item.unit,
                    weight=_number(item.weight),
                    actual=actual,
                    grade=grade,
                    key=item.code,
                )
            )
            notes.append(note)
        scored = scoring.score_project(project.code, records, None if budget is None else budget.execution_rate)
        for item, result, note in zip(indicators, scored.indicators, notes, strict=True):
            review = reviews.get(item.id)
            record = result.indicator
            has_value = record.actual is not None or record.grade is not None
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
                    "actual": record.actual,
                    "grade": record.grade,
                    "met": result.met if has_value else None,
                    "weight": result.weight,
                    "score": result.score,
                    "source": item.source,
                    "note": "；".join(
                        t for t in (note, revised.get(item.id, "") and f"指标修订：{revised[item.id]}") if t
                    ),
                    "revision": revised.get(item.id, ""),
                    "deviation_reason": review.deviation_reason if review else "",
                    "improvement": review.improvement if review else "",
                    "project_total": scored.total,
                    "project_grade": scored.grade,
                }
            )
        summaries.append(
            ProjectSummary(
                code=project.code,
                name=project.name,
                budget=budget.budget_total if budget else Decimal(0),
                paid=budget.paid_total if budget else Decimal(0),
                execution_rate=budget.execution_rate if budget else None,
                budget_points=scored.budget_points,
                total=scored.total,
                grade=scored.grade,
                missing=scored.missing,
                subtotals=scored.subtotals,
                indicator_points=scored.indicator_points,
            )
        )
    return IndicatorEvaluation(year, as_of, rows, summaries, sla, budgets)


def indicator_rows(year: int, as_of: datetime | None = None) -> list[dict[str, Any]]:
    """Every indicator row of the year's projects, in form order, as the API and CLI show them."""
    return evaluate_indicators(year, as_of).rows
