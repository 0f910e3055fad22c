"""Check results of one target compressed into state segments, built at once or incrementally.

SPEC section 4, "Evidence from checks": sort a target's results by observed time t1 < t2 < ...;
result i holds from ti until min(t(i+1), ti + stale_after), stale_after = 2 x interval. Time that no
result holds is unknown. A *segment* merges consecutive results of one kind whose holds are contiguous:

- ``up``: successes; ``fail``: one run of consecutive failures (no success and no unknown gap inside).
- ``start`` is the first member's observed time, ``end`` the end of the last member's hold.
- ``count`` is the number of members; ``lead`` holds the observed times of the first
  ``min(count, MAX_CONFIRM_FAILURES)`` members of a ``fail`` segment (empty for ``up``). With it a
  measurement cut at an ``as_of`` inside a failure run still knows how many of its failures were
  observed by then, which decides whether the run was confirmed at that instant.
- Time between segments is unknown. Segments are sorted, disjoint, and canonical: the same set of
  results always gives the same list, whatever the order or batches in which they arrived.

Rules beyond the SPEC's wording:

- Results at the same instant count as one result, which is a success if any of them succeeded: a
  success proves the service answered at that instant, a simultaneous failure says more about the
  probe. So identical (time, ok) pairs are harmless, and the outcome does not depend on their order.
- Holds are contiguous when t(i+1) <= ti + stale_after (a result exactly at the stale instant leaves
  no unknown gap).
- Segments keep their ends when the target's interval changes; only a rebuilt span uses the new one.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

SegmentState = Literal["up", "fail"]
UP: SegmentState = "up"
FAIL: SegmentState = "fail"

# The largest supported confirm_failures: fail segments remember this many leading failure times.
MAX_CONFIRM_FAILURES = 10


@dataclass(frozen=True, slots=True)
class Observation:
    """One check result: when it was observed and whether the check passed."""

    observed_at: datetime
    ok: bool

    def __post_init__(self) -> None:
        if self.observed_at.tzinfo is None:
            raise ValueError("Observation.observed_at must be timezone-aware")


@dataclass(frozen=True, slots=True)
class Segment:
    """Consecutive results of one kind with contiguous holds, covering [start, end)."""

    state: SegmentState
    start: datetime
    end: datetime
    count: int
    lead: tuple[datetime, ...] = ()

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("Segment must end after it starts")
        if self.count < 1:
            raise ValueError("Segment must have at least one member")
        expected_lead = min(self.count, MAX_CONFIRM_FAILURES) if self.state == FAIL else 0
        if len(self.lead) != expected_lead:
            raise ValueError(f"Segment lead must hold {expected_lead} times, not {len(self.lead)}")


def stale_after(interval_seconds: int) -> timedelta:
    """How long a result holds at most: twice the target's check interval."""
    if interval_seconds <= 0:
        raise ValueError("interval_seconds must be positive")
    return timedelta(seconds=2 * interval_seconds)


def collapse(observations: Iterable[Observation]) -> list[tuple[datetime, bool]]:
    """Sorted (instant in UTC, ok) pairs, one per instant; an instant is ok when any result at it is."""
    members: list[tuple[datetime, bool]] = []
    last: datetime | None = None
    for observation in sorted(observations, key=_observed_at):
        at = observation.observed_at
        if at.tzinfo is not UTC:
            at = at.astimezone(UTC)
        if at == last:
            members[-1] = (at, members[-1][1] or observation.ok)
        else:
            members.append((at, observation.ok))
            last = at
    return members


class _SegmentBuilder:
    """Sweeps members in time order, keeping the segment still open at the end of the sweep."""

    __slots__ = ("_count", "_lead", "_reach", "_start", "_state", "segments", "stale")

    def __init__(self, stale: timedelta) -> None:
        self.stale = stale
        self.segments: list[Segment] = []
        self._state: SegmentState | None = None
        self._start = datetime.min.replace(tzinfo=UTC)
        self._count = 0
        self._lead: list[datetime] = []
        # The latest instant the open segment's last member can hold to (its end if nothing follows).
        self._reach = self._start

    def add_segment(self, segment: Segment) -> None:
        """Continue with a stored segment whose own end is final; it starts after every member so far."""
        if self._state is not None:
            if segment.start <= self._reach and segment.state == self._state:
                self._count += segment.count
                self._lead = (self._lead + list(segment.lead))[:MAX_CONFIRM_FAILURES]
                self._reach = segment.end
                return
            self._close(min(segment.start, self._reach))
        self._state = segment.state
        self._start = segment.start
        self._count = segment.count
        self._lead = list(segment.lead)
        self._reach = segment.end

    def add_members(self, members: Iterable[tuple[datetime, bool]]) -> None:
        """Continue with (instant, ok) members in strictly increasing time, all after what came before."""
        stale = self.stale
        state, start, count, lead, reach = self._state, self._start, self._count, self._lead, self._reach
        for at, ok in members:
            kind: SegmentState = UP if ok else FAIL
            if state is not None:
                if at <= reach:
                    if kind == state:
                        count += 1
                        if kind == FAIL and len(lead) < MAX_CONFIRM_FAILURES:
                            lead.append(at)
                        reach = at + stale
                        continue
                    self.segments.append(Segment(state, start, at, count, tuple(lead)))
                else:
                    self.segments.append(Segment(state, start, reach, count, tuple(lead)))
            state, start, count, reach = kind, at, 1, at + stale
            lead = [at] if kind == FAIL else []
        self._state, self._start, self._count, self._lead, self._reach = state, start, count, lead, reach

    def finish(self) -> list[Segment]:
        if self._state is not None:
            self._close(self._reach)
        return self.segments

    def _close(self, end: datetime) -> None:
        assert self._state is not None
        self.segments.append(Segment(self._state, self._start, end, self._count, tuple(self._lead)))
        self._state = None


