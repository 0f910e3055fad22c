"""Monthly inspections (例行检查): the security check and the backup check, their evidence files, and the
backup check filled automatically from the backup targets' evidence.

A later record for the same month and kind supersedes an earlier one: both are kept, the latest
recorded is the one shown. ``auto_backup_checks(month)`` is meant for a daily job.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path, PurePath
from typing import IO, Any

from flask import current_app
from sqlalchemy import select

from slatrack.audit import acting_as
from slatrack.clock import aware, local_zone, not_in_future, utcnow
from slatrack.extensions import db
from slatrack.measure.periods import month_period, parse_month
from slatrack.models import EvidenceSegment, Inspection, Target, User
from slatrack.models.enums import INSPECTION_KINDS
from slatrack.operations import NotFound, OperationError
from slatrack.operations.notifications.deadlines import INSPECTION_DUE_DAY
from slatrack.operations.records.common import text, user_label

EVIDENCE_EXTENSIONS = ("pdf", "png", "jpg", "jpeg", "docx", "xlsx", "zip")
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
AUTO_PERFORMER = "系统自动"
AUTO_KINDS = ("backup", "push")
LONG_OUTAGE = timedelta(hours=48)
STATES = {"passed": "通过", "failed": "未通过", "missing": "未检查", "upcoming": "未到期"}


# ---------------------------------------------------------------- evidence files


def evidence_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "inspections"


def evidence_limit() -> int:
    return int(current_app.config.get("EVIDENCE_MAX_BYTES", EVIDENCE_MAX_BYTES))


def _clean_stem(name: str) -> str:
    # Keep letters and digits of any script (Chinese file names stay readable), drop everything else.
    stem = PurePath(name.replace("\\", "/")).stem
    cleaned = re.sub(r"[^\w\-]+", "_", stem, flags=re.UNICODE).strip("._-")
    return cleaned[:60] or "evidence"


def save_evidence(stream: IO[bytes], filename: str, month: str, kind: str) -> str:
    """Check and store an uploaded evidence file; return the stored name (relative to the evidence folder)."""
    original = (filename or "").strip()
    extension = original.rsplit(".", 1)[-1].lower() if "." in original else ""
    if extension not in EVIDENCE_EXTENSIONS:
        allowed = "、".join(EVIDENCE_EXTENSIONS)
        raise OperationError(
            f"证明材料的文件类型不允许：{original or '（无文件名）'}", fields={"evidence": f"只允许 {allowed}"}
        )
    limit = evidence_limit()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise OperationError(
            f"证明材料不能超过 {limit // (1024 * 1024)} MB",
            fields={"evidence": f"不能超过 {limit // (1024 * 1024)} MB"},
        )
    if not data:
        raise OperationError("证明材料是空文件", fields={"evidence": "文件为空"})
    folder = evidence_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"{month}-{kind}-{secrets.token_hex(6)}-{_clean_stem(original)}.{extension}"
    path = folder / stored
    path.write_bytes(data)
    return stored


def evidence_path(inspection: Inspection) -> Path:
    """The stored evidence file of an inspection; NotFound when there is none."""
    if not inspection.evidence_file:
        raise NotFound("该检查记录没有证明材料")
    folder = evidence_folder().resolve()
    path = (folder / inspection.evidence_file).resolve()
    if path.parent != folder or not path.is_file():
        raise NotFound("证明材料文件不存在")
    return path


# ---------------------------------------------------------------- recording


def _month(value: Any, now: datetime) -> str:
    if not isinstance(value, str):
        raise OperationError("月份应为 YYYY-MM", fields={"month": "应为 YYYY-MM，例如 2025-05"})
    try:
        year, month = parse_month(value)
    except ValueError as exc:
        raise OperationError(str(exc), fields={"month": "应为 YYYY-MM，例如 2025-05"}) from None
    label = f"{year:04d}-{month:02d}"
    if month_period(label, str(local_zone())).start > now:
        raise OperationError(f"月份 {label} 尚未开始", fields={"month": "不能是将来的月份"})
    return label


def _kind(value: Any) -> str:
    if value not in INSPECTION_KINDS:
        raise OperationError(
            f"未知的检查类型：{value!r}", fields={"kind": "应为 security（安全检查）或 backup（备份核验）"}
        )
    return str(value)


def record_inspection(
    *,
    month: Any,
    kind: Any,
    performed_at: Any,
    passed: Any,
    findings: Any = "",
    performed_by: Any = None,
    user: User | None = None,
    evidence: tuple[IO[bytes], str] | None = None,
    origin: str = "manual",
    now: datetime | None = None,
    commit: bool = True,
) -> Inspection:
    """Record one inspection; everything is checked before anything is written."""
    now = now or utcnow()
    label = _month(month, now)
    kind = _kind(kind)
    at = aware(performed_at, "performed_at", "检查时间")
    not_in_future(at, now, "performed_at", "检查时间")
    if at < month_period(label, str(local_zone())).start:
        raise OperationError(f"检查时间早于 {label} 月初", fields={"performed_at": f"不能早于 {label} 月初"})
    if not isinstance(passed, bool):
        raise OperationError("检查结果应为 true 或 false", fields={"passed": "应为 true（通过）或 false（未通过）"})
    notes = text(findings, "findings", "检查发现", 5000)
    who = text(performed_by, "performed_by", "检查人", 64) or user_label(user)
    stored = save_evidence(evidence[0], evidence[1], label, kind) if evidence is not None else None
    inspection = Inspection(
        month=label,
        kind=kind,
        performed_at=at,
        performed_by=who,
        passed=passed,
        findings=notes,
        evidence_file=stored,
        origin=origin,
        created_by_id=None if user is None else user.id,
        created_at=now,
    )
    db.session.add(inspection)
    try:
        if commit:
            db.session.commit()
        else:
            db.session.flush()
    except Exception:
        db.session.rollback()
        if stored is not None:
            (evidence_folder() / stored).unlink(missing_ok=True)
        raise
    return inspection


def attach_evidence(inspection: Inspection, stream: IO[bytes], filename: str) -> Inspection:
    """Store an evidence file for an existing inspection, replacing the one it had."""
    stored = save_evidence(stream, filename, inspection.month, inspection.kind)
    previous = inspection.evidence_file
    inspection.evidence_file = stored
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        (evidence_folder() / stored).unlink(missing_ok=True)
        raise
    if previous and previous != stored:
        (evidence_folder() / previous).unlink(missing_ok=True)
    return inspection


def get_inspection(inspection_id: int) -> Inspection:
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFound(f"检查记录不存在：{inspection_id}")
    return inspection


# ---------------------------------------------------------------- reading


def inspections_of_year(year: int) -> list[Inspection]:
    """Every inspection of the year's months, latest recorded first."""
    return list(
        db.session.scalars(
            select(Inspection)
            .where(Inspection.month.like(f"{year:04d}-%"))
            .order_by(Inspection.created_at.desc(), Inspection.id.desc())
        )
    )


