"""Check results in, evidence out: ingestion, segment maintenance, hourly aggregates, pruning, loading.

Raw results (ProbeResult) are kept for RAW_RESULT_RETENTION_DAYS; what a contract is measured on is the
compact EvidenceSegment rows (measure/segments.py), kept for good. A batch of results, late, out of
order or resent, rebuilds only the affected span of each target's segments (``segments.resegment``), so
the stored segments are always ``build_segments`` of every result ever received, whatever the order of
arrival. Outage records are reconciled with the segments afterwards (operations/monitoring/outages.py).

Concurrency: an ingestion locks its targets first (row locks on PostgreSQL, the database write lock on
SQLite), so two batches for one target never rebuild its segments from the same stale state.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import String, Table, delete, func, insert, select, type_coerce, update

from slatrack.extensions import db
from slatrack.measure.downtime import OutageLink, OutageSpan
from slatrack.measure.evidence import TargetEvidence, evaluate, failures_by
from slatrack.measure.intervals import Interval, normalize
from slatrack.measure.segments import FAIL, Observation, Segment, build_segments, resegment
from slatrack.models import (
    EvidenceSegment,
    Exclusion,
    LatencyHourly,
    MaintenanceWindow,
    Outage,
    ProbeResult,
    Target,
    Ticket,
    outage_tickets,
    utcnow,
)
from slatrack.operations import OperationError
from slatrack.operations.monitoring.outages import reconcile_outages

# How far in the future (clock skew between an agent and the server) a result may be observed.
FUTURE_SKEW = timedelta(minutes=5)
MAX_BATCH = 5000
ITEM_FIELDS = frozenset({"target", "observed_at", "ok", "latency_ms", "detail", "sample_id", "metrics"})
REQUIRED_FIELDS = ("target", "observed_at", "ok", "sample_id")
_MICRO = timedelta(microseconds=1)
_IN_CHUNK = 500


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
            f"第 {position} 条（从 0 起）探测结果的字段 {name} 无效：{errors[first]}；整批未写入{more}",
            fields=dict(list(errors.items())[:50]),
        )
    return valid, {target.id: target for target in targets.values()}


# ---------------------------------------------------------------------------------------------------
# Segments in the database


def _encode_lead(segment: Segment) -> str:
    return ",".join(str((at - segment.start) // _MICRO) for at in segment.lead)


_SEGMENTS = cast(Table, EvidenceSegment.__table__)
_RESULTS = cast(Table, ProbeResult.__table__)
_SEGMENT_COLUMNS = (
    EvidenceSegment.id,
    EvidenceSegment.state,
    EvidenceSegment.start,
    EvidenceSegment.end,
    EvidenceSegment.count,
    EvidenceSegment.lead,
    EvidenceSegment.last_observed,
)


@dataclass(frozen=True, slots=True)
class _StoredRow:
    id: int
    segment: Segment
    last_observed: datetime


def decode_segment(state: str, start: datetime, end: datetime, count: int, lead_text: str) -> Segment:
    """A stored segment; ``lead_text`` holds a fail run's first failure times as microseconds after ``start``."""
    lead: tuple[datetime, ...] = ()
    if lead_text:
        lead = tuple(start + timedelta(microseconds=int(part)) for part in lead_text.split(","))
    return Segment(state, start, end, count, lead)  # type: ignore[arg-type]


def _segment_row(target_id: int, segment: Segment, last_observed: datetime) -> dict[str, Any]:
    return {
        "target_id": target_id,
        "state": segment.state,
        "start": segment.start,
        "end": segment.end,
        "count": segment.count,
        "first_observed": segment.start,
        "last_observed": last_observed,
        "lead": _encode_lead(segment),
    }


def load_segments(target_id: int, since: datetime | None = None, until: datetime | None = None) -> list[Segment]:
    """A target's stored segments that end at or after ``since`` and start before ``until``, in order."""
    return load_segments_of([target_id], since, until).get(target_id, [])


