"""A demo data set for newcomers: accounts for every role and a year of plausible activity (demo_history)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import BudgetLine, Indicator, IndicatorEntry, IndicatorReview, Payment, User, utcnow
from slatrack.operations.accounts.users import create_user
from slatrack.operations.demo.history import DEMO_PORTAL

DEMO_PASSWORD = "Demo@2025"
DEMO_USERS = [
    ("admin", "admin", None, "督查考评局信息科"),
    ("vendor", "vendor", None, "运维工程师"),
    ("duyun", "unit", "522701", "都匀市督考办"),
    ("auditor", "auditor", None, "审计管理员"),
]
DEMO_PAYMENTS = [
    ("YW-2025-TAIL", "218000.00", date(2025, 6, 20), "记-2025-0612", "2023年度采购运维服务尾款（巡察整改完成后支付）"),
    ("YW-2025-NEW", "135600.00", date(2025, 5, 15), "记-2025-0508", "2025年度运维服务首付款（30%）"),
    ("YW-2025-NEW", "180800.00", date(2025, 10, 16), "记-2025-1011", "2025年度运维服务进度款（40%）"),
    ("DK-2025", "286400.00", date(2025, 11, 28), "记-2025-1120", "督查考评事务管理支出"),
]
# Counts of 专项督查 work for the DK project's manual indicators: (indicator code, [(month, count)]).
DEMO_ENTRIES = [
    ("DK-2025-01", [(m, 1) for m in range(1, 13)]),
    ("DK-2025-02", [(2, 3), (5, 4), (9, 4)]),
    ("DK-2025-03", [(3, 2), (8, 2)]),
    ("DK-2025-04", [(m, 3) for m in range(1, 12)]),
    ("DK-2025-05", [(m, 2) for m in range(1, 13)] + [(12, 2)]),
    ("DK-2025-06", [(3, 1), (6, 1), (9, 1), (12, 1)]),
    ("DK-2025-07", [(m, 1) for m in range(1, 13)]),
    ("DK-2025-08", [(3, 1)]),
    ("DK-2025-09", [(8, 1)]),
    ("YW-2025-01", [(1, 1)]),
    ("YW-2025-13", [(12, 1)]),
    ("DK-2025-15", [(12, 96)]),
]
# A person's grades for the qualitative indicators: (indicator code, grade, note).
DEMO_GRADES = [
    ("DK-2025-10", "优", "全年督查考评工作任务全部完成"),
    ("DK-2025-11", "优", "各项工作于2025年12月底前完成"),
    ("DK-2025-14", "优", "为州领导提供决策参考报告 26 篇"),
    ("YW-2025-02", "良", "功能优化需求均已上线，个别需求因等待单位材料超出时限"),
    ("YW-2025-06", "良", "未发生重大系统故障；8月备份失败的故障工单超出处理时限"),
    ("YW-2025-12", "优", "督考工作流程全部在系统内流转，办理时长较上年缩短"),
]
# Deviation reasons and improvement measures for the indicators the demo year misses.
DEMO_REVIEWS = [
    ("YW-2025-03", "8月业务数据备份核验未通过（8月14日夜间备份失败）", "增加备份任务失败告警，每日核对备份文件"),
    ("YW-2025-05", "第四季度运维报告尚在编制，未到提交时间", "于次年1月10日前提交第四季度运维报告"),
    ("YW-2025-08", "4 件服务请求首次响应超过 30 分钟", "工作日安排专人值守服务电话和微信群"),
]


def load_demo() -> list[str]:
    """Add the demo data set once; running it again adds nothing. Returns what it did, in Chinese."""
    done: list[str] = []
    for username, role, unit_code, display in DEMO_USERS:
        if db.session.scalar(select(User).where(User.username == username)) is None:
            create_user(username, role, DEMO_PASSWORD, unit_code=unit_code, display_name=display)
            done.append(f"演示账号 {username}（{role}），密码 {DEMO_PASSWORD}")
    lines = {line.code: line for line in db.session.scalars(select(BudgetLine))}
    if db.session.scalar(select(Payment).limit(1)) is None:
        for code, amount, paid_on, voucher, note in DEMO_PAYMENTS:
            db.session.add(
                Payment(
                    budget_line_id=lines[code].id, amount=Decimal(amount), paid_on=paid_on, voucher=voucher, note=note
                )
            )
        done.append(f"演示支付记录 {len(DEMO_PAYMENTS)} 条")
    if db.session.scalar(select(IndicatorEntry).limit(1)) is None:
        indicators = {item.code: item for item in db.session.scalars(select(Indicator))}
        count = 0
        for code, months in DEMO_ENTRIES:
            for month, quantity in months:
                db.session.add(
                    IndicatorEntry(
                        indicator_id=indicators[code].id,
                        fiscal_year=2025,
                        occurred_on=date(2025, month, 15),
                        quantity=Decimal(quantity),
                        note="演示数据",
                    )
                )
                count += 1
        for code, grade, note in DEMO_GRADES:
            db.session.add(
                IndicatorEntry(
                    indicator_id=indicators[code].id,
                    fiscal_year=2025,
                    occurred_on=date(2025, 12, 31),
                    grade=grade,
                    note=note,
                )
            )
        for code, reason, improvement in DEMO_REVIEWS:
            db.session.add(
                IndicatorReview(
                    indicator_id=indicators[code].id,
                    fiscal_year=2025,
                    deviation_reason=reason,
                    improvement=improvement,
                )
            )
        done.append(f"演示指标录入 {count} 条、评级 {len(DEMO_GRADES)} 项、偏差说明 {len(DEMO_REVIEWS)} 项")
    db.session.commit()
    from slatrack.operations.demo.history import history_loaded, load_history

    if not history_loaded():
        done += load_history(utcnow())
    from slatrack.operations.demo.current_year import load_current_year

    done += load_current_year(utcnow())
    return done


# The demo's portal target checks this very server's /healthz (as seeded: port 5000).
_SELF_HEALTHZ = re.compile(r"^http://127\.0\.0\.1:(\d+)/healthz$")


def follow_server_port(port: int) -> str | None:
    """Point the demo portal target at the port this server runs on; a message when it moved.

    Only a target whose address is this machine's own /healthz is touched: a real deployment's
    portal (any other URL) is left as it is."""
    from slatrack.models import Target
    from slatrack.operations.monitoring.targets import update_target

    portal = db.session.scalar(select(Target).where(Target.name == DEMO_PORTAL, Target.retired_at.is_(None)))
    match = _SELF_HEALTHZ.match(portal.url or "") if portal is not None else None
    if portal is None or match is None or int(match.group(1)) == port:
        return None
    new_url = f"http://127.0.0.1:{port}/healthz"
    update_target(portal, {"url": new_url})
    return f"演示监测对象 {DEMO_PORTAL} 改为检查本机端口 {port}：{new_url}"
