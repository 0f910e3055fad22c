"""Check results in: validation of a batch, ingestion into the segment store, outages reconciled after.

One bad item refuses the whole batch; duplicates (by sample_id) are counted, not stored twice. The
segments are kept by segment_store.py, their upkeep by upkeep.py, the page reads by views.py.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import Table, select

from slatrack.extensions import db
from slatrack.labels import field_label
from slatrack.measure.intervals import Interval
from slatrack.measure.segments import Observation
from slatrack.models import (
    Outage,
    ProbeResult,
    Target,
    utcnow,
)
from slatrack.operations import OperationError
from slatrack.operations.monitoring.outages import reconcile_outages
from slatrack.operations.monitoring.segment_store import lock_targets, rebuild_spans

# How far in the future (clock skew between an agent and the server) a result may be observed.
FUTURE_SKEW = timedelta(minutes=5)
MAX_BATCH = 5000
ITEM_FIELDS = frozenset({"target", "observed_at", "ok", "latency_ms", "detail", "sample_id", "metrics"})
REQUIRED_FIELDS = ("target", "observed_at", "ok", "sample_id")
_IN_CHUNK = 500
_RESULTS = cast(Table, ProbeResult.__table__)


@dataclass(frozen=True)
class IngestReport:
    accepted: int
    duplicates: int
    target_ids: tuple[int, ...] = ()


@dataclass
class _Item:
    target_id: int
    observed_at: datetime
    ok: bool
    latency_ms: float | None
    detail: str
    sample_id: str
    metrics: dict[str, Any] | None


def retention() -> timedelta:
    return timedelta(days=int(current_app.config["RAW_RESULT_RETENTION_DAYS"]))


# ---------------------------------------------------------------------------------------------------
# Validation


def _parse_instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC)


def _resolve_targets(items: Sequence[Any]) -> dict[str | int, Target]:
    names: set[str] = set()
    ids: set[int] = set()
    for item in items:
        if not isinstance(item, Mapping):
            continue
        reference = item.get("target")
        if isinstance(reference, bool):
            continue
        if isinstance(reference, int):
            ids.add(reference)
        elif isinstance(reference, str):
            names.add(reference)
            if reference.isdigit():
                ids.add(int(reference))
    found: dict[str | int, Target] = {}
    name_list = sorted(names)
    for start in range(0, len(name_list), _IN_CHUNK):
        for target in db.session.scalars(select(Target).where(Target.name.in_(name_list[start : start + _IN_CHUNK]))):
            found[target.name] = target
    id_list = sorted(ids)
    for start in range(0, len(id_list), _IN_CHUNK):
        for target in db.session.scalars(select(Target).where(Target.id.in_(id_list[start : start + _IN_CHUNK]))):
            found[target.id] = target
            found.setdefault(str(target.id), target)
    return found


def validate_items(items: Any, now: datetime) -> tuple[list[_Item], dict[int, Target]]:
    """Check every item of a batch; raise one OperationError naming each bad item's index and field."""
    if not isinstance(items, list):
        raise OperationError("请求体必须是探测结果的 JSON 列表", fields={"body": "应为列表"})
    if len(items) > MAX_BATCH:
        raise OperationError(f"每批最多 {MAX_BATCH} 条探测结果", fields={"body": f"最多 {MAX_BATCH} 条"})
    targets = _resolve_targets(items)
    oldest = now - retention()
    errors: dict[str, str] = {}
    valid: list[_Item] = []
    for index, item in enumerate(items):

        def fail(name: str, message: str, index: int = index) -> None:
            errors[f"{index}.{name}"] = message

        if not isinstance(item, Mapping):
            fail("item", "应为 JSON 对象")
            continue
        for name in sorted(set(item) - ITEM_FIELDS):
            fail(str(name), "未知字段")
        for name in REQUIRED_FIELDS:
            if item.get(name) is None:
                fail(name, "缺少必填字段")
        reference = item.get("target")
        target = None
        if reference is not None:
            target = None if isinstance(reference, bool) else targets.get(reference)
            if target is None:
                fail("target", f"未知的监测对象：{reference}")
        observed_at = None
        if item.get("observed_at") is not None:
            observed_at = _parse_instant(item["observed_at"])
            if observed_at is None:
                fail("observed_at", "应为带时区的 ISO 8601 时间，例如 2025-05-10T09:30:00+08:00")
            elif observed_at > now + FUTURE_SKEW:
                fail("observed_at", "时间晚于服务器当前时间（超出允许的时钟偏差）")
            elif observed_at < oldest:
                fail("observed_at", f"早于原始结果保留期（{retention().days} 天），无法再计入")
        ok = item.get("ok")
        if ok is not None and not isinstance(ok, bool):
            fail("ok", "应为 true 或 false")
        latency = item.get("latency_ms")
        if latency is not None and (
            isinstance(latency, bool)
            or not isinstance(latency, int | float)
            or not math.isfinite(latency)
            or latency < 0
        ):
            fail("latency_ms", "应为非负数字或 null")
        detail = item.get("detail", "")
        if detail is None:
            detail = ""
        if not isinstance(detail, str):
            fail("detail", "应为字符串")
        sample_id = item.get("sample_id")
        if sample_id is not None and (not isinstance(sample_id, str) or not 1 <= len(sample_id) <= 64):
            fail("sample_id", "应为 1–64 个字符的字符串")
        metrics = item.get("metrics")
        if metrics is not None and not isinstance(metrics, Mapping):
            fail("metrics", "应为 JSON 对象或 null")
        if errors and any(key.startswith(f"{index}.") for key in errors):
            continue
        assert target is not None and observed_at is not None and isinstance(ok, bool) and isinstance(sample_id, str)
        valid.append(
            _Item(
                target_id=target.id,
                observed_at=observed_at,
                ok=ok,
                latency_ms=None if latency is None else float(latency),
                detail=str(detail)[:2000],
                sample_id=sample_id,
                metrics=dict(metrics) if isinstance(metrics, Mapping) and metrics else None,
            )
        )
    if errors:
        first = next(iter(errors))
        position, _, name = first.partition(".")
        more = f"（共 {len(errors)} 处错误）" if len(errors) > 1 else ""
        raise OperationError(
            f"第 {position} 条（从 0 起）探测结果的{field_label(name)}无效：{errors[first]}；整批未写入{more}",
            fields=dict(list(errors.items())[:50]),
        )
    return valid, {target.id: target for target in targets.values()}


