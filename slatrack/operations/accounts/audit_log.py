"""Reading the audit log: filter by time range, user, action and object; page through; export as CSV.

The log is read, never changed. An export is itself an auditable event: ``export_csv`` writes its own
audit record (who, which filter, how many rows) before the first row leaves the server.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select

from slatrack import audit
from slatrack.clock import local_zone
from slatrack.extensions import db
from slatrack.labels import table_label
from slatrack.models import AuditRecord
from slatrack.operations import OperationError
from slatrack.textsafety import safe_text

PER_PAGE = 50
CSV_HEADER = ["时间", "用户", "事件", "对象类型", "对象编号", "结果", "来源地址", "说明", "变更前", "变更后"]
ACTION_LABELS = {
    "create": "新增",
    "update": "修改",
    "delete": "删除",
    "login": "登录",
    "logout": "退出",
    "unlock": "解除锁定",
    "export": "导出",
    "download": "下载",
}
OUTCOME_LABELS = {"success": "成功", "failure": "失败", "locked": "已锁定", "denied": "拒绝"}


@dataclass(frozen=True)
class AuditFilter:
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise OperationError("时间必须带时区", fields={name: "应带时区"})
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise OperationError("结束时间必须晚于开始时间", fields={"end": "应晚于开始时间"})

    def describe(self) -> str:
        parts = []
        if self.start is not None:
            parts.append(f"from={self.start.isoformat()}")
        if self.end is not None:
            parts.append(f"to={self.end.isoformat()}")
        for name in ("actor", "action", "object_type", "object_id"):
            value = getattr(self, name)
            if value:
                parts.append(f"{name}={value}")
        return "; ".join(parts) or "全部"


def _statement(flt: AuditFilter) -> Select[Any]:
    statement = select(AuditRecord)
    if flt.start is not None:
        statement = statement.where(AuditRecord.at >= flt.start)
    if flt.end is not None:
        statement = statement.where(AuditRecord.at < flt.end)
    if flt.actor:
        statement = statement.where(AuditRecord.actor == flt.actor.strip())
    if flt.action:
        statement = statement.where(AuditRecord.action == flt.action.strip())
    if flt.object_type:
        statement = statement.where(AuditRecord.object_type == flt.object_type.strip())
    if flt.object_id:
        statement = statement.where(AuditRecord.object_id == flt.object_id.strip())
    return statement


def count(flt: AuditFilter) -> int:
    return int(db.session.scalar(select(func.count()).select_from(_statement(flt).subquery())) or 0)


def page_of(flt: AuditFilter, page: int = 1, per_page: int = PER_PAGE) -> tuple[int, list[AuditRecord]]:
    """The number of matching records and one page of them, newest first."""
    total = count(flt)
    rows = db.session.scalars(
        _statement(flt)
        .order_by(AuditRecord.at.desc(), AuditRecord.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return total, list(rows)


def choices() -> dict[str, list[str]]:
    """The actions and object types present in the log, for the filter's drop-downs."""
    actions = db.session.scalars(select(AuditRecord.action).distinct().order_by(AuditRecord.action)).all()
    types = db.session.scalars(
        select(AuditRecord.object_type)
        .where(AuditRecord.object_type != "")
        .distinct()
        .order_by(AuditRecord.object_type)
    ).all()
    return {"actions": list(actions), "object_types": list(types)}


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _cell(value: str) -> str:
    return safe_text(value)  # the one export rule (slatrack.textsafety): never a live formula


def export_csv(flt: AuditFilter) -> Iterator[str]:
    """The matching records as CSV text (UTF-8 with BOM for Excel), oldest first; the export is audited first.

    The audit record of the export is committed before any row is produced, so an interrupted download
    still leaves its trace.
    """
    total = count(flt)
    audit.record("export", object_type="audit_records", detail=f"导出审计日志 {total} 条；条件：{flt.describe()}")
    db.session.commit()
    zone = local_zone()
    statement = _statement(flt).order_by(AuditRecord.at, AuditRecord.id)

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow(CSV_HEADER)
        for record in db.session.scalars(statement.execution_options(yield_per=500)):
            writer.writerow(
                [
                    record.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                    _cell(record.actor),
                    ACTION_LABELS.get(record.action, record.action),
                    table_label(record.object_type),
                    record.object_id,
                    OUTCOME_LABELS.get(record.outcome, record.outcome),
                    record.remote_addr,
                    _cell(record.detail),
                    _cell(_json(record.before)),
                    _cell(_json(record.after)),
                ]
            )
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return rows()
