"""The demo's 2026 to date: the year set up as the bureau would set it up, and its first months of activity.

The 2026 contract round (OM-2026) and the 2026 projects copied from 2025 through the same operations as the
admin's pages and API, with the new year's budget and a few changed targets; then service requests,
inspections, payments, indicator entries and quarterly reports of 2026 up to the day before ``now``
(entered as they happened, so they count at their stated times), and monitoring evidence up to ``now``
(``current_monitoring``). Deterministic for a given day.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from slatrack.clock import local_zone
from slatrack.extensions import db
from slatrack.models import BudgetLine, Indicator, IndicatorEntry, Inspection, Payment, Project, User
from slatrack.operations.demo.current_monitoring import load_current_monitoring
from slatrack.operations.demo.history import CATEGORY_WEIGHTS, CHANNELS, CST, DEMO_VENDOR, TITLES, UNIT_CODES
from slatrack.operations.figures import report_status, submission
from slatrack.operations.reference.contracts import create_contract
from slatrack.operations.reference.copying import copy_year
from slatrack.operations.reference.indicator_edits import update_indicator
from slatrack.operations.reference.projects import get_project, update_project
from slatrack.operations.tickets.lifecycle import create_ticket, record_event

YEAR = 2026
RESOLUTION = {"P1": 120, "P2": 240, "P3": 480, "P4": 4320}
TERMS = {p: {"response_minutes": 30, "resolution_minutes": m} for p, m in RESOLUTION.items()}
CONTRACT = {
    "code": "OM-2026",
    "name": "黔南州督考绩效管理综合运用系统运维服务(2026年度采购)",
    "vendor": DEMO_VENDOR,
    "start": "2026-01-01",
    "end": "2026-12-31",
    "amount": "452000.00",
    "calendar": "7x24",
    "terms": TERMS,
    "note": "第三轮系统运维服务项目",
}
BUDGET = [
    {"code": "YW-2026-NEW", "name": "2026年度系统运维服务", "amount": "452000.00", "source": "current",
     "contract": "OM-2026"},
    {"code": "YW-2026-TAIL", "name": "2025年度采购运维服务尾款", "amount": "135600.00", "source": "carryover",
     "contract": "OM-2025", "condition": "2025年度服务验收合格后支付"},
]  # fmt: skip
# (indicator code, new target): the 2026 forms changed three targets.
TARGETS = [("YW-2026-04", Decimal(120)), ("YW-2026-08", Decimal(99)), ("YW-2026-11", Decimal("58.76"))]
PAYMENTS = [
    ("YW-2026-TAIL", "135600.00", date(2026, 1, 20), "记-2026-0115", "2025年度运维服务尾款（30%）"),
    ("YW-2026-NEW", "135600.00", date(2026, 3, 16), "记-2026-0309", "2026年度运维服务首付款（30%）"),
    ("YW-2026-NEW", "180800.00", date(2026, 9, 15), "记-2026-0907", "2026年度运维服务进度款（40%）"),
    ("DK-2026", "168000.00", date(2026, 6, 30), "记-2026-0621", "督查考评事务管理支出（上半年）"),
]


def loaded() -> bool:
    return db.session.scalar(select(Project.id).where(Project.fiscal_year == YEAR).limit(1)) is not None


def load_current_year(now: datetime) -> list[str]:
    """Set up 2026 and its activity up to yesterday (local); nothing before 2026 or when already there."""
    today = now.astimezone(local_zone()).date()
    if today.year < YEAR or loaded():
        return []
    last = min(today - timedelta(days=1), date(YEAR, 12, 31))
    copy_year(YEAR, YEAR - 1)
    create_contract({**CONTRACT, "project": "YW-2026"})
    update_project(get_project("YW-2026"), {"budget_lines": BUDGET})
    for code, target in TARGETS:
        indicator = db.session.scalar(select(Indicator).where(Indicator.code == code))
        assert indicator is not None
        update_indicator(indicator, {"target": target})
    done = [f"演示 {YEAR} 年度：合同 OM-2026，项目 YW-2026、DK-2026（由 2025 年度复制，调整预算和 3 项指标值）"]
    done.append(_tickets(last))
    done.append(_open_work(now))
    done.append(load_current_monitoring(now))  # before the reports: their outages need a cause and handling
    done.append(_records(last))
    return done


def _tickets(last: date) -> str:
    rng = random.Random(YEAR)
    vendor = db.session.scalar(select(User).where(User.role == "vendor"))
    categories = [c for c, w in CATEGORY_WEIGHTS for _ in range(w)]
    count = 0
    day = date(YEAR, 1, 5)
    while day <= last:
        if day.weekday() < 5 and rng.random() < 0.5:
            category = rng.choice(categories)
            reported = datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.randint(0, 59), tzinfo=CST)
            ticket = create_ticket(
                unit_code=rng.choice(UNIT_CODES),
                category=category,
                priority="P2" if category in ("optimization", "patch") else rng.choice(["P3", "P3", "P4"]),
                channel=rng.choice(CHANNELS),
                mode="上门" if rng.random() < 0.1 else "远程",
                title=rng.choice(TITLES[category]),
                reported_at=reported,
                now=reported + timedelta(minutes=1),
            )
            respond = reported + timedelta(minutes=rng.randint(40, 70) if rng.random() < 0.02 else rng.randint(2, 25))
            record_event(ticket, "respond", respond, "已联系报告人", vendor, now=respond + timedelta(minutes=1))
            hours = rng.randint(1, 3) if category in ("optimization", "patch") else 0
            resolve = respond + timedelta(hours=hours, minutes=rng.randint(10, 200))
            record_event(ticket, "resolve", resolve, "已处理完毕", vendor, now=resolve + timedelta(minutes=1))
            closed = resolve + timedelta(hours=1)
            record_event(ticket, "close", closed, "报告人确认", vendor, now=closed + timedelta(minutes=1))
            count += 1
        day += timedelta(days=1)
    return f"演示 {YEAR} 年服务工单 {count} 件（截至 {last.isoformat()}）"


# Requests still being worked on when the demo is loaded, so the queue and 我的待办 have something in them:
# (hours before now it was reported, category, priority, how far it got, title).
OPEN_WORK = [
    (2.0, "data", "P4", "respond", "年度考核数据批量更正"),
    (26.0, "optimization", "P4", "resolve", "督查事项导出增加办结时限列"),
]


def _open_work(now: datetime) -> str:
    """Two requests of the last day still open: one in progress, one resolved awaiting the reporter's check."""
    vendor = db.session.scalar(select(User).where(User.role == "vendor"))
    stages = []
    for hours, category, priority, stage, title in OPEN_WORK:
        reported = now - timedelta(hours=hours)
        if reported.astimezone(CST).year != YEAR:
            continue
        stages.append(stage)
        ticket = create_ticket(
            unit_code="522701", category=category, priority=priority, channel="电话", mode="远程", title=title,
            reported_at=reported, now=reported + timedelta(minutes=1),
        )  # fmt: skip
        respond = reported + timedelta(minutes=12)
        record_event(ticket, "respond", respond, "已联系报告人", vendor, now=respond + timedelta(minutes=1))
        if stage == "resolve":
            resolve = respond + timedelta(hours=20)
            record_event(ticket, "resolve", resolve, "已处理，请报告人确认", vendor, now=resolve + timedelta(minutes=1))
    return (
        f"演示 {YEAR} 年未关闭的工单 {len(stages)} 件（处理中 {stages.count('respond')} 件，"
        f"待报告人确认 {stages.count('resolve')} 件）"
    )