def load_segments_of(
    target_ids: Sequence[int], since: datetime | None = None, until: datetime | None = None
) -> dict[int, list[Segment]]:
    """The stored segments of several targets in one query (plain rows, no ORM objects: years of them)."""
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    # SQLite stores instants as naive UTC text: parsing it with fromisoformat is several times faster than
    # the generic DateTime result processor, which matters for a contract's years of segments.
    start_column = type_coerce(EvidenceSegment.start, String) if sqlite else EvidenceSegment.start
    end_column = type_coerce(EvidenceSegment.end, String) if sqlite else EvidenceSegment.end
    query = select(
        EvidenceSegment.target_id,
        EvidenceSegment.state,
        start_column,
        end_column,
        EvidenceSegment.count,
        EvidenceSegment.lead,
    ).where(EvidenceSegment.target_id.in_(list(target_ids)))
    if since is not None:
        query = query.where(EvidenceSegment.end >= since)
    if until is not None:
        query = query.where(EvidenceSegment.start < until)
    found: dict[int, list[Segment]] = defaultdict(list)
    parse = datetime.fromisoformat
    rows = db.session.execute(query.order_by(EvidenceSegment.target_id, EvidenceSegment.start)).all()
    for target_id, state, first, last, count, lead in rows:
        start = parse(f"{first}+00:00") if sqlite else cast(datetime, first)
        end = parse(f"{last}+00:00") if sqlite else cast(datetime, last)
        found[target_id].append(decode_segment(state, start, end, count, lead))
    return found


def _rows_around(spans: Mapping[int, tuple[datetime, datetime]]) -> dict[int, list[_StoredRow]]:
    """Per target, the stored rows ``resegment`` may touch for new results in [earliest, latest]: those
    ending at or after ``earliest``, up to the first two starting after ``latest``. One query for all."""
    rows: dict[int, list[_StoredRow]] = defaultdict(list)
    if not spans:
        return rows
    after: dict[int, int] = defaultdict(int)
    query = (
        select(EvidenceSegment.target_id, *_SEGMENT_COLUMNS)
        .where(
            EvidenceSegment.target_id.in_(list(spans)),
            EvidenceSegment.end >= min(earliest for earliest, _ in spans.values()),
        )
        .order_by(EvidenceSegment.target_id, EvidenceSegment.start)
    )
    for target_id, row_id, state, start, end, count, lead, last in db.session.execute(query):
        earliest, latest = spans[target_id]
        if end < earliest or after[target_id] >= 2:
            continue
        if start > latest:
            after[target_id] += 1
        rows[target_id].append(_StoredRow(row_id, decode_segment(state, start, end, count, lead), last))
    return rows


def _retained(
    spans: Mapping[int, tuple[datetime, datetime | None]],
) -> dict[int, list[Observation]]:
    """Per target, the stored raw results observed in [earliest, upper) (upper None: no end). One query."""
    found: dict[int, list[Observation]] = defaultdict(list)
    if not spans:
        return found
    query = select(ProbeResult.target_id, ProbeResult.observed_at, ProbeResult.ok).where(
        ProbeResult.target_id.in_(list(spans)),
        ProbeResult.observed_at >= min(earliest for earliest, _ in spans.values()),
    )
    uppers = [upper for _, upper in spans.values()]
    if all(upper is not None for upper in uppers):
        query = query.where(ProbeResult.observed_at < max(upper for upper in uppers if upper is not None))
    for target_id, at, ok in db.session.execute(query):
        earliest, upper = spans[target_id]
        if at >= earliest and (upper is None or at < upper):
            found[target_id].append(Observation(at, ok))
    return found


def _last_member(segment: Segment, candidates: Sequence[datetime]) -> datetime:
    # Members lie in [start, end); a stored value equal to the end is an upper bound (store_segments).
    inside = [at for at in candidates if segment.start <= at <= segment.end]
    return max(inside) if inside else segment.start


def _lock_targets(target_ids: Iterable[int]) -> None:
    ids = sorted(set(target_ids))
    if not ids:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Target.id).where(Target.id.in_(ids)).order_by(Target.id).with_for_update())
    else:
        # SQLite: any write takes the database's write lock for the rest of the transaction.
        db.session.execute(update(Target).where(Target.id == ids[0]).values(paused=Target.paused))