# ---------------------------------------------------------------------------------------------------
# Ingestion


def ingest_results(items: Any, *, now: datetime | None = None, commit: bool = True) -> IngestReport:
    """Store a batch of check results (the body of POST /api/v1/probe-results) all or nothing.

    Every item is validated first; one bad item refuses the whole batch (OperationError naming the index
    and field). Items whose ``sample_id`` is already stored, or repeated within the batch, are counted as
    duplicates. Then each affected target's segments are rebuilt for the span the batch touches and its
    outage records reconciled.
    """
    now = now or utcnow()
    valid, targets = validate_items(items, now)
    if not valid:
        return IngestReport(0, 0)
    lock_targets(item.target_id for item in valid)
    seen: set[str] = set()
    unique: list[_Item] = []
    for item in valid:
        if item.sample_id not in seen:
            seen.add(item.sample_id)
            unique.append(item)
    ids = sorted(seen)
    stored: set[str] = set()
    for start in range(0, len(ids), _IN_CHUNK):
        stored.update(
            db.session.scalars(
                select(ProbeResult.sample_id).where(ProbeResult.sample_id.in_(ids[start : start + _IN_CHUNK]))
            )
        )
    fresh = [item for item in unique if item.sample_id not in stored]
    duplicates = len(valid) - len(fresh)
    by_target: dict[int, list[_Item]] = defaultdict(list)
    for item in fresh:
        by_target[item.target_id].append(item)
    changes: dict[int, Interval] = {}
    # Outage records near the batch: a change of up segments next to one may still change it.
    records = _probe_outage_spans(sorted(by_target), min(item.observed_at for item in fresh)) if fresh else {}
    for target_id, (span, failures) in rebuild_spans(
        targets, {tid: [Observation(i.observed_at, i.ok) for i in items] for tid, items in by_target.items()}
    ).items():
        if failures or _touches(records.get(target_id, ()), span):
            changes[target_id] = span
    if fresh:
        received = utcnow()
        db.session.execute(
            _RESULTS.insert(),
            [
                {
                    "target_id": item.target_id,
                    "sample_id": item.sample_id,
                    "observed_at": item.observed_at,
                    "received_at": received,
                    "ok": item.ok,
                    "latency_ms": item.latency_ms,
                    "detail": item.detail,
                    "metrics": item.metrics,
                }
                for item in fresh
            ],
        )
    for target_id, span in sorted(changes.items()):
        reconcile_outages(targets[target_id], span.start, span.end, now)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return IngestReport(len(fresh), duplicates, tuple(sorted(by_target)))


def _probe_outage_spans(
    target_ids: Sequence[int], since: datetime
) -> dict[int, list[tuple[datetime, datetime | None]]]:
    """The spans of the probe outage records of these targets that end at or after ``since`` (or are open)."""
    spans: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    query = select(Outage.target_id, Outage.start, Outage.end).where(
        Outage.target_id.in_(list(target_ids)),
        Outage.source == "probe",
        (Outage.end.is_(None)) | (Outage.end >= since),
    )
    for target_id, start, end in db.session.execute(query):
        spans[target_id].append((start, end))
    return spans


def _touches(spans: Sequence[tuple[datetime, datetime | None]], span: Interval) -> bool:
    return any(start <= span.end and (end is None or end >= span.start) for start, end in spans)


def record_result(
    target: Target,
    *,
    ok: bool,
    observed_at: datetime | None = None,
    detail: str = "",
    sample_id: str,
    latency_ms: float | None = None,
) -> IngestReport:
    """Store one result for a target through the same ingestion (heartbeats, missed heartbeats)."""
    item = {
        "target": target.id,
        "observed_at": (observed_at or utcnow()).isoformat(),
        "ok": ok,
        "latency_ms": latency_ms,
        "detail": detail,
        "sample_id": sample_id,
    }
    return ingest_results([item])
