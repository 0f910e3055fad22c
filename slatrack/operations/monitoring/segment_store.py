"""The segment store: a target's EvidenceSegment rows, read, merged with new observations and written.

Raw results (ProbeResult) are kept for RAW_RESULT_RETENTION_DAYS; what a contract is measured on is the
compact EvidenceSegment rows (measure/segments.py), kept for good. A batch of results, late, out of
order or resent, rebuilds only the affected span of each target's segments (``segments.resegment``), so
the stored segments are always ``build_segments`` of every result ever received, whatever the order of
arrival.

Concurrency: an ingestion locks its targets first (row locks on PostgreSQL, the database write lock on
SQLite), so two batches for one target never rebuild its segments from the same stale state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update

from slatrack.extensions import db
from slatrack.measure.intervals import Interval
from slatrack.measure.segments import FAIL, Observation, Segment, resegment
from slatrack.models import (
    EvidenceSegment,
    ProbeResult,
    Target,
)

# ---------------------------------------------------------------------------------------------------
# Segments in the database


def _encode_lead(segment: Segment) -> str:
    return ",".join(str((at - segment.start) // _MICRO) for at in segment.lead)


_SEGMENTS = cast(Table, EvidenceSegment.__table__)
_RESULTS = cast(Table, ProbeResult.__table__)
_MICRO = timedelta(microseconds=1)
_SEGMENT_COLUMNS = (
    EvidenceSegment.state,
    EvidenceSegment.start,
    EvidenceSegment.end,
    EvidenceSegment.count,
    EvidenceSegment.lead,
    EvidenceSegment.last_observed,
)


@dataclass(frozen=True, slots=True)
class _StoredRow:
    """A stored segment (its row's key: the target and the segment's start) and its last member's time."""

    segment: Segment
    last_observed: datetime


def decode_segment(state: str, start: datetime, end: datetime, count: int, lead_text: str) -> Segment:
    """A stored segment; ``lead_text`` holds a fail run's first failure times as microseconds after ``start``."""
    lead: tuple[datetime, ...] = ()
    if lead_text:
        lead = tuple(start + timedelta(microseconds=int(part)) for part in lead_text.split(","))
    return Segment(state, start, end, count, lead)  # type: ignore[arg-type]


def segment_row(
    target_id: int, state: str, start: datetime, end: datetime, count: int, lead: str, last_observed: datetime
) -> dict[str, Any]:
    """The column values of one stored segment (end and last member's time as offsets, see EvidenceSegment)."""
    return {
        "target_id": target_id,
        "state": state,
        "start": start,
        "span": (end - start) // _MICRO,
        "gap": (end - last_observed) // _MICRO,
        "count": count,
        "lead": lead,
    }


def _segment_row(target_id: int, segment: Segment, last_observed: datetime) -> dict[str, Any]:
    return segment_row(
        target_id, segment.state, segment.start, segment.end, segment.count, _encode_lead(segment), last_observed
    )


def load_segments(target_id: int, since: datetime | None = None, until: datetime | None = None) -> list[Segment]:
    """A target's stored segments that end at or after ``since`` and start before ``until``, in order."""
    return load_segments_of([target_id], since, until).get(target_id, [])


def load_segments_of(
    target_ids: Sequence[int], since: datetime | None = None, until: datetime | None = None
) -> dict[int, list[Segment]]:
    """The stored segments of several targets in one query (plain rows, no ORM objects: years of them)."""
    query = select(
        EvidenceSegment.target_id,
        EvidenceSegment.state,
        EvidenceSegment.start,
        EvidenceSegment.end,
        EvidenceSegment.count,
        EvidenceSegment.lead,
    ).where(EvidenceSegment.target_id.in_(list(target_ids)))
    if since is not None:
        query = query.where(EvidenceSegment.end >= since)
    if until is not None:
        query = query.where(EvidenceSegment.start < until)
    found: dict[int, list[Segment]] = defaultdict(list)
    rows = db.session.execute(query.order_by(EvidenceSegment.target_id, EvidenceSegment.start)).all()
    for target_id, state, start, end, count, lead in rows:
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
    for target_id, state, start, end, count, lead, last in db.session.execute(query):
        earliest, latest = spans[target_id]
        if end < earliest or after[target_id] >= 2:
            continue
        if start > latest:
            after[target_id] += 1
        rows[target_id].append(_StoredRow(decode_segment(state, start, end, count, lead), last))
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


def lock_targets(target_ids: Iterable[int]) -> None:
    ids = sorted(set(target_ids))
    if not ids:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Target.id).where(Target.id.in_(ids)).order_by(Target.id).with_for_update())
    else:
        # SQLite: any write takes the database's write lock for the rest of the transaction.
        db.session.execute(update(Target).where(Target.id == ids[0]).values(paused=Target.paused))


_KEY = (_SEGMENTS.c.target_id == bindparam("key_target"), _SEGMENTS.c.start == bindparam("key_start"))
_DELETE = _SEGMENTS.delete().where(*_KEY)
_EXTEND = (
    _SEGMENTS.update()
    .where(*_KEY)
    .values(
        span=bindparam("new_span"),
        gap=bindparam("new_gap"),
        count=bindparam("new_count"),
        lead=bindparam("new_lead"),
    )
)


@dataclass
class _Writes:
    """Segment rows to delete, extend in place and insert for a whole batch, written with one statement each.

    A rebuilt segment that starts where a replaced one started, in the same state, is that row extended (the
    append path of results arriving in order: the last segment of each target grows by an UPDATE)."""

    deletes: list[dict[str, Any]] = field(default_factory=list)
    inserts: list[dict[str, Any]] = field(default_factory=list)
    extends: list[dict[str, Any]] = field(default_factory=list)

    def flush(self) -> None:
        if self.deletes:
            db.session.execute(_DELETE, self.deletes)
        if self.extends:
            db.session.execute(_EXTEND, self.extends)
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
    replaced = {(row.segment.start, row.segment.state): row for row in removed}
    for segment in added:
        last = _last_member(segment, candidates)
        row = replaced.pop((segment.start, segment.state), None)
        if row is None:
            writes.inserts.append(_segment_row(target.id, segment, last))
        else:
            writes.extends.append(
                {
                    "key_target": target.id,
                    "key_start": row.segment.start,
                    "new_span": (segment.end - segment.start) // _MICRO,
                    "new_gap": (segment.end - last) // _MICRO,
                    "new_count": segment.count,
                    "new_lead": _encode_lead(segment),
                }
            )
    writes.deletes.extend({"key_target": target.id, "key_start": row.segment.start} for row in replaced.values())
    starts = [row.segment.start for row in removed] + [segment.start for segment in added]
    ends = [row.segment.end for row in removed] + [segment.end for segment in added]
    failures = any(row.segment.state == FAIL for row in removed) or any(s.state == FAIL for s in added)
    return Interval(min(starts), max(ends)), failures


def rebuild_spans(
    targets: Mapping[int, Target], news: Mapping[int, Sequence[Observation]]
) -> dict[int, tuple[Interval, bool]]:
    """Rebuild the segments of every target of a batch; returns the changed span per target."""
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
    writes = _Writes()
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
