"""The demo's 2026 monitoring evidence up to ``now``: the 2025 targets go on being checked every five minutes
through 2026, with a few faults of their own, so 2026's downtime figures are measured, not unknown.

The evidence of a target is written whole (``store_segments`` replaces what is stored), so the 2025 history
is rebuilt from the same seeded observations with 2026's faults added; outages, their fault tickets, causes
and handling then follow for 2026 as ``history.load_monitoring`` does for 2025.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select

from slatrack import labels
from slatrack.clock import local_zone
from slatrack.extensions import db
from slatrack.measure.segments import build_segments
from slatrack.models import Target, User
from slatrack.operations.demo.history import (
    DEMO_PORTAL,
    HISTORY_START,
    STEP,
    TARGETS,
    answer_fault_tickets,
    cst,
    observations,
)
from slatrack.operations.monitoring.outages import reconcile_outages
from slatrack.operations.monitoring.segment_store import store_segments

YEAR = 2026
YEAR_START = cst(1, 1, year=YEAR)
YEAR_END = cst(1, 1, year=YEAR + 1)

# Spans with failed checks in 2026, each with the cause and handling the vendor records for its outage
# (None: too short to be confirmed as an outage).
PORTAL_PATCH = ("安全补丁更新后应用服务未能自动启动", "远程手工启动服务，补丁部署流程增加启动检查")
DATABASE_FSCK = ("数据库主机内核升级后文件系统检查耗时过长", "检查完成后数据库自动恢复；后续升级安排在计划维护时段")
BACKUP_SPACE = ("备份存储空间不足，当晚备份任务失败", "清理过期备份并扩容备份存储，次日备份正常")
FAULTS: dict[str, tuple[tuple[datetime, datetime, tuple[str, str] | None], ...]] = {
    DEMO_PORTAL: (
        (cst(3, 9, 9, 10, year=YEAR), cst(3, 9, 9, 40, year=YEAR), PORTAL_PATCH),
        (cst(8, 18, 15, 0, year=YEAR), cst(8, 18, 15, 5, year=YEAR), None),  # one failed check: transient
    ),
    "业务数据库": ((cst(6, 2, 1, 30, year=YEAR), cst(6, 2, 2, 25, year=YEAR), DATABASE_FSCK),),
    "业务数据备份": ((cst(10, 12, 2, 0, year=YEAR), cst(10, 13, 2, 0, year=YEAR), BACKUP_SPACE),),
}


def evidence_end(now: datetime) -> datetime:
    """The last whole five-minute step before ``now`` (and not after 2026)."""
    steps = (min(now, YEAR_END) - HISTORY_START) // STEP
    return HISTORY_START + steps * STEP


def load_current_monitoring(now: datetime) -> str:
    """Write every demo target's evidence through ``now`` and settle 2026's outages; says what it did."""
    end = evidence_end(now)
    vendor = db.session.scalar(select(User).where(User.role == "vendor"))
    outages = 0
    for spec in TARGETS:
        target = db.session.scalar(select(Target).where(Target.name == spec.name, Target.retired_at.is_(None)))
        if target is None:
            continue
        faults = FAULTS.get(spec.name, ())
        extended = replace(spec, failures=spec.failures + tuple((start, stop) for start, stop, _ in faults))
        store_segments(target, build_segments(observations(extended, end), target.interval_seconds))
        said = {start: words for start, _, words in faults if words is not None}
        for outage in reconcile_outages(target, YEAR_START, end, now):
            outage.cause, outage.handling = said[outage.start]
            answer_fault_tickets(outage, vendor)
            outages += 1
        db.session.commit()
    return f"演示 {YEAR} 年监测证据（截至 {labels.datetime_text(end.astimezone(local_zone()))}）、停机 {outages} 次"
