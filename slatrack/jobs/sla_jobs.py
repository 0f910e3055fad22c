"""Jobs of the SLA engine: nightly snapshots, reminders, and the quarterly report draft."""

from __future__ import annotations

from datetime import timedelta

from slatrack.jobs.definitions import job

# 01:30 Asia/Shanghai is 17:30 UTC, counted from the 2025-01-01 00:00 UTC epoch.
NIGHTLY = timedelta(hours=17, minutes=30)


@job("sla-snapshot", "每晚保存本年度和本季度的 SLA 数字", timedelta(days=1), offset=NIGHTLY)
def sla_snapshot() -> str:
    from slatrack.operations.figures.snapshots import take_snapshots

    return "已保存 SLA 快照：" + "、".join(take_snapshots())


@job("reminders", "提醒：月度检查、临近时限的工单、未提交的季度报告", timedelta(minutes=5))
def reminders() -> str:
    from slatrack.operations.notifications.reminders import inspection_reminders, report_reminders, ticket_reminders

    tickets = ticket_reminders()
    inspections = inspection_reminders()
    reports = report_reminders()
    return f"写入提醒：工单 {tickets} 条，例行检查 {inspections} 条，季度报告 {reports} 条"


@job("quarterly-report-draft", "季度结束后起草季度运维报告", timedelta(days=1), offset=NIGHTLY + timedelta(minutes=10))
def quarterly_report_draft() -> str:
    from slatrack.operations.notifications.reminders import ensure_quarterly_draft

    label = ensure_quarterly_draft()
    return f"已起草 {label} 季度运维报告" if label else "无需起草季度报告"


@job(
    "auto-backup-checks",
    "根据备份/心跳监测证据自动填写上月备份核验",
    timedelta(days=1),
    offset=NIGHTLY + timedelta(minutes=20),
)
def auto_backup_checks() -> str:
    from slatrack.operations.records.inspections import auto_backup_checks_recent

    made = auto_backup_checks_recent()
    return f"自动记录备份核验 {len(made)} 条"