def latest_id(month: str, kind: str) -> int | None:
    """The id of the record that counts for a month and kind (the latest recorded)."""
    return db.session.scalar(
        select(Inspection.id)
        .where(Inspection.month == month, Inspection.kind == kind)
        .order_by(Inspection.created_at.desc(), Inspection.id.desc())
        .limit(1)
    )


def inspection_view(inspection: Inspection) -> dict[str, Any]:
    return {
        "id": inspection.id,
        "month": inspection.month,
        "kind": inspection.kind,
        "kind_label": INSPECTION_KINDS[inspection.kind],
        "performed_at": inspection.performed_at,
        "performed_by": inspection.performed_by,
        "passed": inspection.passed,
        "findings": inspection.findings,
        "origin": inspection.origin,
        "has_evidence": bool(inspection.evidence_file),
        "recorded_at": inspection.created_at,
    }


@dataclass(frozen=True)
class GridCell:
    month: str
    kind: str
    state: str
    latest: Inspection | None
    records: int

    @property
    def state_label(self) -> str:
        return STATES[self.state]


def inspection_grid(year: int, now: datetime | None = None) -> list[dict[str, Any]]:
    """The year's 12 months × 2 kinds, each with its latest record and state (passed/failed/missing/upcoming).

    A month without a record is missing (缺失) only once its checks are due: from the due day of the month
    (INSPECTION_DUE_DAY, when the reminders start) or once the month is over; before that it is upcoming."""
    now = now or utcnow()
    tz = str(local_zone())
    today = now.astimezone(local_zone())
    latest: dict[tuple[str, str], Inspection] = {}
    counts: dict[tuple[str, str], int] = {}
    for inspection in inspections_of_year(year):
        key = (inspection.month, inspection.kind)
        latest.setdefault(key, inspection)
        counts[key] = counts.get(key, 0) + 1
    rows = []
    for number in range(1, 13):
        month = f"{year:04d}-{number:02d}"
        span = month_period(month, tz)
        started = span.start <= now
        due = span.end <= now or (started and today.day >= INSPECTION_DUE_DAY)
        cells = {}
        for kind in INSPECTION_KINDS:
            record = latest.get((month, kind))
            if record is not None:
                state = "passed" if record.passed else "failed"
            else:
                state = "missing" if due else "upcoming"
            cells[kind] = GridCell(month, kind, state, record, counts.get((month, kind), 0))
        rows.append({"month": month, "started": started, "cells": cells})
    return rows


