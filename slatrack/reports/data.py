"""The plain figures and rows each document is built from, handed over by operations/figures/documents.py.

Nothing here reads the database: a document is a function of these values, so the same values always give
the same document, and the tests and benches can build one from figures alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from slatrack.measure.indicators import IndicatorEvaluation
from slatrack.measure.periods import Period
from slatrack.measure.sla import ScopeFigures, SlaFigures


@dataclass(frozen=True)
class ContractInfo:
    code: str
    name: str
    start_date: date
    end_date: date
    vendor: str


@dataclass(frozen=True)
class InspectionInfo:
    month: str
    kind: str
    performed_at: datetime
    performed_by: str
    passed: bool
    findings: str
    origin: str


@dataclass(frozen=True)
class ReportState:
    """A quarter's stored report: its status, texts and, once submitted, the figures revised since."""

    status: str
    status_label: str
    problems: str
    next_plan: str
    submitted_at: datetime | None
    submitted: bool
    revisions: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class TicketRow:
    id: int
    number: str
    unit: str
    requester: str
    channel: str
    mode: str
    category: str
    priority: str
    title: str
    reported_at: datetime
    status: str
    contract: str


@dataclass(frozen=True)
class OutageRow:
    id: int
    target: str
    source: str
    start: datetime
    end: datetime | None
    cause: str
    tickets: tuple[str, ...]
    exclusions: tuple[tuple[str, str], ...]  # (category, reason)
    handling: str = ""
    critical: bool = True  # the target's: a non-critical target's probe outage is listed, never counted


@dataclass(frozen=True)
class HostUse:
    """A monitored host's resource use over the quarter (percent): mean and peak, from its host checks."""

    target: str
    samples: int
    cpu_avg: float | None
    cpu_max: float | None
    memory_avg: float | None
    memory_max: float | None
    disk_avg: float | None
    disk_max: float | None


@dataclass(frozen=True)
class PaymentRow:
    paid_on: date
    project: str
    line: str
    amount: Decimal
    voucher: str
    note: str


@dataclass(frozen=True)
class QuarterData:
    """Everything the quarterly report shows: the quarter, its months, the year to date, and the records."""

    label: str
    period: Period
    as_of: datetime
    figures: SlaFigures
    months: list[tuple[str, ScopeFigures]]
    evaluation: IndicatorEvaluation | None
    report: ReportState | None
    units: dict[str, str]  # code → name
    targets: dict[str, str]  # id → name
    contracts: list[ContractInfo]  # the contracts the quarter's figures cover, by start date
    maintenance_projects: set[str]  # projects paying for the maintenance contracts
    inspections: list[InspectionInfo]  # the quarter's months, by performed_at
    ticket_titles: dict[str, str]  # ticket id → title, for the patch and optimization tickets
    prepared_at: datetime  # when the document is made (编制日期)
    tickets: list[TicketRow] = field(default_factory=list)  # the record sheets (the workbook only)
    outages: list[OutageRow] = field(default_factory=list)
    payments: list[PaymentRow] = field(default_factory=list)
    # Late entries (补记) of the quarter by status: pending and rejected counted at entry, the others as stated.
    late_entries: dict[str, int] = field(default_factory=dict)
    host_use: list[HostUse] = field(default_factory=list)  # per host target, from the hourly aggregates


@dataclass(frozen=True)
class ProjectTexts:
    achieved: str  # 年度总体目标完成情况
    notes: str  # 其他需要说明的问题


@dataclass(frozen=True)
class ProjectInfo:
    code: str
    name: str
    department: str
    implementer: str
    annual_goal: str
    total_amount: Decimal
    fiscal_allocation: Decimal
    line_sources: dict[str, str]  # budget line code → funding source (财政拨款 ...)


@dataclass(frozen=True)
class SelfEvaluationData:
    year: int
    as_of: datetime
    tz: str
    prepared_at: datetime
    evaluation: IndicatorEvaluation
    projects: dict[str, ProjectInfo]
    texts: dict[str, ProjectTexts]
