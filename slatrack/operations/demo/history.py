"""The demo's history: a plausible 2025 of monitoring, service requests, inspections, surveys and reports.

Deterministic (seeded), so every newcomer sees the same figures. Everything goes through the same
operations as real use — tickets through create_ticket/record_event, outages reconciled from evidence,
reports submitted through report_status — so the demo also exercises the real paths.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import select

from slatrack.extensions import db
from slatrack.measure.segments import Observation, build_segments
from slatrack.models import Contract, Inspection, Outage, SurveyResponse, Ticket, Unit, User
from slatrack.operations.figures import report_status, submission
from slatrack.operations.monitoring.outages import add_exclusion, reconcile_outages, request_maintenance
from slatrack.operations.monitoring.segment_store import store_segments
from slatrack.operations.monitoring.targets import create_target
from slatrack.operations.tickets.lifecycle import create_ticket, record_event
from slatrack.policy import Principal

CST = timezone(timedelta(hours=8))
HISTORY_START = datetime(2024, 8, 26, tzinfo=CST)
HISTORY_END = datetime(2026, 1, 1, tzinfo=CST)
STEP = timedelta(minutes=5)


def cst(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CST)


@dataclass(frozen=True)
class DemoTarget:
    name: str
    kind: str
    address: dict[str, object]
    critical: bool
    in_process: bool
    failures: tuple[tuple[datetime, datetime], ...]  # spans with failed checks
    gaps: tuple[tuple[datetime, datetime], ...] = ()  # spans with no results (probe down)


DEMO_PORTAL = "督考系统门户"  # checks the server's own /healthz: `slatrack run` points it at its port

TARGETS = [
    DemoTarget(
        DEMO_PORTAL,
        "http",
        {"url": "http://127.0.0.1:5000/healthz"},
        critical=True,
        in_process=True,
        failures=(
            (cst(2, 17, 9, 0), cst(2, 17, 9, 40)),  # Spring Festival return-to-work peak
            (cst(7, 21, 9, 30), cst(7, 21, 10, 15)),  # application server fault
            (cst(9, 3, 14, 0), cst(9, 3, 14, 20)),  # the bureau's network switch (excluded)
            (cst(11, 6, 10, 5), cst(11, 6, 10, 10)),  # one failed check: transient
        ),
        gaps=((cst(10, 8, 1, 0), cst(10, 8, 4, 0)),),  # the probe agent was down
    ),
    DemoTarget(
        "业务数据库",
        "tcp",
        {"host": "127.0.0.1", "port": 5432},
        critical=True,
        in_process=False,
        failures=(
            (cst(3, 12, 2, 10), cst(3, 12, 3, 40)),  # disk full on the database host
            (cst(5, 10, 2, 0), cst(5, 10, 4, 0)),  # during the approved upgrade window
        ),
    ),
    DemoTarget("中间件", "tcp", {"host": "127.0.0.1", "port": 8009}, critical=True, in_process=False, failures=()),
    DemoTarget(
        "业务数据备份",
        "backup",
        {"path": "/srv/backup/dukao-*.dump"},
        critical=False,
        in_process=False,
        failures=((cst(8, 14, 2, 0), cst(8, 15, 2, 0)),),  # one night's backup failed
    ),
]

UNIT_CODES = ["522700", "522701", "522702", "522722", "522723", "522725", "522726", "522727", "522728",
              "522729", "522730", "522731", "522732"]  # fmt: skip
CATEGORY_WEIGHTS = [
    ("consult", 30), ("guidance", 22), ("data", 16), ("business", 8), ("training", 4), ("notice", 5),
    ("mlps", 2), ("optimization", 5), ("patch", 3), ("other", 5),
]  # fmt: skip
TITLES = {
    "consult": ["考核指标得分如何查询", "督查任务无法提交", "账号登录提示密码错误", "如何查看历史督办件"],
    "guidance": ["指导填报季度考核材料", "指导上传佐证材料", "指导使用督查任务分解功能"],
    "data": ["修正2024年度考核数据", "批量导入督查台账", "导出本单位考核明细"],
    "business": ["咨询高质量发展绩效考核评分口径", "咨询督查事项办结流程"],
    "training": ["新任联络员系统操作培训", "年中评估填报培训"],
    "notice": ["发布半年评估抽查核验通知", "推送督办提醒"],
    "mlps": ["配合等保测评现场核查", "提供等保测评整改材料"],
    "optimization": ["优化考核得分统计页面", "增加督查任务到期提醒"],
    "patch": ["部署安全补丁", "升级中间件版本"],
    "other": ["协助排查单位网络访问问题", "更换服务器证书"],
}
CHANNELS = ["电话", "微信", "系统", "现场", "邮件"]


def observations(target: DemoTarget, end: datetime) -> list[Observation]:
    """One check every STEP from HISTORY_START until ``end``: failed inside ``failures``, absent inside ``gaps``."""
    count = max((end - HISTORY_START + STEP - timedelta(microseconds=1)) // STEP, 0)

    def marks(spans: tuple[tuple[datetime, datetime], ...]) -> bytearray:
        marked = bytearray(count)
        for start, stop in spans:
            first = min(max(-(-(start - HISTORY_START) // STEP), 0), count)
            last = min(max(-(-(stop - HISTORY_START) // STEP), 0), count)
            marked[first:last] = b"\x01" * max(last - first, 0)
        return marked

    failed, absent = marks(target.failures), marks(target.gaps)
    result = []
    moment = HISTORY_START.astimezone(UTC)  # in UTC already, as the segment builder keeps instants
    for index in range(count):
        if not absent[index]:
            result.append(Observation(moment, not failed[index]))
        moment += STEP
    return result


DEMO_VENDOR = "演示运维服务有限公司"


def load_monitoring(now: datetime) -> list[str]:
    done = []
    admin = db.session.scalar(select(User).where(User.role == "admin"))
    vendor = db.session.scalar(select(User).where(User.role == "vendor"))
    for spec in TARGETS:
        target, _ = create_target(
            {
                "name": spec.name,
                "kind": spec.kind,
                **spec.address,
                "interval_seconds": int(STEP.total_seconds()),
                "critical": spec.critical,
                "in_process": spec.in_process,
                "monitored_since": HISTORY_START,
            }
        )
        segments = build_segments(observations(spec, HISTORY_END), target.interval_seconds)
        store_segments(target, segments)
        reconcile_outages(target, HISTORY_START, HISTORY_END, now)
        db.session.commit()
        done.append(f"演示监测对象 {spec.name}：{len(segments)} 段监测证据")
    # The vendor answers and fixes each outage's fault ticket; the bureau adjudicates the switch fault.
    for outage in db.session.scalars(select(Outage).order_by(Outage.start)):
        switch = outage.start == cst(9, 3, 14, 0).astimezone(outage.start.tzinfo)
        outage.cause = "督查考评局机房交换机故障" if switch else "应用服务进程异常退出"
        outage.handling = "甲方更换交换机后恢复" if switch else "远程登录排查，重启服务后恢复；已加强进程监控"
        answer_fault_tickets(outage, vendor)
        if outage.start == cst(9, 3, 14, 0).astimezone(outage.start.tzinfo):
            add_exclusion(
                outage,
                category="customer",
                reason="督查考评局机房交换机故障，非运维方原因",
                start=None,
                end=None,
                principal=_principal(admin),
            )
    request_maintenance(
        start=cst(5, 10, 2, 0), end=cst(5, 10, 4, 0), reason="数据库版本升级（已提前通知各单位）",
        principal=_principal(admin),
    )  # fmt: skip
    done.append("演示计划维护 1 次、停机排除 1 次")
    return done


def answer_fault_tickets(outage: Outage, vendor: User | None) -> None:
    """The vendor answers, fixes and closes the outage's fault tickets, each step entered as it happened."""
    for ticket in outage.tickets:
        answered = outage.start + timedelta(minutes=12)
        record_event(ticket, "respond", answered, "已远程登录排查", vendor, now=answered)
        resolved = (outage.end or outage.start) + timedelta(minutes=5)
        record_event(ticket, "resolve", resolved, "已恢复服务", vendor, now=resolved)
        record_event(ticket, "close", resolved + timedelta(hours=2), "", vendor, now=resolved + timedelta(hours=2))


