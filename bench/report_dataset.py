"""A plausible year of maintenance records for report benchmarks and screenshots (bulk inserts, seeded).

``build(tickets_per_quarter, targets, seed)`` adds to a database that holds the 2025 reference data:
targets with evidence segments for the year (checked every 60 s, mostly up, short failure runs),
manual outages with causes and their linked fault tickets, tickets with realistic titles, units, channels
and events (most answered well inside 30 minutes, a few late), monthly security and backup checks (one
backup check failed), survey answers per quarter, payments, and the Q2 report's texts.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import insert, select

from slatrack.extensions import db
from slatrack.measure.latency import HostHour, HourLatency, pack_day
from slatrack.models import (
    BudgetLine,
    Contract,
    EvidenceSegment,
    Inspection,
    LatencyDaily,
    Outage,
    Payment,
    Report,
    SurveyResponse,
    Target,
    Ticket,
    TicketEvent,
    Unit,
    outage_tickets,
)
from slatrack.operations.monitoring.segment_store import segment_row

CST = timezone(timedelta(hours=8))
YEAR_START = datetime(2024, 12, 31, 16, tzinfo=UTC)  # 2025-01-01 00:00 Asia/Shanghai
YEAR_END = datetime(2025, 12, 31, 16, tzinfo=UTC)
SWITCH = datetime(2025, 4, 13, 16, tzinfo=UTC)  # OM-2025 starts 2025-04-14 00:00 local
TITLES = {
    "consult": ["考核结果查询方法咨询", "督查任务流转规则答疑", "账号权限设置咨询", "系统登录异常答疑"],
    "data": ["年度考核数据导入", "批量修正指标得分", "历史督查数据迁移", "导出全州考核汇总表"],
    "guidance": ["督查任务下发操作指导", "绩效自评表填报指导", "新用户系统操作指导"],
    "business": ["考核指标口径咨询", "督查事项办结标准咨询"],
    "training": ["县级督考办系统操作培训", "新版考核模块培训"],
    "mlps": ["配合等保测评提供资料", "等保整改项核查配合"],
    "notice": ["发布系统维护通知", "推送督查事项提醒"],
    "fault": ["考核模块页面打不开", "附件上传失败", "数据统计报表加载缓慢"],
    "optimization": ["督查台账增加导出功能", "优化考核评分页面加载速度", "增加逾期提醒"],
    "patch": ["中间件安全补丁升级", "数据库版本升级", "操作系统漏洞修复"],
}
CATEGORY_WEIGHTS = {
    "consult": 30, "data": 14, "guidance": 18, "business": 8, "training": 3, "mlps": 2, "notice": 5,
    "fault": 8, "optimization": 6, "patch": 6,
}  # fmt: skip
UNIT_WEIGHTS = {"522700": 30, "522701": 14, "522702": 7}  # the rest weight 4
CHANNELS = ["电话", "微信", "现场", "系统", "邮件"]
CHANNEL_WEIGHTS = [40, 30, 8, 17, 5]
OUTAGES = [  # (local start, minutes, target index, cause, response after minutes)
    (datetime(2025, 2, 18, 9, 10, tzinfo=CST), 95, 0, "应用服务器内存耗尽，重启服务后恢复", 12),
    (datetime(2025, 4, 9, 14, 30, tzinfo=CST), 62, 1, "数据库连接池耗尽，调整参数后恢复", 15),
    (datetime(2025, 5, 21, 20, 5, tzinfo=CST), 140, 0, "机房网络设备故障导致门户无法访问", 25),
    (datetime(2025, 6, 16, 8, 40, tzinfo=CST), 35, 2, "中间件证书过期，更新证书后恢复", 8),
    (datetime(2025, 8, 3, 22, 15, tzinfo=CST), 48, 0, "磁盘空间不足，清理日志后恢复", 18),
]


def _local(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _segments(rng: random.Random, target_id: int, start: datetime, end: datetime) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    at = start
    step = timedelta(seconds=60)
    while at < end:
        count = rng.randint(2000, 9000)
        stop = min(at + step * count, end)
        rows.append({"state": "up", "start": at, "end": stop, "count": count, "lead": ""})
        at = stop
        if at >= end:
            break
        fails = 1 if rng.random() < 0.9 else 2  # transient only: real outages are the recorded ones
        stop = min(at + step * fails, end)
        lead = ",".join(str(i * 60_000_000) for i in range(fails))
        rows.append({"state": "fail", "start": at, "end": stop, "count": fails, "lead": lead})
        at = stop
    return [segment_row(target_id, last_observed=row["end"], **row) for row in rows]


def _quarter_bounds(quarter: int) -> tuple[datetime, datetime]:
    first = datetime(2025, 3 * quarter - 2, 1, tzinfo=CST)
    last = datetime(2026, 1, 1, tzinfo=CST) if quarter == 4 else datetime(2025, 3 * quarter + 1, 1, tzinfo=CST)
    return _local(first), _local(last)


def _host_days(rng: random.Random, target_id: int, start: datetime, end: datetime) -> list[dict[str, object]]:
    """A host check every minute, as packed day rows: CPU with daytime peaks, memory steady, disk growing."""
    days: dict[object, list[HourLatency]] = {}
    hour, count = start, 0
    while hour < end:
        busy = 9 <= hour.astimezone(CST).hour < 18
        cpu = rng.uniform(25, 45) if busy else rng.uniform(5, 15)
        disk = 52 + 10 * count / (24 * 182)
        use = HostHour(60, round(cpu, 2), round(min(100.0, cpu + rng.uniform(5, 40)), 2), round(rng.uniform(55, 65), 2),
                       round(rng.uniform(65, 80), 2), round(disk, 2), round(disk + 0.2, 2))  # fmt: skip
        utc = hour.astimezone(UTC)
        days.setdefault(utc.date(), []).append(HourLatency(utc.hour, 60, 0, 0, host=use))
        hour, count = hour + timedelta(hours=1), count + 1
    return [{"target_id": target_id, "day": day, "hours": pack_day(hours)} for day, hours in days.items()]


def build(
    tickets_per_quarter: int = 150, targets: int = 6, seed: int = 2025, quarters: tuple[int, ...] = (1, 2, 3)
) -> None:
    rng = random.Random(seed)
    names = ["门户网站", "数据库", "应用中间件", "业务数据备份", "主机资源", "文件服务"]
    for n in range(targets):
        db.session.add(
            Target(
                name=names[n] if n < len(names) else f"监测对象-{n:02d}",
                kind={1: "tcp", 4: "host"}.get(n, "http"),
                url=f"http://10.0.0.{n}/" if n not in (1, 4) else None,
                host="10.0.0.1" if n == 1 else None,
                port=5432 if n == 1 else None,
                interval_seconds=60,
                critical=n < 3,
                in_process=False,
                monitored_since=YEAR_START,
            )
        )
    db.session.commit()
    last_quarter_end = _quarter_bounds(max(quarters))[1]
    for target in db.session.scalars(select(Target).order_by(Target.id)):
        db.session.execute(insert(EvidenceSegment), _segments(rng, target.id, YEAR_START, last_quarter_end))
    for target in db.session.scalars(select(Target).where(Target.kind == "host")):
        db.session.execute(insert(LatencyDaily), _host_days(rng, target.id, YEAR_START, last_quarter_end))
    units = {u.code: u.id for u in db.session.scalars(select(Unit).where(Unit.parent_id.is_(None)))}
    contracts = {c.code: c.id for c in db.session.scalars(select(Contract))}
    codes = list(units)
    unit_weights = [UNIT_WEIGHTS.get(code, 4) for code in codes]
    categories = list(CATEGORY_WEIGHTS)
    rows = []
    number = 0
    for quarter in quarters:
        start, end = _quarter_bounds(quarter)
        span = int((end - start).total_seconds())
        for _ in range(tickets_per_quarter):
            number += 1
            # Office hours mostly: 08:30-18:00 local on a random day of the quarter.
            day = start + timedelta(seconds=rng.randint(0, span - 1))
            local_day = (day + timedelta(hours=8)).date()
            reported = _local(datetime(local_day.year, local_day.month, local_day.day, 8, 30, tzinfo=CST)) + timedelta(
                minutes=rng.randint(0, 570)
            )
            if reported >= end:
                reported = end - timedelta(hours=3)
            category = rng.choices(categories, weights=list(CATEGORY_WEIGHTS.values()))[0]
            rows.append(
                {
                    "number": f"YW-2025-{number:05d}",
                    "unit_id": units[rng.choices(codes, weights=unit_weights)[0]],
                    "contract_id": contracts["OM-2023" if reported < SWITCH else "OM-2025"],
                    "requester": rng.choice(["王老师", "李科长", "张主任", "陈干事", "刘同志", "杨科员"]),
                    "channel": rng.choices(CHANNELS, weights=CHANNEL_WEIGHTS)[0],
                    "mode": "上门" if rng.random() < 0.12 else "远程",
                    "category": category,
                    "priority": "P2"
                    if category == "fault"
                    else ("P4" if category in ("optimization", "patch") else "P3"),
                    "title": rng.choice(TITLES[category]),
                    "reported_at": reported,
                    "status": "closed",
                }
            )
    for index, (local_start, _minutes, target_index, _cause, _answer) in enumerate(OUTAGES):
        start = _local(local_start)
        if not any(_quarter_bounds(q)[0] <= start < _quarter_bounds(q)[1] for q in quarters):
            continue
        number += 1
        rows.append(
            {
                "number": f"YW-2025-{number:05d}",
                "unit_id": units["522700"],
                "contract_id": contracts["OM-2023" if start < SWITCH else "OM-2025"],
                "requester": "监测告警",
                "channel": "系统",
                "mode": "远程",
                "category": "fault",
                "priority": "P1",
                "title": f"停机告警：{names[target_index]}",
                "reported_at": start,
                "status": "closed",
                "description": f"outage:{index}",
            }
        )
    db.session.execute(insert(Ticket), rows)
    events = []
    for ticket_id, reported, priority, description in db.session.execute(
        select(Ticket.id, Ticket.reported_at, Ticket.priority, Ticket.description)
    ):
        if description.startswith("outage:"):
            _, minutes, _, _, answer = OUTAGES[int(description.split(":")[1])]
            respond = reported + timedelta(minutes=answer)
            resolve = reported + timedelta(minutes=minutes)
        else:
            late = rng.random() < 0.02
            respond = reported + timedelta(minutes=rng.randint(31, 90) if late else rng.randint(1, 25))
            window = {"P1": 120, "P2": 240, "P3": 480, "P4": 4320}[priority]
            resolve = respond + timedelta(minutes=rng.randint(5, int(window * (1.3 if rng.random() < 0.03 else 0.8))))
        events += [
            {"ticket_id": ticket_id, "type": "respond", "at": respond, "note": ""},
            {"ticket_id": ticket_id, "type": "resolve", "at": resolve, "note": ""},
            {"ticket_id": ticket_id, "type": "close", "at": resolve + timedelta(hours=2), "note": ""},
        ]
    db.session.execute(insert(TicketEvent), events)
    # Keep the tickets' current-state columns in step with their events (outage repair starts from them).
    firsts = {e["ticket_id"]: e["at"] for e in events if e["type"] == "respond"}
    resolved = {e["ticket_id"]: e["at"] for e in events if e["type"] == "resolve"}
    for ticket in db.session.scalars(select(Ticket).where(Ticket.description.like("outage:%"))):
        ticket.first_response_at = firsts[ticket.id]
        ticket.resolved_at = resolved[ticket.id]
    target_ids = [t.id for t in db.session.scalars(select(Target).order_by(Target.id))]
    for ticket in db.session.scalars(select(Ticket).where(Ticket.description.like("outage:%"))):
        local_start, minutes, target_index, cause, _ = OUTAGES[int(ticket.description.split(":")[1])]
        start = _local(local_start)
        outage = Outage(target_id=target_ids[target_index], source="manual", start=start,
                        end=start + timedelta(minutes=minutes), cause=cause,
                        handling="接报后远程排查处置，服务恢复后核验正常")  # fmt: skip
        db.session.add(outage)
        db.session.flush()
        db.session.execute(insert(outage_tickets), [{"outage_id": outage.id, "ticket_id": ticket.id}])
    for quarter in quarters:
        for month in range(3 * quarter - 2, 3 * quarter + 1):
            for kind in ("security", "backup"):
                passed = not (month == 5 and kind == "backup")
                db.session.add(
                    Inspection(
                        month=f"2025-{month:02d}",
                        kind=kind,
                        performed_at=_local(datetime(2025, month, 25, 10, tzinfo=CST)),
                        performed_by=rng.choice(["张工", "李工"]),
                        passed=passed,
                        findings="未发现异常" if passed else "备份文件校验失败，已重新备份并于次月复核",
                    )
                )
        for unit_id in units.values():
            if rng.random() < 0.85:
                score = rng.choices([5, 4, 3, 2], weights=[50, 35, 12, 3])[0]
                db.session.add(
                    SurveyResponse(unit_id=unit_id, period=f"2025Q{quarter}", score=score,
                                   responded_at=_quarter_bounds(quarter)[1] - timedelta(days=3), comment="")
                )  # fmt: skip
    lines = {line.code: line.id for line in db.session.scalars(select(BudgetLine))}
    for code, amount, paid_on, voucher, note in (
        ("YW-2025-TAIL", "218000.00", date(2025, 6, 20), "记-2025-0612", "2023年度采购运维服务尾款"),
        ("YW-2025-NEW", "135600.00", date(2025, 5, 15), "记-2025-0508", "2025年度运维服务首付款（30%）"),
    ):
        if code in lines:
            db.session.add(Payment(budget_line_id=lines[code], amount=Decimal(amount), paid_on=paid_on,
                                   voucher=voucher, note=note))  # fmt: skip
    db.session.add(
        Report(
            kind="quarterly",
            period="2025Q2",
            status="draft",
            problems=(
                "1. 5月业务数据备份核验未通过，已重新备份，6月复核通过。\n"
                "2. 5月21日机房网络设备故障造成门户停机 140 分钟，需与甲方机房协调加装冗余链路。"
            ),
            next_plan=(
                "1. 配合完成2025年度等保测评整改。\n2. 完成督查台账导出功能上线及培训。\n"
                "3. 每月按时完成安全检查与备份核验。"
            ),
        )
    )
    db.session.commit()