def _records(last: date) -> str:
    months = [m for m in range(1, 13) if date(YEAR, m, 10) <= last]
    for month in months:
        for kind, day in (("security", 8), ("backup", 9)):
            db.session.add(
                Inspection(
                    month=f"{YEAR}-{month:02d}",
                    kind=kind,
                    performed_at=datetime(YEAR, month, day, 10, tzinfo=CST),
                    performed_by="运维工程师",
                    passed=True,
                    findings="未发现异常",
                )
            )
    by_code = {line.code: line for line in db.session.scalars(select(BudgetLine).where(BudgetLine.fiscal_year == YEAR))}
    paid = [p for p in PAYMENTS if p[2] <= last]
    for code, amount, paid_on, voucher, note in paid:
        db.session.add(
            Payment(
                budget_line_id=by_code[code].id, amount=Decimal(amount), paid_on=paid_on, voucher=voucher, note=note
            )
        )
    indicators = {i.code: i for i in db.session.scalars(select(Indicator).where(Indicator.code.like(f"%-{YEAR}-%")))}
    for month in months:
        for code, quantity in (("DK-2026-01", 1), ("DK-2026-04", 3), ("DK-2026-05", 2), ("DK-2026-07", 1)):
            db.session.add(
                IndicatorEntry(
                    indicator_id=indicators[code].id,
                    fiscal_year=YEAR,
                    occurred_on=date(YEAR, month, 15),
                    quantity=Decimal(quantity),
                    note="演示数据",
                )
            )
    db.session.commit()
    reports = _reports(last)
    return f"演示 {YEAR} 年例行检查 {len(months) * 2} 次、支付 {len(paid)} 笔、季度报告 {reports} 份"


def _reports(last: date) -> int:
    admin = db.session.scalar(select(User).where(User.role == "admin"))
    vendor = db.session.scalar(select(User).where(User.role == "vendor"))
    count = 0
    for quarter in (1, 2, 3, 4):
        submitted = datetime(YEAR + (quarter == 4), quarter * 3 % 12 + 1, 8, 10, tzinfo=CST)
        if submitted.date() > last:
            break
        label = f"{YEAR}Q{quarter}"
        report = report_status.get_or_create(label)
        report.problems = "无重大问题；个别单位反映高峰期系统响应较慢，已优化数据库索引。"
        report.next_plan = "继续做好日常运维和年度考核填报保障。"
        submission.submit(label, vendor, now=submitted)
        if submitted.date() + timedelta(days=7) <= last:
            report_status.accept(label, admin, now=submitted + timedelta(days=7))
        count += 1
    return count
