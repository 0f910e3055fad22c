"""Keep a period's loaded records between measurements, and refresh only what changed.

Pages ask for this year's and this quarter's figures over and over while little changes. A cache entry
holds the engine's inputs for one period of one database, with the data version they were read at.
When the version moves on, the audit log says which tickets changed (every change of business data
writes an audit record in the same transaction), so only those tickets are read again; evidence is
read again only when the segments changed; the small inputs (contracts, outages, inspections, ...) are
always read again. The settled-ticket memo survives as long as the contracts' terms do.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from slatrack.extensions import db
from slatrack.measure.periods import Period
from slatrack.measure.sla import SlaFigures, compute_sla
from slatrack.measure.sla_inputs import SlaInputs, TargetRecord
from slatrack.measure.tickets import OutcomeMemo, TicketRecord
from slatrack.models import AuditRecord, EvidenceSegment, Ticket, TicketEvent, outage_tickets
from slatrack.operations.figures.loading import load_inputs, load_tickets

# Beyond this many changed tickets a full reload is as cheap as picking them out.
MAX_INCREMENTAL_TICKETS = 2000
TERMS_TABLES = {"contracts", "sla_terms"}
TICKET_TABLES = {"tickets", "ticket_events"}
FIGURES_KEPT = 8  # computed figures remembered per entry


@dataclass
class Entry:
    audit_id: int
    evidence: tuple[Any, ...]
    links: tuple[Any, ...]
    inputs: SlaInputs
    memo: OutcomeMemo = field(default_factory=dict)
    # Figures already computed from these inputs, by (period, instant): the engine is a pure function of
    # them, so the same period at the same instant is the same figures (a past quarter's year to date is
    # measured at the quarter's end by each of its documents). Dropped with the entry when records change.
    figures: OrderedDict[tuple[Any, ...], SlaFigures] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def measured(self, period: Period, moment: datetime) -> SlaFigures:
        """``compute_sla`` of ``period`` at ``moment`` (aware) on this entry's inputs, remembered."""
        key = (period.start, period.end, period.tz, moment)
        with self.lock:
            known = self.figures.get(key)
        if known is None:
            known = compute_sla(self.inputs, period, moment, self.memo)
            with self.lock:
                self.figures[key] = known
                while len(self.figures) > FIGURES_KEPT:
                    self.figures.popitem(last=False)
        return known


def _evidence_version() -> tuple[Any, ...]:
    """Every ingested result grows a segment's count or end, or replaces segments."""
    return tuple(
        db.session.execute(
            select(
                func.count(EvidenceSegment.id),
                func.max(EvidenceSegment.id),
                func.sum(EvidenceSegment.count),
                func.max(EvidenceSegment.end),
            )
        ).one()
    )


def _links_version() -> tuple[Any, ...]:
    """Outage-ticket links live in an association table, which the audit log does not see."""
    return tuple(
        db.session.execute(
            select(
                func.count(),
                func.sum(outage_tickets.c.outage_id * 1_000_003 + outage_tickets.c.ticket_id),
            ).select_from(outage_tickets)
        ).one()
    )


def _audit_id() -> int:
    return int(db.session.scalar(select(func.max(AuditRecord.id))) or 0)


def _changed_tickets(since: int) -> tuple[set[int], bool, bool]:
    """Ticket ids changed after audit record ``since``; whether a full reload is needed; whether terms changed."""
    rows = db.session.execute(
        select(AuditRecord.object_type, AuditRecord.object_id, AuditRecord.action).where(AuditRecord.id > since)
    ).all()
    tickets: set[int] = set()
    events: set[int] = set()
    full = False
    terms = False
    for object_type, object_id, action in rows:
        if object_type in TERMS_TABLES:
            terms = True
        full = full or object_type == "late_entries"  # a decided late entry moves its ticket's counted times
        if object_type not in TICKET_TABLES:
            continue
        if action == "delete" or not object_id.isdigit():
            full = True
        elif object_type == "tickets":
            tickets.add(int(object_id))
        else:
            events.add(int(object_id))
    if events and not full:
        tickets.update(db.session.scalars(select(TicketEvent.ticket_id).where(TicketEvent.id.in_(events))))
    return tickets, full or len(tickets) > MAX_INCREMENTAL_TICKETS, terms


def _refresh_tickets(period: Period, old: list[TicketRecord], changed: set[int]) -> list[TicketRecord]:
    keep = [record for record in old if int(record.key) not in changed]
    fresh = load_tickets(period.start, period.end, changed) if changed else []
    merged = keep + fresh
    if fresh:
        reported = dict(db.session.execute(select(Ticket.id, Ticket.reported_at).where(Ticket.id.in_(changed))).all())
        merged.sort(key=lambda r: (reported.get(int(r.key), r.reported_at), int(r.key)))
    return merged


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
        audit_id, evidence, links = _audit_id(), _evidence_version(), _links_version()
        with self.lock:
            entry = self.entries.get(key)
        if entry is not None and (entry.audit_id, entry.evidence, entry.links) == (audit_id, evidence, links):
            return entry
        entry = self._refreshed(entry, period, audit_id, evidence, links)
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return entry

    def _refreshed(
        self, entry: Entry | None, period: Period, audit_id: int, evidence: tuple[Any, ...], links: tuple[Any, ...]
    ) -> Entry:
        if entry is None:
            return Entry(audit_id, evidence, links, load_inputs(period))
        changed, full, terms_changed = _changed_tickets(entry.audit_id)
        tickets = None if full else _refresh_tickets(period, list(entry.inputs.tickets), changed)
        targets: list[TargetRecord] | None = None if evidence != entry.evidence else list(entry.inputs.targets)
        if targets is not None and audit_id != entry.audit_id:
            targets = None if _targets_changed(entry.audit_id) else targets
        inputs = load_inputs(period, tickets=tickets, targets=targets)
        memo = {} if terms_changed or full else entry.memo
        return Entry(audit_id, evidence, links, inputs, memo)


def _targets_changed(since: int) -> bool:
    return (
        db.session.scalar(
            select(AuditRecord.id).where(AuditRecord.id > since, AuditRecord.object_type == "targets").limit(1)
        )
        is not None
    )


CACHE = InputCache()