@dataclass
class _Writes:
    """Segment rows to delete and insert for a whole batch, written with one statement each."""

    deletes: list[int]
    inserts: list[dict[str, Any]]

    def flush(self) -> None:
        if self.deletes:
            db.session.execute(_SEGMENTS.delete().where(_SEGMENTS.c.id.in_(self.deletes)))
        if self.inserts:
            db.session.execute(_SEGMENTS.insert(), self.inserts)


def _apply_batch(
    target: Target,
    new: Sequence[Observation],
    rows: Sequence[_StoredRow],
    retained: Sequence[Observation],
    writes: _Writes,
) -> tuple[Interval, bool] | None:
    """Rebuild the target's segments for a batch of new results (``rows`` and ``retained`` prefetched).

    Returns the span that changed and whether a failure segment was among the changes (only then can the
    target's outages have changed), or None when nothing changed.
    """
    earliest = min(o.observed_at for o in new)
    stored = [row.segment for row in rows]
    rebuilt = resegment(stored, new, retained, target.interval_seconds, earliest)
    kept = {row.segment: row for row in rows}
    keep_set = set(rebuilt)
    removed = [row for segment, row in kept.items() if segment not in keep_set]
    added = [segment for segment in rebuilt if segment not in kept]
    if not removed and not added:
        return None
    candidates = [o.observed_at for o in retained] + [o.observed_at for o in new] + [row.last_observed for row in rows]
    writes.deletes.extend(row.id for row in removed)
    writes.inserts.extend(_segment_row(target.id, segment, _last_member(segment, candidates)) for segment in added)
    starts = [row.segment.start for row in removed] + [segment.start for segment in added]
    ends = [row.segment.end for row in removed] + [segment.end for segment in added]
    failures = any(row.segment.state == FAIL for row in removed) or any(s.state == FAIL for s in added)
    return Interval(min(starts), max(ends)), failures


def _rebuild(
    targets: Mapping[int, Target], by_target: Mapping[int, Sequence[_Item]]
) -> dict[int, tuple[Interval, bool]]:
    """Rebuild the segments of every target of a batch; returns the changed span per target."""
    news = {tid: [Observation(item.observed_at, item.ok) for item in items] for tid, items in by_target.items()}
    spans = {tid: (min(o.observed_at for o in new), max(o.observed_at for o in new)) for tid, new in news.items()}
    rows = _rows_around(spans)
    # Every stored result is a member of a stored segment, so when no segment's last member is at or after
    # the earliest new result there is nothing retained to read (the usual case: results arriving live).
    reads: dict[int, tuple[datetime, datetime | None]] = {}
    for tid, (earliest, latest) in spans.items():
        if any(row.last_observed >= earliest for row in rows.get(tid, ())):
            upper = next((row.segment.start for row in rows[tid] if row.segment.start > latest), None)
            reads[tid] = (earliest, upper)
    retained = _retained(reads)
    writes = _Writes([], [])
    changes: dict[int, tuple[Interval, bool]] = {}
    for tid in sorted(news):
        changed = _apply_batch(targets[tid], news[tid], rows.get(tid, []), retained.get(tid, []), writes)
        if changed is not None:
            changes[tid] = changed
    writes.flush()
    return changes


def store_segments(target: Target, segments: Sequence[Segment]) -> int:
    """Replace a target's stored segments with ``segments`` (built elsewhere, e.g. imported history).

    The segments must be what ``build_segments`` gives for the target's results. Without the raw results
    a segment's last member is not known; ``last_observed`` is then stored as an upper bound (the last
    lead time of a short failure run, else the segment's end), which only makes a later ingestion read
    the (absent) raw results of that span. Returns the number of segments stored; the caller commits.
    """
    db.session.execute(_SEGMENTS.delete().where(_SEGMENTS.c.target_id == target.id))
    rows = [
        _segment_row(
            target.id,
            segment,
            segment.lead[-1] if segment.state == FAIL and segment.count == len(segment.lead) else segment.end,
        )
        for segment in segments
    ]
    if rows:
        db.session.execute(_SEGMENTS.insert(), rows)
    return len(rows)


