"""Keep a period's loaded records between measurements, and refresh only what changed.

Pages ask for this year's and this quarter's figures over and over while little changes. A cache entry
holds the engine's inputs for one period of one database, with the data version they were read at
(``slatrack/data_version.py``: a counter per domain that every committed write moves on, bulk and Core
writes included). When a domain's version moved, that domain is read again: the tickets (with their
events, late entries and units), or the evidence (targets and segments); the small inputs (contracts,
outages, inspections, ...) are read again whenever anything moved. The settled-ticket memo outlives a
reload of the tickets for every ticket whose record is unchanged, and is dropped when the terms change.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from slatrack import data_version
from slatrack.extensions import db
from slatrack.measure.periods import Period
from slatrack.measure.sla_inputs import SlaInputs
from slatrack.measure.tickets import OutcomeMemo, TicketRecord
from slatrack.operations.figures.loading import load_inputs


@dataclass
class Entry:
    versions: dict[str, int]
    inputs: SlaInputs
    memo: OutcomeMemo = field(default_factory=dict)


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

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def get(self, period: Period) -> Entry:
        key = (str(db.engine.url), period.start, period.end, period.tz)
        # The versions are read before the records: a write committed in between moves them on again.
        versions = data_version.current(db.session)
        with self.lock:
            entry = self.entries.get(key)
        if entry is not None and entry.versions == versions:
            return entry
        entry = self._refreshed(entry, period, versions)
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return entry

    def _refreshed(self, entry: Entry | None, period: Period, versions: dict[str, int]) -> Entry:
        if entry is None:
            return Entry(versions, load_inputs(period))
        moved = {domain for domain in versions if versions[domain] != entry.versions.get(domain)}
        tickets_moved = bool(moved & {data_version.TICKETS, data_version.TERMS})
        tickets = None if tickets_moved else list(entry.inputs.tickets)
        targets = None if data_version.EVIDENCE in moved else list(entry.inputs.targets)
        inputs = load_inputs(period, tickets=tickets, targets=targets)
        if data_version.TERMS in moved:
            memo: OutcomeMemo = {}
        elif tickets_moved:
            memo = carried_memo(entry.memo, list(inputs.tickets))
        else:
            memo = entry.memo
        return Entry(versions, inputs, memo)


CACHE = InputCache()
