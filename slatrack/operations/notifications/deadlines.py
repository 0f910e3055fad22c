"""Deadline alerts, emitted by a scheduled job (jobs/alert_jobs.py): each at most once, by its key.

ticket.response_due (the lead before the response deadline, ALERT_RESPONSE_LEAD_MINUTES), ticket.breached,
tls.expiring (from the http probe's cert_days_left), backup.stale (a backup target failing its freshness
check), inspection.missing (from the 25th), report.due, contract.ending, budget.threshold.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from slatrack.extensions import db
from slatrack.measure.periods import quarter_period
from slatrack.models import BudgetLine, Contract, Inspection, Payment, ProbeResult, Report, Target, Ticket, utcnow
from slatrack.models.enums import INSPECTION_KINDS
from slatrack.operations.notifications.outbox import day_text, emit, local_text

OPEN_STATUSES = ("open", "in_progress", "paused")
# A deadline passed longer ago than this when first seen is history (shown on the dashboard), not an alert.
FRESH = timedelta(hours=24)
INSPECTION_DUE_DAY = 25
REPORT_WARNING = timedelta(days=7)
CONTRACT_WARNING_DAYS = 30
BUDGET_THRESHOLDS = (80, 100)
# Last year's budget lines are still watched until the end of this month (its last payments come in).
LAST_YEAR_PAID_UNTIL_MONTH = 3
DEFAULT_CERT_DAYS = 14.0


def _zone() -> ZoneInfo:
    return ZoneInfo(str(current_app.config["TIMEZONE"]))


def _ticket_line(ticket: Ticket) -> str:
    unit = ticket.unit.name if ticket.unit is not None else ""
    return f"工单 {ticket.number}「{ticket.title}」（{unit}，{ticket.priority}）"


def ticket_deadlines(now: datetime) -> int:
    lead = timedelta(minutes=int(current_app.config["ALERT_RESPONSE_LEAD_MINUTES"]))
    written = 0
    tickets = db.session.scalars(
        select(Ticket).where(
            Ticket.status.in_(OPEN_STATUSES),
            ((Ticket.first_response_at.is_(None)) & (Ticket.response_due_at <= now + lead))
            | ((Ticket.resolved_at.is_(None)) & (Ticket.resolution_due_at <= now)),
        )
    )
    for ticket in tickets:
        data = {"ticket_id": ticket.id, "number": ticket.number, "priority": ticket.priority}
        unit = ticket.unit_id  # a channel filtered to some units gets their tickets' deadlines only
        due = ticket.response_due_at
        if ticket.first_response_at is None and due is not None and due > now - FRESH:
            if due > now:
                minutes = max(round((due - now).total_seconds() / 60), 1)
                written += emit(
                    "ticket.response_due", f"ticket.response_due:{ticket.id}:{due.isoformat()}",
                    title=f"【即将超时】{ticket.number} 还有 {minutes} 分钟到响应时限",
                    text=f"{_ticket_line(ticket)}尚未响应，响应时限 {local_text(due)}（还有 {minutes} 分钟）。"
                    "请立即联系报告人并在工单中登记响应。",
                    link=f"/tickets/{ticket.id}", at=now, data={**data, "due": due.isoformat()}, unit_id=unit,
                ) is not None  # fmt: skip
            else:
                written += emit(
                    "ticket.breached", f"ticket.breached:{ticket.id}:response",
                    title=f"【已超时】{ticket.number} 未在时限内响应",
                    text=f"{_ticket_line(ticket)}已超过响应时限 {local_text(due)}，仍未响应，将计入响应率。"
                    "请立即响应并说明原因。",
                    link=f"/tickets/{ticket.id}", at=due, unit_id=unit,
                    data={**data, "deadline": "response", "due": due.isoformat()},
                ) is not None  # fmt: skip
        due = ticket.resolution_due_at
        if ticket.status != "paused" and ticket.resolved_at is None and due is not None and now - FRESH < due <= now:
            written += emit(
                "ticket.breached", f"ticket.breached:{ticket.id}:resolution:{due.isoformat()}",
                title=f"【已超时】{ticket.number} 未在时限内解决",
                text=f"{_ticket_line(ticket)}已超过解决时限 {local_text(due)}，仍未解决。请尽快处理或登记暂停原因。",
                link=f"/tickets/{ticket.id}", at=due, unit_id=unit,
                data={**data, "deadline": "resolution", "due": due.isoformat()},
            ) is not None  # fmt: skip
    return written


def _latest(target_id: int) -> ProbeResult | None:
    return db.session.scalar(
        select(ProbeResult).where(ProbeResult.target_id == target_id).order_by(ProbeResult.observed_at.desc()).limit(1)
    )


def certificates(now: datetime) -> int:
    written = 0
    for target in db.session.scalars(select(Target).where(Target.kind == "http", Target.retired_at.is_(None))):
        latest = _latest(target.id)
        days = (latest.metrics or {}).get("cert_days_left") if latest is not None else None
        if latest is None or not isinstance(days, int | float) or latest.observed_at < now - FRESH:
            continue
        limit = target.options.get("cert_expiry_days", DEFAULT_CERT_DAYS)
        if not isinstance(limit, int | float) or days >= limit:
            continue
        expires = latest.observed_at + timedelta(days=float(days))
        state = f"已过期 {-days:.0f} 天" if days < 0 else f"还有 {days:.0f} 天过期"
        written += emit(
            "tls.expiring", f"tls.expiring:{target.id}:{expires.astimezone(_zone()).date().isoformat()}",
            title=f"【证书】{target.name} 的 TLS 证书{state}",
            text=f"监测对象「{target.name}」（{target.url}）的 TLS 证书将于 {local_text(expires)} 到期（{state}）。"
            "请在到期前更换证书，避免用户访问时出现安全警告或无法访问。",
            link=f"/monitoring/targets/{target.id}", at=latest.observed_at,
            data={"target": target.name, "url": target.url, "days_left": days, "expires": expires.isoformat()},
        ) is not None  # fmt: skip
    return written


def backups(now: datetime) -> int:
    written = 0
    for target in db.session.scalars(select(Target).where(Target.kind == "backup", Target.retired_at.is_(None))):
        latest = _latest(target.id)
        if latest is None or latest.ok or latest.observed_at < now - FRESH:
            continue
        last_ok = db.session.scalar(
            select(func.max(ProbeResult.observed_at)).where(ProbeResult.target_id == target.id, ProbeResult.ok)
        )
        since = f"最近一次正常为 {local_text(last_ok)}" if last_ok else "尚无正常记录"
        written += emit(
            "backup.stale", f"backup.stale:{target.id}:{last_ok.isoformat() if last_ok else 'never'}",
            title=f"【备份】{target.name} 备份未按时更新",
            text=f"备份监测「{target.name}」（{target.path or ''}）检查未通过：{latest.detail}；{since}。"
            "请检查备份任务并补做备份，本月备份核验需要它。",
            link=f"/monitoring/targets/{target.id}", at=latest.observed_at,
            data={"target": target.name, "last_ok": last_ok.isoformat() if last_ok else None, "detail": latest.detail},
        ) is not None  # fmt: skip
    return written


def inspections_due(local: datetime) -> list[tuple[str, str]]:
    """From the due day on, this month's check kinds (kind, label) without a passed record; shared with
    the inbox reminders so that both say the same thing."""
    if local.day < INSPECTION_DUE_DAY:
        return []
    month = f"{local.year:04d}-{local.month:02d}"
    passed = set(
        db.session.scalars(select(Inspection.kind).where(Inspection.month == month, Inspection.passed.is_(True)))
    )
    return [(kind, label) for kind, label in INSPECTION_KINDS.items() if kind not in passed]


def inspections(now: datetime) -> int:
    local = now.astimezone(_zone())
    month = f"{local.year:04d}-{local.month:02d}"
    written = 0
    for kind, label in inspections_due(local):
        written += emit(
            "inspection.missing", f"inspection.missing:{month}:{kind}",
            title=f"【例行检查】{local.year}年{local.month}月{label}尚未完成",
            text=f"已到 {local.month} 月 {local.day} 日，本月{label}还没有通过的记录"
            f"（每月 {INSPECTION_DUE_DAY} 日前应完成）。"
            "请完成检查并在“例行检查”中登记结果和证据，缺少将影响月度考核。",
            link="/inspections", at=now, data={"month": month, "kind": kind},
        ) is not None  # fmt: skip
    return written


def reports(now: datetime) -> int:
    local = now.astimezone(_zone())
    tz = str(current_app.config["TIMEZONE"])
    current = f"{local.year}Q{(local.month - 1) // 3 + 1}"
    previous_q = (local.month - 1) // 3
    previous = f"{local.year}Q{previous_q}" if previous_q else f"{local.year - 1}Q4"
    written = 0
    for label in (previous, current):
        period = quarter_period(label, tz)
        if label == current and period.end - now > REPORT_WARNING:
            continue
        submitted = db.session.scalar(
            select(Report.id).where(
                Report.kind == "quarterly", Report.period == label, Report.status.in_(("submitted", "accepted"))
            )
        )
        if submitted is not None:
            continue
        ended = period.end <= now
        state = "已结束" if ended else "即将结束"
        written += emit(
            "report.due", f"report.due:{label}:{'ended' if ended else 'ending'}",
            title=f"【季度报告】{label[:4]}年第{label[-1]}季度报告待提交",
            text=f"{label[:4]}年第{label[-1]}季度{state}（{local_text(period.end)}），季度运维报告尚未提交。"
            "请在“报告”页面生成、核对并提交。",
            link="/reports", at=now, data={"quarter": label, "ended": ended},
        ) is not None  # fmt: skip
    return written


def contracts(now: datetime) -> int:
    today = now.astimezone(_zone()).date()
    written = 0
    for contract in db.session.scalars(
        select(Contract).where(
            Contract.end_date >= today, Contract.end_date <= today + timedelta(days=CONTRACT_WARNING_DAYS)
        )
    ):
        days = (contract.end_date - today).days
        written += emit(
            "contract.ending", f"contract.ending:{contract.code}:{contract.end_date.isoformat()}",
            title=f"【合同】{contract.code} 将于 {days} 天后到期",
            text=f"运维合同 {contract.code}「{contract.name}」（{contract.vendor}）"
            f"将于 {day_text(contract.end_date)}到期，"
            f"还有 {days} 天。请及时安排续签或新一轮采购，避免服务中断。",
            link="/", at=now, data={"contract": contract.code, "end": contract.end_date.isoformat(), "days": days},
        ) is not None  # fmt: skip
    return written


def budgets(now: datetime) -> int:
    """A budget line's payments reaching 80 % or 100 % of its amount: one alert, for the highest threshold reached.

    Lines of this year, and of last year until the end of March (its last payments); a closed year stays quiet.
    """
    today = now.astimezone(_zone()).date()
    first_year = today.year - 1 if today.month <= LAST_YEAR_PAID_UNTIL_MONTH else today.year
    written = 0
    paid_by_line = {
        row[0]: row[1]
        for row in db.session.execute(
            select(Payment.budget_line_id, func.sum(Payment.amount)).group_by(Payment.budget_line_id)
        )
    }
    for line in db.session.scalars(select(BudgetLine).where(BudgetLine.fiscal_year >= first_year)):
        paid = Decimal(paid_by_line.get(line.id) or 0)
        if not line.amount:
            continue
        share = paid / line.amount * 100
        reached = [threshold for threshold in BUDGET_THRESHOLDS if share >= threshold]
        if not reached:
            continue
        threshold = reached[-1]
        written += emit(
            "budget.threshold", f"budget.threshold:{line.code}:{threshold}",
            title=f"【预算】{line.name} 已支付 {share:.1f}%",
            text=f"预算行「{line.name}」（{line.code}，{line.fiscal_year} 年度）已支付 {paid:,.2f} 元，"
            f"占预算 {line.amount:,.2f} 元的 {share:.1f}%，达到 {threshold}% 阈值。"
            + ("请核对是否还有未付款项，避免超支。" if threshold >= 100 else "请核对剩余款项的支付计划。"),
            link="/budget", at=now,
            data={"budget_line": line.code, "paid": str(paid), "amount": str(line.amount), "threshold": threshold},
        ) is not None  # fmt: skip
    return written


def deadline_alerts(now: datetime | None = None) -> dict[str, int]:
    """Emit every deadline alert that is due and not yet written; commits. Returns counts by source."""
    now = now or utcnow()
    counts = {
        "tickets": ticket_deadlines(now),
        "tls": certificates(now),
        "backups": backups(now),
        "inspections": inspections(now),
        "reports": reports(now),
        "contracts": contracts(now),
        "budgets": budgets(now),
    }
    try:
        db.session.commit()
    except IntegrityError:  # another writer emitted the same key meanwhile: the next run sees it
        db.session.rollback()
        return dict.fromkeys(counts, 0)
    return counts