def rebuild_segments(target: Target) -> int:
    """Rebuild a target's segments from scratch when every raw result is still kept; returns their number.

    Raises OperationError when raw results were already pruned (the segments then hold evidence the raw
    results no longer do).
    """
    observations = [
        Observation(at, ok)
        for at, ok in db.session.execute(
            select(ProbeResult.observed_at, ProbeResult.ok).where(ProbeResult.target_id == target.id)
        )
    ]
    stored = load_segments(target.id)
    if stored and observations and stored[0].start < min(o.observed_at for o in observations):
        raise OperationError("原始探测结果已部分清理，无法从头重建证据段")
    segments = build_segments(observations, target.interval_seconds) if observations else []
    times = [o.observed_at for o in observations]
    db.session.execute(delete(EvidenceSegment).where(EvidenceSegment.target_id == target.id))
    if segments:
        db.session.execute(
            insert(EvidenceSegment), [_segment_row(target.id, s, _last_member(s, times)) for s in segments]
        )
    return len(segments)


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
    _lock_targets(item.target_id for item in valid)
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
    for target_id, (span, failures) in _rebuild(targets, by_target).items():
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


# ---------------------------------------------------------------------------------------------------
# Reading evidence


def target_evidence(target: Target, window_start: datetime, window_end: datetime, as_of: datetime) -> TargetEvidence:
    """What the target's stored segments prove over [window_start, window_end) as known at ``as_of``."""
    end = min(window_end, as_of)
    segments = load_segments(target.id, since=window_start, until=end) if end > window_start else []
    return evaluate(
        segments,
        target.confirm_failures,
        window_start,
        window_end,
        as_of,
        monitored_since=target.monitored_since,
        retired_at=target.retired_at,
    )


@dataclass(frozen=True)
class DowntimeInputs:
    """Everything measure.downtime needs for one window, loaded from the database."""

    window: Interval
    critical_outages: tuple[OutageSpan, ...]
    manual_outages: tuple[OutageSpan, ...]
    maintenance_windows: tuple[Interval, ...]
    critical_unknown: tuple[tuple[Interval, ...], ...]
    outage_links: tuple[OutageLink, ...]
    # Full spans (ongoing ones up to as_of) of the critical targets' confirmed outages, for major faults;
    # outages wholly excluded are left out.
    critical_outage_spans: tuple[Interval, ...]
    transient_failures: int
    evidence: dict[int, TargetEvidence]


@dataclass
class _OutageRow:
    """The columns of an outage record the measurement needs, with its exclusions and first responses."""

    id: int
    target_id: int
    source: str
    start: datetime
    end: datetime | None
    exclusions: list[Interval]
    responses: list[datetime | None]


def _light_outages(start: datetime, end: datetime) -> list[_OutageRow]:
    """Outage records overlapping [start, end) as plain rows (three queries, no ORM objects)."""
    rows = [
        _OutageRow(outage_id, target_id, source, first, last, [], [])
        for outage_id, target_id, source, first, last in db.session.execute(
            select(Outage.id, Outage.target_id, Outage.source, Outage.start, Outage.end)
            .where(Outage.start < end, (Outage.end.is_(None)) | (Outage.end > start))
            .order_by(Outage.start)
        )
    ]
    by_id = {row.id: row for row in rows}
    ids = list(by_id)
    for chunk in range(0, len(ids), _IN_CHUNK):
        part = ids[chunk : chunk + _IN_CHUNK]
        for outage_id, first, last in db.session.execute(
            select(Exclusion.outage_id, Exclusion.start, Exclusion.end).where(Exclusion.outage_id.in_(part))
        ):
            if last > first:
                by_id[outage_id].exclusions.append(Interval(first, last))
        for outage_id, response in db.session.execute(
            select(outage_tickets.c.outage_id, Ticket.first_response_at)
            .join(Ticket, Ticket.id == outage_tickets.c.ticket_id)
            .where(outage_tickets.c.outage_id.in_(part))
        ):
            by_id[outage_id].responses.append(response)
    return rows


def _exclusion_intervals(outage: _OutageRow) -> list[Interval]:
    return list(outage.exclusions)