def _principal(user: User | None) -> Principal:
    assert user is not None
    return Principal(name=user.username, role=user.role, user_id=user.id, unit_id=user.unit_id)


def load_tickets(now: datetime) -> list[str]:
    rng = random.Random(2025)
    vendor = db.session.scalar(select(User).where(User.role == "vendor"))
    categories = [c for c, w in CATEGORY_WEIGHTS for _ in range(w)]
    count = 0
    day = date(2025, 1, 2)
    while day <= date(2025, 12, 30):
        if day.weekday() < 5 and rng.random() < 0.55:
            category = rng.choice(categories)
            reported = datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.randint(0, 59), tzinfo=CST)
            ticket = create_ticket(
                unit_code=rng.choice(UNIT_CODES),
                category=category,
                priority="P2" if category in ("optimization", "patch") else rng.choice(["P3", "P3", "P3", "P4"]),
                channel=rng.choice(CHANNELS),
                mode="上门" if rng.random() < 0.12 else "远程",
                title=rng.choice(TITLES[category]),
                requester=f"{rng.choice('王李张刘陈杨黄赵吴周')}{rng.choice(['老师', '主任', '科长', '同志'])}",
                reported_at=reported,
                now=reported,  # entered as it happened: the demo's history has no late entries
            )
            # Nearly always answered within the 30-minute window; a few are late.
            late = rng.random() < 0.025
            respond = reported + timedelta(minutes=rng.randint(35, 90) if late else rng.randint(2, 25))
            record_event(ticket, "respond", respond, "已联系报告人", vendor, now=respond)
            if category in ("optimization", "patch"):
                resolve = respond + timedelta(hours=rng.randint(1, 3))
            else:
                resolve = respond + timedelta(minutes=rng.randint(10, 240))
            if rng.random() < 0.08:
                pause = respond + timedelta(minutes=5)
                record_event(ticket, "pause", pause, "等待单位提供材料", vendor, now=pause)
                resume = pause + timedelta(hours=rng.randint(2, 20))
                record_event(ticket, "resume", resume, "材料已收到", vendor, now=resume)
                resolve = pause + timedelta(hours=22)
            record_event(ticket, "resolve", resolve, "已处理完毕", vendor, now=resolve)
            record_event(
                ticket, "close", resolve + timedelta(hours=1), "报告人确认", vendor, now=resolve + timedelta(hours=1)
            )
            count += 1
        day += timedelta(days=1)
    return [f"演示服务工单 {count} 件（含处理记录）"]


