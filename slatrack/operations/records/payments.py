"""Payments (支付) against budget lines, and each project's budget execution (measure.budget.budget_figures).

A payment names a budget line, or a contract: then it goes to that contract's line in the fiscal year
of the payment date. Overspending a line is allowed (it is shown, and lowers cost control).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from slatrack.clock import local_today, utcnow
from slatrack.extensions import db
from slatrack.measure import budget
from slatrack.models import BudgetLine, Contract, Payment, Project, User
from slatrack.operations import NotFound, OperationError
from slatrack.operations.records.common import text
from slatrack.operations.records.payment_corrections import check_voucher

MAX_AMOUNT = Decimal("999999999999.99")


def parse_amount(value: Any, field: str = "amount") -> Decimal:
    """Yuan as a decimal string or number, > 0, with at most two decimals."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise OperationError("金额应为数字", fields={field: "应为以元为单位的数字，例如 218000.00"})
    cleaned = value.strip().replace(",", "").replace("，", "") if isinstance(value, str) else str(value)
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise OperationError(
            f"金额格式错误：{value!r}", fields={field: "应为以元为单位的数字，例如 218000.00"}
        ) from None
    if not amount.is_finite() or amount <= 0:
        raise OperationError("金额必须大于 0", fields={field: "必须大于 0"})
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        raise OperationError("金额最多两位小数（到分）", fields={field: "最多两位小数"})
    if amount > MAX_AMOUNT:
        raise OperationError("金额过大", fields={field: "金额过大"})
    return amount.quantize(Decimal("0.01"))


def _line_for(contract: Any, line: Any, year: int) -> BudgetLine:
    chosen: BudgetLine | None = None
    if line not in (None, ""):
        chosen = db.session.scalar(select(BudgetLine).where(BudgetLine.code == str(line).strip()))
        if chosen is None:
            raise OperationError(f"预算科目不存在：{line}", fields={"line": "未知的预算科目代码"})
    if contract not in (None, ""):
        found = db.session.scalar(select(Contract).where(Contract.code == str(contract).strip()))
        if found is None:
            raise OperationError(f"合同不存在：{contract}", fields={"contract": "未知的合同代码"})
        of_contract = db.session.scalar(
            select(BudgetLine).where(BudgetLine.contract_id == found.id, BudgetLine.fiscal_year == year)
        )
        if of_contract is None:
            raise OperationError(
                f"合同 {found.code} 在 {year} 年度没有预算科目", fields={"contract": f"{year} 年度没有该合同的预算科目"}
            )
        if chosen is not None and chosen.id != of_contract.id:
            raise OperationError(
                f"预算科目 {chosen.code} 不属于合同 {found.code}", fields={"line": "与所填合同的预算科目不一致"}
            )
        chosen = of_contract
    if chosen is None:
        raise OperationError("请填写合同代码或预算科目代码", fields={"contract": "合同代码或预算科目代码至少填一项"})
    if chosen.fiscal_year != year:
        raise OperationError(
            f"支付日期不在预算科目 {chosen.code} 的 {chosen.fiscal_year} 年度内",
            fields={"paid_on": f"应在 {chosen.fiscal_year} 年度内"},
        )
    return chosen


def record_payment(
    *,
    amount: Any,
    paid_on: Any,
    contract: Any = None,
    line: Any = None,
    voucher: Any = "",
    note: Any = "",
    user: User | None = None,
    now: datetime | None = None,
) -> Payment:
    """Record a payment against a budget line (given directly or through its contract)."""
    now = now or utcnow()
    value = parse_amount(amount)
    if isinstance(paid_on, datetime) or not isinstance(paid_on, date):
        raise OperationError("支付日期应为日期", fields={"paid_on": "应为日期，例如 2025-05-10"})
    if paid_on > local_today(now):
        raise OperationError("支付日期不能晚于今天", fields={"paid_on": "不能晚于今天"})
    chosen = _line_for(contract, line, paid_on.year)
    voucher_text = text(voucher, "voucher", "凭证号", 64)
    check_voucher(chosen, voucher_text)
    payment = Payment(
        budget_line_id=chosen.id,
        amount=value,
        paid_on=paid_on,
        voucher=voucher_text,
        note=text(note, "note", "备注", 2000),
        created_by_id=None if user is None else user.id,
        created_at=now,
    )
    db.session.add(payment)
    db.session.commit()
    return payment


def payments_of_year(year: int) -> list[Payment]:
    return list(
        db.session.scalars(
            select(Payment)
            .join(BudgetLine, BudgetLine.id == Payment.budget_line_id)
            .where(BudgetLine.fiscal_year == year)
            .order_by(Payment.paid_on.desc(), Payment.id.desc())
        )
    )


def payment_view(payment: Payment) -> dict[str, Any]:
    line = payment.budget_line
    return {
        "id": payment.id,
        "line": line.code,
        "line_name": line.name,
        "contract": None if line.contract is None else line.contract.code,
        "amount": f"{payment.amount:.2f}",
        "paid_on": payment.paid_on,
        "voucher": payment.voucher,
        "note": payment.note,
        "recorded_at": payment.created_at,
        "reverses": payment.reverses_id,
        "reason": payment.reason,
    }


def budget_overview(year: int, as_of: date | None = None) -> list[dict[str, Any]]:
    """Each project of the year with its lines (budget, paid, execution rate, overspent) and totals."""
    projects = db.session.scalars(select(Project).where(Project.fiscal_year == year).order_by(Project.code)).all()
    if not projects:
        raise NotFound(f"{year} 年度没有预算项目")
    payments = payments_of_year(year)
    result = []
    for project in projects:
        lines = db.session.scalars(
            select(BudgetLine).where(BudgetLine.project_id == project.id).order_by(BudgetLine.code)
        ).all()
        ids = {line.id for line in lines}
        figures = budget.budget_figures(
            [budget.BudgetLine(key=line.code, name=line.name, amount=line.amount) for line in lines],
            [
                budget.Payment(line=p.budget_line.code, amount=p.amount, paid_on=p.paid_on)
                for p in payments
                if p.budget_line_id in ids
            ],
            as_of=as_of,
        )
        by_code = {line.code: line for line in lines}
        result.append(
            {
                "project": project,
                "figures": figures,
                "lines": [
                    {
                        "line": by_code[execution.key],
                        "figures": execution,
                        "remaining": execution.budget - execution.paid,
                    }
                    for execution in figures.lines
                ],
                "payments": [p for p in payments if p.budget_line_id in ids],
                "reversed_ids": {p.reverses_id for p in payments if p.reverses_id is not None},
                "overspent": any(e.overspent for e in figures.lines) or figures.paid_total > figures.budget_total,
            }
        )
    return result


def budget_lines(year: int) -> list[BudgetLine]:
    return list(db.session.scalars(select(BudgetLine).where(BudgetLine.fiscal_year == year).order_by(BudgetLine.code)))