def build_segments(observations: Iterable[Observation], interval_seconds: int) -> list[Segment]:
    """The segments of one target's results, given in any order (duplicates allowed)."""
    builder = _SegmentBuilder(stale_after(interval_seconds))
    builder.add_members(collapse(observations))
    return builder.finish()


def affected_span(
    segments: Sequence[Segment], new_observations: Iterable[Observation]
) -> tuple[datetime, datetime | None]:
    """The span [from, to) whose stored raw results ``resegment`` needs for this batch (to=None: no end).

    ``from`` is the earliest new result; ``to`` is the start of the first stored segment that begins after
    the latest new result. Raises ValueError for an empty batch.
    """
    times = [o.observed_at for o in new_observations]
    if not times:
        raise ValueError("no new observations")
    earliest, latest = min(times), max(times)
    after = bisect_right(segments, latest, key=_segment_start)
    return earliest, segments[after].start if after < len(segments) else None


def resegment(
    segments: Sequence[Segment],
    new_observations: Iterable[Observation],
    retained_observations: Iterable[Observation],
    interval_seconds: int,
    retained_since: datetime,
) -> list[Segment]:
    """The segments after a batch of new results (late, out of order or duplicated) arrives.

    Contract:

    - ``segments`` are the target's stored segments: the output of ``build_segments``/``resegment`` for
      every result received so far (``build_segments`` of all of them, raw results long pruned included).
    - ``retained_observations`` are the raw results *already reflected in* ``segments`` whose observed
      time lies in ``affected_span(segments, new_observations)``; more (outside the span) is harmless.
      Query them before storing the batch, or leave the batch's rows out: a result of the batch passed
      here as well would be counted twice when a stored segment is split.
    - ``retained_since``: raw results are kept from this instant on. A new result observed before it
      raises ValueError (the server rejects such results), since its span can no longer be rebuilt.

    Stored segments before the one holding the earliest new result are returned unchanged (the same
    objects), and so are those starting after the latest new result, except that the first of them may
    merge with the rebuilt span. Only the span in between is rebuilt from raw results, so the result is
    exactly ``build_segments`` of all results, old and new.

    Server flow for one batch of one target, in one transaction with the target's row locked: refuse
    results older than ``retained_since``; ``start, end = affected_span(stored, batch)``; read the raw
    results in [start, end); ``updated = resegment(...)``; store the batch's raw results; apply
    ``segment_changes(stored, updated)``; reconcile derived outages with
    ``evidence.confirmed_outages(updated, ..., since=start)``.
    """
    stale = stale_after(interval_seconds)
    new = collapse(new_observations)
    if not new:
        return list(segments)
    earliest, latest = new[0][0], new[-1][0]
    if earliest < retained_since:
        raise ValueError(
            f"result observed at {earliest.isoformat()} is older than the retained raw results "
            f"(kept since {retained_since.isoformat()})"
        )
    before = bisect_left(segments, earliest, key=_segment_start) - 1  # the last segment starting earlier
    after = bisect_right(segments, latest, key=_segment_start)  # the first segment starting later
    upper = segments[after].start if after < len(segments) else None
    old = dict(
        collapse(
            o for o in retained_observations if o.observed_at >= earliest and (upper is None or o.observed_at < upper)
        )
    )
    if all(at in old and (old[at] or not ok) for at, ok in new):
        return list(segments)  # nothing but resends

    builder = _SegmentBuilder(stale)
    if before >= 0:
        builder.add_segment(_prefix_before(segments[before], earliest, old))
    members = dict(old)
    for at, ok in new:
        members[at] = members.get(at, False) or ok
    builder.add_members(sorted(members.items()))
    tail: Sequence[Segment] = ()
    if after < len(segments):
        builder.add_segment(segments[after])
        tail = segments[after + 1 :]
    return [*segments[: max(before, 0)], *builder.finish(), *tail]


@dataclass(frozen=True, slots=True)
class SegmentChanges:
    """What to delete from and insert into storage to turn one segment list into another."""

    removed: tuple[Segment, ...]
    added: tuple[Segment, ...]


def segment_changes(stored: Sequence[Segment], updated: Sequence[Segment]) -> SegmentChanges:
    """The segments to delete and to insert, leaving the common head and tail of the two lists alone."""
    head = 0
    limit = min(len(stored), len(updated))
    while head < limit and stored[head] == updated[head]:
        head += 1
    tail = 0
    while tail < limit - head and stored[len(stored) - 1 - tail] == updated[len(updated) - 1 - tail]:
        tail += 1
    return SegmentChanges(
        tuple(stored[head : len(stored) - tail]),
        tuple(updated[head : len(updated) - tail]),
    )


def _prefix_before(segment: Segment, instant: datetime, old: dict[datetime, bool]) -> Segment:
    """The part of a stored segment made of its members observed before ``instant``.

    ``old`` must hold every member of the segment observed at or after ``instant``. When the segment
    reaches past ``instant`` the prefix ends at ``instant``: its last member still holds there.
    """
    if segment.end <= instant:
        return segment
    later = sum(1 for at in old if at < segment.end)
    count = segment.count - later
    if count < 1:
        raise ValueError("retained results do not match the stored segments (a result counted twice?)")
    return Segment(segment.state, segment.start, instant, count, tuple(at for at in segment.lead if at < instant))


def _observed_at(observation: Observation) -> datetime:
    return observation.observed_at


def _segment_start(segment: Segment) -> datetime:
    return segment.start
