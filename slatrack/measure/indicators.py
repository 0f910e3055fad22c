"""Indicator judgement, in one place: the SLA metrics' actuals, a quarter's share of a yearly target, met or
not, and met / at risk / missed / unknown. The dashboard, the indicator pages and API, the quarterly report
and the self-evaluation (through ``scoring``) all take their verdicts from here.

Every indicator is marked ``met``, ``at_risk``, ``missed`` or ``unknown`` (``judge``):

- ``≥`` a count (次, 月, ...): met once reached; at risk while not yet reached but on pace, i.e. at least the
  target times the share of the period already elapsed; missed when behind that pace, or the period ended
  short of it.
- ``≥`` a rate (%): met when reached with more than a fifth of the allowed shortfall (100 − target) left;
  at risk when reached but more than 80 % of that allowance is used (98 % target, 98.3 % actual); missed
  below the target.
- ``≤`` a limit: met up to 80 % of the limit; at risk above 80 % of it and up to the limit; missed above.
- ``=``: met when equal (to ``TOLERANCE``); for a count below the target, at risk when on pace as for ``≥``;
  else missed.
- qualitative: met with 优, missed with another grade, unknown without one.
- no value yet: unknown.

Over a quarter, the SLA metrics are measured on the quarter alone; a count's target is a quarter of the
yearly one (``quarter_target``), a rate's stays as it is. The year to date at a quarter's end is held against
a pro-rated target only for counts that accumulate over the year (``year_to_date_target``, ``accumulates``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from slatrack.measure import budget as budget_measure
from slatrack.measure.periods import Period
from slatrack.measure.sla import ScopeFigures
from slatrack.measure.tickets import all_resolved_in_time

MET, AT_RISK, MISSED, UNKNOWN = "met", "at_risk", "missed", "unknown"
# Two figures closer than this are equal (an ``=`` target is met; ``≥`` and ``≤`` forgive float noise).
TOLERANCE = 1e-9
# The share of a ≤ limit (or of a rate's allowed shortfall) past which a target counts as at risk.
RISK_SHARE = 0.8
# Indicators measured by the SLA engine over any period (a year, a quarter).
SLA_METRICS = (
    "failure_rate",
    "response_rate",
    "consultations",
    "monitoring_months",
    "reports_submitted",
    "satisfaction_rate",
)
QUARTERS_PER_YEAR = 4
# Units of counts that add up over the year (the approval forms' 次, 期 and 人次; 件, 份, 篇, 场 and 批 alike):
# only their year-to-date targets are pro-rated.
CUMULATIVE_UNITS = frozenset({"次", "人次", "期", "件", "份", "篇", "场", "批"})


def sla_metric(name: str, sla: ScopeFigures) -> float | None:
    """The actual of a ``metric:<name>`` indicator that the SLA figures of a period give; None for others."""
    counts = sla.tickets.overall
    values: dict[str, float | None] = {
        "failure_rate": sla.failure_rate,
        "response_rate": counts.response_rate,
        "consultations": float(sla.tickets.consultations),
        "monitoring_months": float(sla.monitoring.count),
        "reports_submitted": float(len(sla.reports_submitted)),
        "satisfaction_rate": sla.satisfaction.rate,
    }
    return values.get(name)


def derived_outcome(name: str, sla: ScopeFigures) -> tuple[bool, str]:
    """Whether a ``derived:<name>`` indicator earns 优 over the figures' period, and why (Chinese).

    系统故障处理 (``fault_handling``): no major fault and every fault ticket resolved in time; 系统功能优化
    (``optimization``): every optimization and patch ticket resolved in time. Raises ValueError for others.
    """
    outcomes = sla.ticket_outcomes
    if name == "fault_handling":
        majors = len(sla.major_faults)
        in_time = all_resolved_in_time(outcomes, ["fault"])
        return (
            majors == 0 and in_time,
            f"重大故障 {majors} 次；故障工单{'均已按时解决' if in_time else '存在未按时解决'}",
        )
    if name == "optimization":
        in_time = all_resolved_in_time(outcomes, ["optimization", "patch"])
        return in_time, f"功能优化及补丁工单{'均已按时完成' if in_time else '存在未按时完成'}"
    raise ValueError(f"未知的派生指标：derived:{name}")


def quarter_target(target: float | None, unit: str) -> float | None:
    """A quarter's share of a yearly target: a quarter of a count, the same rate (%)."""
    if target is None or unit == "%":
        return target
    return target / QUARTERS_PER_YEAR


