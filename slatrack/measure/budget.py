"""Budget execution, cost control, spending, and the service months of a fiscal year.

Money is ``Decimal`` yuan (no float sums of fen). Rates are percentages with two decimals.

- Execution rate (预算执行率) = paid / budget × 100, per line and in total; ``None`` for a
  budget of 0.
- Cost control (项目或定额成本控制率) = 100 when neither a line nor the total is overspent;
  otherwise budget / paid × 100 of the worst overspent one (the lowest such ratio).
- Spending (系统运维服务资金) = the total paid.
- Service months (系统运维服务期限): a month of the fiscal year counts when every one of its days
  is inside some contract's inclusive dates (contracts may touch or overlap). The days of the
  year that no contract covers are reported as gaps, merged into inclusive date ranges.
  With OM-2023 to 2025-04-13 and OM-2025 from 2025-04-14 to 2025-12-31, 2025 has 12 months
  and no gap.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from slatrack.measure.rates import percent


@dataclass(frozen=True)
class BudgetLine:
    key: str
    name: str
    amount: Decimal


@dataclass(frozen=True)
class Payment:
    line: str
    amount: Decimal
    paid_on: date


@dataclass(frozen=True)
class LineExecution:
    key: str
    name: str
    budget: Decimal
    paid: Decimal
    execution_rate: float | None
    overspent: bool


@dataclass(frozen=True)
class BudgetFigures:
    lines: tuple[LineExecution, ...]
    budget_total: Decimal
    paid_total: Decimal
    execution_rate: float | None
    cost_control_rate: float | None
    spending_total: Decimal


def budget_figures(
    lines: Iterable[BudgetLine], payments: Iterable[Payment], as_of: date | None = None
) -> BudgetFigures:
    """Execution per line and in total, cost control and spending, from payments made by ``as_of``."""
    budget_lines = list(lines)
    paid: dict[str, Decimal] = {}
    for line in budget_lines:
        if line.key in paid:
            raise ValueError(f"预算科目重复：{line.key}")
        if line.amount < 0:
            raise ValueError(f"预算科目“{line.name}”的金额不能为负")
        paid[line.key] = Decimal(0)
    for payment in payments:
        if payment.line not in paid:
            raise ValueError(f"支付记录对应的预算科目不存在：{payment.line}")
        if as_of is None or payment.paid_on <= as_of:
            paid[payment.line] += payment.amount

    executions = tuple(
        LineExecution(
            key=line.key,
            name=line.name,
            budget=line.amount,
            paid=paid[line.key],
            execution_rate=percent(float(paid[line.key]), float(line.amount)),
            overspent=paid[line.key] > line.amount,
        )
        for line in budget_lines
    )
    budget_total = sum((line.amount for line in budget_lines), Decimal(0))
    paid_total = sum(paid.values(), Decimal(0))
    overspent = [(e.budget, e.paid) for e in executions if e.overspent]
    if paid_total > budget_total:
        overspent.append((budget_total, paid_total))
    cost_control = 100.0 if not overspent else min(percent(float(b), float(p)) or 0.0 for b, p in overspent)
    return BudgetFigures(
        lines=executions,
        budget_total=budget_total,
        paid_total=paid_total,
        execution_rate=percent(float(paid_total), float(budget_total)),
        cost_control_rate=cost_control,
        spending_total=paid_total,
    )


@dataclass(frozen=True)
class ServiceMonths:
    months: int
    covered: tuple[str, ...]
    uncovered: tuple[str, ...]
    gaps: tuple[tuple[date, date], ...]


def service_months(fiscal_year: int, contract_spans: Iterable[tuple[date, date]]) -> ServiceMonths:
    """Months of ``fiscal_year`` fully covered by contracts (inclusive local dates), and the gaps."""
    first, last = date(fiscal_year, 1, 1), date(fiscal_year, 12, 31)
    spans = []
    for start, end in contract_spans:
        if end < start:
            raise ValueError(f"合同期限结束日期 {end.isoformat()} 早于开始日期 {start.isoformat()}")
        lo, hi = max(start, first), min(end, last)
        if lo <= hi:
            spans.append((lo, hi))
    spans.sort()

    gaps: list[tuple[date, date]] = []
    cursor = first  # first day not yet known to be covered
    for lo, hi in spans:
        if lo > cursor:
            gaps.append((cursor, lo - timedelta(days=1)))
        cursor = max(cursor, hi + timedelta(days=1))
    if cursor <= last:
        gaps.append((cursor, last))

    covered: list[str] = []
    uncovered: list[str] = []
    for month in range(1, 13):
        month_first = date(fiscal_year, month, 1)
        month_last = (date(fiscal_year + 1, 1, 1) if month == 12 else date(fiscal_year, month + 1, 1)) - timedelta(
            days=1
        )
        label = f"{fiscal_year:04d}-{month:02d}"
        touched = any(g_lo <= month_last and g_hi >= month_first for g_lo, g_hi in gaps)
        (uncovered if touched else covered).append(label)
    return ServiceMonths(months=len(covered), covered=tuple(covered), uncovered=tuple(uncovered), gaps=tuple(gaps))