def _outage_span(outage: _OutageRow, as_of: datetime) -> Interval | None:
    end = as_of if outage.end is None else min(outage.end, as_of)
    if end <= outage.start:
        return None
    return Interval(outage.start, end)


def _first_responses(outage: _OutageRow, as_of: datetime) -> tuple[datetime | None, ...]:
    return tuple(first if first is not None and first <= as_of else None for first in outage.responses)


def system_downtime_inputs(window: Interval, as_of: datetime) -> DowntimeInputs:
    """Load critical targets' evidence, manual outages, maintenance windows, exclusions and ticket links."""
    end = min(window.end, as_of)
    measured = Interval(window.start, max(end, window.start))
    critical = list(db.session.scalars(select(Target).where(Target.critical.is_(True)).order_by(Target.id)))
    outage_rows = _light_outages(window.start, end)
    probe_rows: dict[int, list[_OutageRow]] = defaultdict(list)
    manual: list[OutageSpan] = []
    links: list[OutageLink] = []
    for row in outage_rows:
        span = _outage_span(row, as_of)
        if span is None:
            continue
        if row.source == "manual":
            manual.append(OutageSpan(span, tuple(_exclusion_intervals(row))))
            links.append(OutageLink(span, _first_responses(row, as_of)))
        else:
            probe_rows[row.target_id].append(row)
    critical_spans: list[OutageSpan] = []
    unknown: list[tuple[Interval, ...]] = []
    full_spans: list[Interval] = []
    transient = 0
    evidence: dict[int, TargetEvidence] = {}
    segments = load_segments_of([target.id for target in critical], window.start, end) if end > window.start else {}
    for target in critical:
        result = evaluate(
            segments.get(target.id, []),
            target.confirm_failures,
            window.start,
            window.end,
            as_of,
            monitored_since=target.monitored_since,
            retired_at=target.retired_at,
        )
        evidence[target.id] = result
        transient += result.transient_failures
        unknown.append(result.unknown)
        records = probe_rows.get(target.id, [])
        for outage in result.outages:
            full = Interval(outage.start, outage.end if outage.end is not None else max(as_of, outage.start))
            matching = [row for row in records if row.start < full.end and (row.end is None or row.end > full.start)]
            exclusions = [piece for row in matching for piece in _exclusion_intervals(row)]
            critical_spans.append(OutageSpan(outage.measured, tuple(exclusions)))
            if not _covers(exclusions, full):
                full_spans.append(full)
            responses = tuple(response for row in matching for response in _first_responses(row, as_of))
            links.append(OutageLink(full, responses))
    maintenance = [
        Interval(row.start, row.end)
        for row in db.session.scalars(
            select(MaintenanceWindow).where(
                MaintenanceWindow.approved_at.is_not(None),
                MaintenanceWindow.start < end,
                MaintenanceWindow.end > window.start,
            )
        )
    ]
    return DowntimeInputs(
        window=measured,
        critical_outages=tuple(critical_spans),
        manual_outages=tuple(manual),
        maintenance_windows=tuple(maintenance),
        critical_unknown=tuple(unknown),
        outage_links=tuple(links),
        critical_outage_spans=tuple(full_spans),
        transient_failures=transient,
        evidence=evidence,
    )


def _covers(pieces: Sequence[Interval], span: Interval) -> bool:
    merged = normalize(pieces)
    return any(piece.start <= span.start and piece.end >= span.end for piece in merged)


