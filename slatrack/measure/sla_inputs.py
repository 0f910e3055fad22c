"""The plain records the SLA engine (sla.py) measures: contracts with their terms, outage and target records
with their evidence, tickets, inspections, survey responses and reports, gathered in SlaInputs.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from slatrack.measure import downtime as dt
from slatrack.measure.calendars import Calendar
from slatrack.measure.deadlines import SlaTerms
from slatrack.measure.inspections import Inspection
from slatrack.measure.intervals import Interval
from slatrack.measure.periods import Period
from slatrack.measure.satisfaction import SurveyResponse
from slatrack.measure.segments import Segment
from slatrack.measure.tickets import (
    TicketRecord,
)


@dataclass(frozen=True)
class ContractTerms:
    code: str
    span: Period  # the contract's inclusive local dates as an instant interval
    terms: SlaTerms
    major_fault_minutes: float = dt.DEFAULT_MAJOR_FAULT_MINUTES

    @property
    def calendar(self) -> Calendar:
        return self.terms.calendar


@dataclass(frozen=True)
class OutageRecord:
    """A stored outage (probe or manual) with its adjudication and its linked tickets' first responses."""

    key: str
    target: str
    source: str  # "probe" or "manual"
    start: datetime
    end: datetime | None
    exclusions: tuple[Interval, ...] = ()
    first_responses: tuple[datetime | None, ...] = ()
    cause: str = ""


@dataclass(frozen=True)
class TargetRecord:
    key: str
    name: str
    critical: bool
    confirm_failures: int
    segments: Sequence[Segment]
    monitored_since: datetime | None = None
    retired_at: datetime | None = None


@dataclass(frozen=True)
class SlaInputs:
    contracts: Sequence[ContractTerms]
    targets: Sequence[TargetRecord] = ()
    outage_records: Sequence[OutageRecord] = ()
    maintenance_windows: Sequence[Interval] = ()  # approved ones only
    tickets: Sequence[TicketRecord] = ()
    inspections: Sequence[Inspection] = ()
    submitted_reports: Sequence[tuple[str, datetime]] = ()  # (quarter label, submitted at)
    survey: Sequence[tuple[str, SurveyResponse]] = ()  # (period label, response)
    unit_count: int = 13
