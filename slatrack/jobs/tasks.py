"""The job functions. Each is a thin wrapper around an operation, safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from slatrack.extensions import db
from slatrack.jobs.definitions import job
from slatrack.models import JobRun, utcnow

HOURLY_MAINTENANCE = "evidence-maintenance"


@job("push-heartbeats", "心跳检查：记录逾期未收到的心跳，结束已失效的停机记录", timedelta(minutes=1))
def check_push_heartbeats() -> str:
    from slatrack.operations.monitoring.outages import close_lapsed_outages
    from slatrack.operations.monitoring.upkeep import record_missed_heartbeats

    missed = record_missed_heartbeats()
    closed = close_lapsed_outages()
    return f"记录逾期心跳 {missed} 次，结束已失效的停机记录 {closed} 条"


@job(
    "ticket-auto-confirm",
    "工单自动确认：使用单位逾期未确认的已解决请求按已解决关闭",
    timedelta(hours=1),
    offset=timedelta(minutes=13),
)
def ticket_auto_confirm() -> str:
    from slatrack.operations.tickets.closure import auto_confirm

    return f"自动确认工单 {auto_confirm()} 张"


@job(HOURLY_MAINTENANCE, "监测数据维护：小时汇总、清理过期原始结果", timedelta(hours=1), offset=timedelta(minutes=7))
def evidence_maintenance() -> str:
    from slatrack.operations.monitoring.upkeep import hourly_maintenance

    last = db.session.scalar(
        select(JobRun.started_at)
        .where(JobRun.job_id == HOURLY_MAINTENANCE, JobRun.outcome == "success")
        .order_by(JobRun.started_at.desc())
        .limit(1)
    )
    # Results received while the previous run was going are covered by a margin.
    since = None if last is None else last - timedelta(minutes=10)
    return hourly_maintenance(since, utcnow())