def accumulates(unit: str) -> bool:
    """Whether an indicator in ``unit`` counts events that add up over the year (次, 件, 份, ...), as opposed
    to a term (=12月, ≥1年), a whole (=1套), a rate (%) or an amount (万元), which a part of the year does not
    reach a part of."""
    return unit.strip() in CUMULATIVE_UNITS


def year_to_date_target(operator: str, target: float | None, unit: str, quarters: int) -> float | None:
    """A yearly target pro-rated to the end of quarter ``quarters`` (1-4): a ``≥`` or ``=`` count that
    accumulates over the year grows by a quarter each quarter (≥ 100 次 → 50 by the end of Q2); a term (月,
    年), a whole (套), a rate (%), an amount and a ``≤`` limit stay as they are (=12月 stays =12月)."""
    if target is None or not accumulates(unit) or operator not in (">=", "="):
        return target
    return target * min(max(quarters, 0), QUARTERS_PER_YEAR) / QUARTERS_PER_YEAR


def meets(operator: str, actual: float | None, target: float | None) -> bool | None:
    """Whether the actual meets the target; None when either is missing or the operator is qualitative."""
    if actual is None or target is None:
        return None
    if operator == ">=":
        return actual + TOLERANCE >= target
    if operator == "<=":
        return actual <= target + TOLERANCE
    if operator == "=":
        return abs(actual - target) <= TOLERANCE
    return None


def elapsed_share(period: Period, now: datetime) -> float:
    """The share of the period already elapsed at ``now`` (0 before it, 1 after it)."""
    if now <= period.start:
        return 0.0
    if now >= period.end or period.minutes <= 0:
        return 1.0
    return (now - period.start).total_seconds() / 60 / period.minutes


def judge(operator: str, target: float | None, unit: str, actual: float | None, met: bool | None, share: float) -> str:
    """``met``, ``at_risk``, ``missed`` or ``unknown`` for one indicator; ``share`` is the elapsed share."""
    if operator == "qualitative":
        return UNKNOWN if met is None else (MET if met else MISSED)
    if actual is None or target is None:
        return UNKNOWN
    rate = unit == "%"
    on_pace = share < 1.0 and actual + TOLERANCE >= target * share
    if operator == ">=":
        if not meets(operator, actual, target):
            return AT_RISK if not rate and on_pace else MISSED
        if rate:
            allowance = 100.0 - target
            used = 100.0 - actual
            return AT_RISK if allowance > 0 and used > RISK_SHARE * allowance + TOLERANCE else MET
        return MET
    if operator == "<=":
        if not meets(operator, actual, target):
            return MISSED
        return AT_RISK if actual > RISK_SHARE * target + TOLERANCE else MET
    if operator == "=":
        if meets(operator, actual, target):
            return MET
        return AT_RISK if not rate and actual < target and on_pace else MISSED
    return UNKNOWN


# ---------------------------------------------------------------------------------------------------
# A year's evaluation, as every reader receives it (operations.figures.indicators.evaluate_indicators)


@dataclass(frozen=True)
class ProjectSummary:
    code: str
    name: str
    budget: Decimal
    paid: Decimal
    execution_rate: float | None
    budget_points: float
    total: float
    grade: str
    missing: tuple[str, ...]
    # Sums of the printed row scores per scoring group (output, benefit, satisfaction) and in all.
    subtotals: dict[str, float] = field(default_factory=dict)
    indicator_points: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "project_code": self.code,
            "project": self.name,
            "budget": float(self.budget),
            "paid": float(self.paid),
            "execution_rate": self.execution_rate,
            "budget_points": round(self.budget_points, 2),
            "total": self.total,
            "grade": self.grade,
            "missing": list(self.missing),
            "subtotals": dict(self.subtotals),
            "indicator_points": self.indicator_points,
        }


@dataclass(frozen=True)
class IndicatorEvaluation:
    year: int
    as_of: datetime
    rows: list[dict[str, Any]]
    projects: list[ProjectSummary]
    sla: ScopeFigures
    budgets: dict[str, budget_measure.BudgetFigures]
