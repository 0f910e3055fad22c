"""Corrections of payments in the open: a payment is never deleted, it is reversed by a counter-entry (冲销)
with a reason; a voucher number is used once per contract (a second payment with it is refused)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from slatrack import audit
from slatrack.clock import utcnow
from slatrack.extensions import db
from slatrack.models import BudgetLine, Payment, User
from slatrack.operations import Conflict, OperationError


def check_voucher(line: BudgetLine, voucher: str) -> None:
    """A voucher number already used by a payment of the same contract (or budget line) is refused (409)."""
    if not voucher:
        return
    same = BudgetLine.contract_id == line.contract_id if line.contract_id is not None else BudgetLine.id == line.id
    used = db.session.scalar(
        select(Payment.id)
        .join(BudgetLine, BudgetLine.id == Payment.budget_line_id)
        .where(same, Payment.voucher == voucher, Payment.reverses_id.is_(None))
        .limit(1)
    )
    if used is not None:
        raise Conflict(
            f"凭证号 {voucher} 已用于该合同的支付记录 #{used}，不能重复登记", fields={"voucher": "凭证号已使用"}
        )


def reverse_payment(payment_id: int, reason: str, user: User | None, now: datetime | None = None) -> Payment:
    """Add the counter-entry of a payment: the same line and voucher, the amount negated, dated today."""
    reason = (reason or "").strip()
    if not reason:
        raise OperationError("冲销支付必须填写原因", fields={"reason": "请填写冲销原因"})
    payment = db.session.get(Payment, payment_id, with_for_update=True)
    if payment is None:
        raise OperationError(f"支付记录不存在：{payment_id}", status=404)
    if payment.reverses_id is not None:
        raise Conflict("冲销记录本身不能再冲销", fields={"payment": "这是一条冲销记录"})
    if db.session.scalar(select(Payment.id).where(Payment.reverses_id == payment.id)) is not None:
        raise Conflict(f"支付记录 #{payment.id} 已冲销", fields={"payment": "已冲销"})
    moment = now or utcnow()
    counter = Payment(
        budget_line_id=payment.budget_line_id,
        amount=-payment.amount,
        paid_on=payment.paid_on,
        voucher=payment.voucher,
        note=f"冲销支付记录 #{payment.id}",
        reason=reason,
        reverses_id=payment.id,
        created_by_id=user.id if user is not None else None,
        created_at=moment,
    )
    db.session.add(counter)
    db.session.flush()
    audit.record(
        "payment.reverse",
        object_type="payments",
        object_id=str(payment.id),
        detail=f"冲销支付记录 #{payment.id}（{payment.amount:.2f} 元，凭证号 {payment.voucher or '无'}）：{reason}",
    )
    db.session.commit()
    return counter
