"""Keep a period's loaded records between measurements, and refresh only what changed.

Pages ask for this year's and this quarter's figures over and over while little changes. A cache entry
holds the engine's inputs for one period of one database, with the data version they were read at
(``slatrack/data_version.py``: a counter per domain that every committed write moves on, bulk and Core
writes included). When a domain's version moved, that domain is read again: the tickets (with their
events, late entries and units), or the evidence (targets and segments); the small inputs (contracts,
outages, inspections, ...) are read again whenever anything moved. The settled-ticket memo outlives a
reload of the tickets for every ticket whose record is unchanged, and is dropped when the terms change;
so are the settled parts' tallies (measure/sums.py), kept while their tickets' outcomes are.

Entries are also kept on disk (``snapshot.py``), so that a new process (a restart, a ``slatrack sla``
command) starts from the last entry and reads again only the domains that moved since.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from slatrack import data_version
from slatrack.extensions import db
from slatrack.measure.periods import Period
from slatrack.measure.sla import SlaFigures
from slatrack.measure.sla_inputs import SlaInputs
from slatrack.measure.sums import FigureSums
from slatrack.measure.tickets import OutcomeMemo, TicketRecord
from slatrack.operations.figures import snapshot
from slatrack.operations.figures.loading import load_inputs

# An entry is written to disk after its first measurement, then at most this often while data moves.
SNAPSHOT_SECONDS = 60.0
FIGURES_PER_ENTRY = 8


@dataclass
class Entry:
    versions: dict[str, int]
    inputs: SlaInputs
    memo: OutcomeMemo = field(default_factory=dict)
    persisted: bool = False
    written: int = -1  # ``grown()`` when last written to disk or read from it
    # The settled parts' tallies (measure/sums.py), for these inputs only; kept on disk with them.
    sums: FigureSums = field(default_factory=FigureSums)
    # The figures already measured from these inputs, by as_of (the same question within a request, a
    # report or an API call with a fixed as_of is answered once). Dropped with the entry.
    # A document also measures parts of the entry's period (a quarter and its months from the year's
    # records): those are kept under (start, end, as_of).
    figures: OrderedDict[Hashable, SlaFigures] = field(default_factory=OrderedDict)

    def grown(self) -> int:
        """How much settled work the entry holds (settled outcomes and tallies): more is worth writing."""
        return len(self.memo) + self.sums.size()

    def measured(self, key: Hashable, measure: Callable[[], SlaFigures]) -> SlaFigures:
        known = self.figures.get(key)
        if known is None:
            known = self.figures[key] = measure()
            while len(self.figures) > FIGURES_PER_ENTRY:
                self.figures.popitem(last=False)
        return known


def carried_memo(memo: OutcomeMemo, tickets: list[TicketRecord]) -> OutcomeMemo:
    """The settled outcomes still true for freshly read records: those whose record is unchanged."""
    kept: OutcomeMemo = {}
    for record in tickets:
        known = memo.get(record.key)
        if known is not None and known[0] == record:
            kept[record.key] = (record, known[1], known[2])
    return kept


class InputCache:
    def __init__(self, size: int = 8) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[Any, ...], Entry] = OrderedDict()
        self.lock = threading.Lock()
        self.written: dict[tuple[Any, ...], float] = {}

    def clear(self, snapshots: bool = True) -> None:
        """Forget every entry; with ``snapshots`` (default) the ones on disk too, so the next read is fresh.

        ``clear(snapshots=False)`` is what a restart does.
        """
        with self.lock:
            self.entries.clear()
            self.written.clear()
        if snapshots:
            snapshot.remove_all()

    @staticmethod
    def key(period: Period) -> tuple[Any, ...]:
        return (str(db.engine.url), period.start, period.end, period.tz)

    def get(self, period: Period) -> Entry:
        key = self.key(period)
        # The versions are read before the records: a write committed in between moves them on again.
        versions = data_version.current(db.session)
        with self.lock:
            entry = self.entries.get(key)
        if entry is None:
            stored = snapshot.read(key)
            if stored is not None:
                versions_read, inputs, memo, sums = stored
                # No figures: measured again (the settled parts' tallies make that quick).
                entry = Entry(versions_read, inputs, memo, persisted=True, sums=FigureSums.restored(inputs, sums))
                entry.written = entry.grown()
                self.written[key] = time.monotonic()
        if entry is not None and entry.versions == versions:
            self._store(key, entry)
            return entry
        with snapshot.paused_gc():
            entry = self._refreshed(entry, period, versions)
        self._store(key, entry)
        return entry

    def keep(self, period: Period, entry: Entry) -> None:
        """After a measurement (the memo now holds the settled outcomes): write the entry to disk when due.

        Due: nothing written for this period yet, or the entry grown (or new) and the last write at least
        SNAPSHOT_SECONDS ago.
        """
        key = self.key(period)
        last = self.written.get(key)
        if last is not None and time.monotonic() - last < SNAPSHOT_SECONDS:
            return
        self._write(key, entry)

    def flush(self, spaced: bool = True) -> None:
        """Write every entry grown since it was last written (after a batch of measurements).

        ``spaced``: only those last written at least SNAPSHOT_SECONDS ago. Writing a year holds the
        interpreter for a few tenths of a second (pickling), which requests served meanwhile wait for; the
        server's warm-up at start flushes unspaced, once.
        """
        with self.lock:
            entries = list(self.entries.items())
        now = time.monotonic()
        for key, entry in entries:
            last = self.written.get(key)
            if not spaced or last is None or now - last >= SNAPSHOT_SECONDS:
                self._write(key, entry)

    def _write(self, key: tuple[Any, ...], entry: Entry) -> None:
        grown = entry.grown()
        if entry.persisted and entry.written == grown:
            return
        entry.persisted, entry.written = True, grown
        self.written[key] = time.monotonic()
        snapshot.write_later(key, dict(entry.versions), entry.inputs, dict(entry.memo), entry.sums.state())

    def _store(self, key: tuple[Any, ...], entry: Entry) -> None:
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def _refreshed(self, entry: Entry | None, period: Period, versions: dict[str, int]) -> Entry:
        if entry is None:
            return Entry(versions, load_inputs(period))
        moved = {domain for domain in versions if versions[domain] != entry.versions.get(domain)}
        tickets_moved = bool(moved & {data_version.TICKETS, data_version.TERMS})
        tickets = None if tickets_moved else list(entry.inputs.tickets)
        targets = None if data_version.EVIDENCE in moved else list(entry.inputs.targets)
        inputs = load_inputs(period, tickets=tickets, targets=targets)
        if data_version.TERMS in moved:
            return Entry(versions, inputs)
        memo = carried_memo(entry.memo, list(inputs.tickets)) if tickets_moved else entry.memo
        return Entry(versions, inputs, memo, sums=entry.sums.carried(inputs))


CACHE = InputCache()