def load_records(now: datetime) -> list[str]:
    rng = random.Random(7)
    for month in range(1, 13):
        for kind, day in (("security", 8), ("backup", 9)):
            passed = not (month == 8 and kind == "backup")  # August's backup check found the failed night
            db.session.add(
                Inspection(
                    month=f"2025-{month:02d}",
                    kind=kind,
                    performed_at=cst(month, day, 10),
                    performed_by="运维工程师",
                    passed=passed,
                    findings="未发现异常" if passed else "8月14日夜间备份失败，已补做备份并排查原因",
                )
            )
    units = {u.code: u.id for u in db.session.scalars(select(Unit))}
    for code in UNIT_CODES:
        score = 2 if code == "522727" else rng.choice([4, 5, 5, 5])
        db.session.add(
            SurveyResponse(
                unit_id=units[code],
                period="2025",
                score=score,
                comment="响应及时，服务到位" if score >= 4 else "希望上门服务更及时",
                responded_at=cst(12, 15, 10),
            )
        )
    db.session.commit()
    admin = db.session.scalar(select(User).where(User.role == "admin"))
    vendor = db.session.scalar(select(User).where(User.role == "vendor"))
    for contract in db.session.scalars(select(Contract).where(Contract.vendor == "")):
        contract.vendor = DEMO_VENDOR  # the demo's 乙方; a real database has the signed contract's
    for label, submitted, accepted in (
        ("2025Q1", cst(4, 8, 10), cst(4, 15, 10)),
        ("2025Q2", cst(7, 7, 10), cst(7, 14, 10)),
        ("2025Q3", cst(10, 10, 10), None),
    ):
        report = report_status.get_or_create(label)
        report.problems = "个别单位上传佐证材料时遇到文件大小限制，已调整。"
        report.next_plan = "继续做好日常运维，配合完成年度考核系统填报。"
        submission.submit(label, vendor, now=submitted)
        if accepted:
            report_status.accept(label, admin, now=accepted)
    return ["演示例行检查 24 次、满意度调查 13 份、季度报告 3 份"]


def load_history(now: datetime) -> list[str]:
    """Load the whole demo history once (the caller checks that it is not there yet)."""
    done = load_monitoring(now)
    done += load_tickets(now)
    done += load_records(now)
    return done


def history_loaded() -> bool:
    return db.session.scalar(select(Ticket.id).limit(1)) is not None