# ---------------------------------------------------------------------------------------------------
# Hourly aggregates and pruning


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def aggregate_hours(target_id: int, start: datetime, end: datetime) -> int:
    """Recompute the LatencyHourly rows of the whole hours from ``start`` to ``end`` from raw results."""
    start, end = _hour(start), _hour(end) + (timedelta(hours=1) if _hour(end) != end else timedelta(0))
    buckets: dict[datetime, list[Any]] = {}
    rows = db.session.execute(
        select(ProbeResult.observed_at, ProbeResult.ok, ProbeResult.latency_ms)
        .where(ProbeResult.target_id == target_id, ProbeResult.observed_at >= start, ProbeResult.observed_at < end)
        .order_by(ProbeResult.observed_at)
    )
    for at, ok, latency in rows:
        bucket = buckets.get(hour := _hour(at))
        if bucket is None:
            bucket = buckets[hour] = [0, 0, 0.0, 0, None]
        bucket[0] += 1
        if not ok:
            bucket[1] += 1
        if latency is not None:
            bucket[2] += latency
            bucket[3] += 1
            bucket[4] = latency if bucket[4] is None or latency > bucket[4] else bucket[4]
    db.session.execute(
        delete(LatencyHourly).where(
            LatencyHourly.target_id == target_id, LatencyHourly.hour >= start, LatencyHourly.hour < end
        )
    )
    if buckets:
        db.session.execute(
            insert(LatencyHourly),
            [
                {
                    "target_id": target_id,
                    "hour": hour,
                    "checks": checks,
                    "failures": failures,
                    "latency_avg_ms": (total / measured) if measured else None,
                    "latency_max_ms": largest,
                }
                for hour, (checks, failures, total, measured, largest) in sorted(buckets.items())
            ],
        )
    return len(buckets)


def aggregate_received_since(since: datetime | None) -> int:
    """Recompute the hourly aggregates of every hour that received results at or after ``since``."""
    query = select(ProbeResult.target_id, func.min(ProbeResult.observed_at), func.max(ProbeResult.observed_at))
    if since is not None:
        query = query.where(ProbeResult.received_at >= since)
    hours = 0
    for target_id, first, last in db.session.execute(query.group_by(ProbeResult.target_id)).all():
        if first is None:
            continue
        first = first if first.tzinfo else first.replace(tzinfo=UTC)
        last = last if last.tzinfo else last.replace(tzinfo=UTC)
        hours += aggregate_hours(target_id, first, last + timedelta(microseconds=1))
    return hours


def prune_raw_results(cutoff: datetime | None = None) -> int:
    """Delete raw results observed before ``cutoff`` (default now - retention, to the hour) after
    recomputing the hourly aggregates of the hours they belong to. Segments are untouched."""
    cutoff = _hour(cutoff or utcnow() - retention())
    deleted = 0
    target_ids = list(db.session.scalars(select(Target.id)))
    for target_id in target_ids:
        first = db.session.scalar(
            select(func.min(ProbeResult.observed_at)).where(
                ProbeResult.target_id == target_id, ProbeResult.observed_at < cutoff
            )
        )
        if first is None:
            continue
        first = first if first.tzinfo else first.replace(tzinfo=UTC)
        aggregate_hours(target_id, first, cutoff)
        result = db.session.execute(
            delete(ProbeResult).where(ProbeResult.target_id == target_id, ProbeResult.observed_at < cutoff)
        )
        deleted += int(result.rowcount)  # type: ignore[attr-defined]
        db.session.commit()
    return deleted


def last_observed(target_id: int, ok: bool | None = None) -> datetime | None:
    """The latest result's time for a target (optionally only successes), from raw results or segments."""
    query = select(func.max(ProbeResult.observed_at)).where(ProbeResult.target_id == target_id)
    if ok is not None:
        query = query.where(ProbeResult.ok.is_(ok))
    found = db.session.scalar(query)
    if found is not None:
        return found if found.tzinfo else found.replace(tzinfo=UTC)
    segment_query = select(func.max(EvidenceSegment.last_observed)).where(EvidenceSegment.target_id == target_id)
    if ok is not None:
        segment_query = segment_query.where(EvidenceSegment.state == ("up" if ok else FAIL))
    found = db.session.scalar(segment_query)
    if found is None:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


# ---------------------------------------------------------------------------------------------------
# Push targets: missed heartbeats become failed results

# A heartbeat may be this late (a share of the interval, at most a minute) before its miss is recorded.
MAX_HEARTBEAT_GRACE = timedelta(seconds=60)
MAX_MISSES_PER_RUN = 10_000


def missed_heartbeat_sample_id(target_id: int, at: datetime) -> str:
    """Deterministic, so a rerun of the job (or a second scheduler) records each miss once."""
    return f"hb-miss-{target_id}-{int(at.timestamp())}"