# ---------------------------------------------------------------- automatic backup check


def _overlap(start: datetime, end: datetime, lo: datetime, hi: datetime) -> timedelta:
    return max(timedelta(0), min(end, hi) - max(start, lo))


def _show(moment: datetime) -> str:
    local = moment.astimezone(local_zone())
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def auto_backup_checks(month: str, now: datetime | None = None) -> Inspection | None:
    """Record the backup check (备份核验) of an ended ``month`` from the backup/push targets' evidence.

    Does nothing (returns None) when the month already has a backup inspection, has not ended yet,
    or no backup/push target has evidence in it. Otherwise records one with origin ``auto``,
    performed by 系统自动: passed when the month has at least one 'up' segment of such a target and
    no confirmed outage (a 'fail' run of at least the target's confirm_failures results) longer than
    48 hours inside the month.
    """
    now = now or utcnow()
    label = _month(month, now)
    period = month_period(label, str(local_zone()))
    if period.end > now:
        return None
    existing = db.session.scalar(
        select(Inspection.id).where(Inspection.month == label, Inspection.kind == "backup").limit(1)
    )
    if existing is not None:
        return None
    rows = db.session.execute(
        select(EvidenceSegment, Target)
        .join(Target, Target.id == EvidenceSegment.target_id)
        .where(
            Target.kind.in_(AUTO_KINDS),
            EvidenceSegment.start < period.end,
            EvidenceSegment.end > period.start,
        )
        .order_by(Target.name, EvidenceSegment.start)
    ).all()
    if not rows:
        return None
    ups: dict[str, list[EvidenceSegment]] = {}
    long_outages: list[tuple[str, EvidenceSegment, timedelta]] = []
    for segment, target in rows:
        if segment.state == "up":
            ups.setdefault(target.name, []).append(segment)
        elif segment.count >= target.confirm_failures:
            inside = _overlap(segment.start, segment.end, period.start, period.end)
            if inside > LONG_OUTAGE:
                long_outages.append((target.name, segment, inside))
    passed = bool(ups) and not long_outages
    lines = []
    for name, segments in ups.items():
        last = min(max(s.end for s in segments), period.end)
        lines.append(f"“{name}”本月有 {sum(s.count for s in segments)} 次成功记录，最近一次成功至 {_show(last)}")
    if not ups:
        lines.append("备份监测对象本月没有成功记录")
    for name, segment, inside in long_outages:
        hours = inside.total_seconds() / 3600
        lines.append(f"“{name}”自 {_show(segment.start)} 起确认故障，本月内持续 {hours:.1f} 小时（超过 48 小时）")
    if passed:
        lines.append("无超过 48 小时的确认故障")
    findings = "根据备份监测证据自动核验：" + "；".join(lines) + "。"
    # The check covers the whole month: it is dated at the month's last second, so a measurement as of
    # the month's end already counts it.
    performed_at = period.end - timedelta(seconds=1)
    with acting_as("job:auto_backup_checks"):
        return record_inspection(
            month=label,
            kind="backup",
            performed_at=performed_at,
            passed=passed,
            findings=findings,
            performed_by=AUTO_PERFORMER,
            origin="auto",
            now=now,
        )


def ended_months(now: datetime | None = None, count: int = 3) -> list[str]:
    """The ``count`` most recent months that have ended by ``now``, oldest first (``2025-04``, ...)."""
    local = (now or utcnow()).astimezone(local_zone())
    year, month = local.year, local.month
    labels = []
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        labels.append(f"{year:04d}-{month:02d}")
    return labels[::-1]


def auto_backup_checks_recent(now: datetime | None = None, count: int = 3) -> list[Inspection]:
    """Run ``auto_backup_checks`` for the last ``count`` ended months (for a daily job); the records made."""
    now = now or utcnow()
    made = [auto_backup_checks(month, now=now) for month in ended_months(now, count)]
    return [inspection for inspection in made if inspection is not None]