def record_missed_heartbeats(now: datetime | None = None) -> int:
    """For each active push target, record a failed result for every interval without a heartbeat.

    The misses are counted from the last successful heartbeat (or from ``monitored_since``): one at each
    whole interval after it that is at least a grace period in the past and still within raw retention.
    """
    now = now or utcnow()
    oldest = now - retention() + timedelta(minutes=1)
    recorded = 0
    targets = db.session.scalars(
        select(Target).where(Target.kind == "push", Target.paused.is_(False)).order_by(Target.id)
    ).all()
    for target in targets:
        if target.retired_at is not None and target.retired_at <= now:
            continue
        interval = timedelta(seconds=target.interval_seconds)
        grace = min(interval / 2, MAX_HEARTBEAT_GRACE)
        anchor = last_observed(target.id, ok=True) or target.monitored_since
        first = 1
        if anchor + interval < oldest:
            first = int((oldest - anchor) / interval) + 1
        items: list[dict[str, Any]] = []
        step = first
        while len(items) < MAX_MISSES_PER_RUN:
            at = anchor + step * interval
            if at + grace > now:
                break
            items.append(
                {
                    "target": target.id,
                    "observed_at": at.isoformat(),
                    "ok": False,
                    "latency_ms": None,
                    "detail": "未按时收到心跳",
                    "sample_id": missed_heartbeat_sample_id(target.id, at),
                }
            )
            step += 1
        for start in range(0, len(items), MAX_BATCH):
            recorded += ingest_results(items[start : start + MAX_BATCH], now=now).accepted
    return recorded


def hourly_maintenance(since: datetime | None, now: datetime | None = None) -> str:
    """Recompute the hourly aggregates of hours that got results since ``since``, then prune old results."""
    now = now or utcnow()
    hours = aggregate_received_since(since)
    db.session.commit()
    pruned = prune_raw_results(now - retention())
    return f"{hours} hourly aggregates refreshed, {pruned} raw results pruned"


# ---------------------------------------------------------------------------------------------------
# Figures for the pages


@dataclass(frozen=True)
class DayFigure:
    day: date
    up_minutes: float
    down_minutes: float
    unknown_minutes: float
    transient_failures: int
    measured: bool

    @property
    def availability(self) -> float | None:
        """Up share of the known time (unknown time left out), in percent; None when nothing is known."""
        known = self.up_minutes + self.down_minutes
        return None if known <= 0 else self.up_minutes / known * 100


def daily_figures(target: Target, days: int, now: datetime, zone: str) -> list[DayFigure]:
    """Up, down and unknown minutes per local day for the last ``days`` days (today included, to ``now``)."""
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, time(), tz).astimezone(UTC)
    segments = load_segments(target.id, since=start, until=now)
    figures: list[DayFigure] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        day_start = datetime.combine(day, time(), tz).astimezone(UTC)
        day_end = datetime.combine(day + timedelta(days=1), time(), tz).astimezone(UTC)
        result = evaluate(
            segments,
            target.confirm_failures,
            day_start,
            day_end,
            now,
            monitored_since=target.monitored_since,
            retired_at=target.retired_at,
        )
        figures.append(
            DayFigure(
                day,
                result.up_minutes,
                result.down_minutes,
                result.unknown_minutes,
                result.transient_failures,
                result.window is not None,
            )
        )
    return figures


def current_state(target: Target, now: datetime) -> str:
    """'up', 'down' (a confirmed outage going on), 'failing' (unconfirmed failures), or 'unknown'."""
    segments = load_segments(target.id, since=now)
    if not segments or segments[-1].start > now:
        return "unknown"
    last = segments[-1]
    if last.state == "up":
        return "up"
    return "down" if failures_by(last, now) >= target.confirm_failures else "failing"


def recent_results(target_id: int, limit: int = 50) -> list[ProbeResult]:
    return list(
        db.session.scalars(
            select(ProbeResult)
            .where(ProbeResult.target_id == target_id)
            .order_by(ProbeResult.observed_at.desc())
            .limit(limit)
        )
    )
