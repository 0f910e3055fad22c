"""Reading what each document shows: the measured figures and the records, as reports/data.py's plain values."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from slatrack.clock import utcnow, zone_name
from slatrack.extensions import db
from slatrack.measure.indicators import IndicatorEvaluation
from slatrack.measure.periods import Period, month_period, quarter_period, year_period
from slatrack.measure.sla import SlaFigures, compute_sla
from slatrack.models import (
    BudgetLine,
    Contract,
    Inspection,
    Outage,
    Payment,
    Project,
    Report,
    Target,
    Ticket,
    Unit,
)
from slatrack.operations import OperationError
from slatrack.operations.figures.cache import CACHE, Entry
from slatrack.operations.figures.indicators import evaluate_indicators
from slatrack.operations.figures.report_checks import known_vendor
from slatrack.operations.figures.report_status import STATUS_LABELS, quarter_dates, revisions
from slatrack.operations.figures.report_texts import self_evaluation_texts
from slatrack.operations.monitoring.host_use import host_use
from slatrack.operations.tickets.late_review import counts as late_entry_counts
from slatrack.reports.data import (
    ContractInfo,
    InspectionInfo,
    OutageRow,
    PaymentRow,
    ProjectInfo,
    QuarterData,
    ReportState,
    SelfEvaluationData,
    TicketRow,
)

_IN_CHUNK = 500


def _aware_as_of(as_of: datetime | None) -> datetime:
    as_of = as_of or utcnow()
    if as_of.tzinfo is None:
        raise OperationError("as_of 必须带时区", fields={"as_of": "应为带时区的 ISO 8601 时间"})
    return as_of


def _measured(entry: Entry, period: Period, moment: datetime) -> SlaFigures:
    """``compute_sla`` of a part of the entry's period (the engine cuts the inputs to it), remembered."""
    return entry.measured(
        (period.start, period.end, moment), lambda: compute_sla(entry.inputs, period, moment, entry.memo, entry.sums)
    )


def quarterly_data(
    label: str, as_of: datetime | None = None, *, records: bool = True, prepared_at: datetime | None = None
) -> QuarterData:
    """Measure the quarter, each of its months and the year to date, and read the records the report lists.

    All three periods are computed by the SLA engine (``compute_sla``) on the fiscal year's records as the
    input cache holds them — the very entry ``evaluate_indicators`` measures the year from — so a report
    reads the records once instead of once per period. The engine cuts its inputs to the period it is asked
    for, so the figures equal ``measure_period`` of the quarter or month (what ``GET /api/v1/sla`` serves);
    the tests compare them. ``records=False`` leaves out the record sheets' rows; ``prepared_at`` is the
    document's date (default now).
    """
    quarter_dates(label)  # a clear 422 naming the field for a bad label
    tz = zone_name()
    period = quarter_period(label, tz)
    as_of = _aware_as_of(as_of)
    entry = CACHE.get(year_period(period.first_day.year, tz))
    moment = as_of.astimezone(UTC)
    figures = _measured(entry, period, moment)
    months = [(month, _measured(entry, month_period(month, tz), moment).total) for month in period.months()]
    year_as_of = min(as_of, period.end)
    try:
        evaluation: IndicatorEvaluation | None = evaluate_indicators(period.first_day.year, year_as_of)
    except OperationError as exc:
        if exc.status != 404:
            raise
        evaluation = None
    stored = db.session.scalar(select(Report).where(Report.kind == "quarterly", Report.period == label))
    report = None
    if stored is not None:
        report = ReportState(
            status=stored.status,
            status_label=STATUS_LABELS[stored.status],
            problems=stored.problems,
            next_plan=stored.next_plan,
            submitted_at=stored.submitted_at,
            submitted=bool(stored.frozen_figures),
            revisions=revisions(stored) if stored.frozen_figures else {},
        )
    changes = [
        o for o in figures.total.ticket_outcomes if not o.cancelled and o.record.category in ("patch", "optimization")
    ]
    return QuarterData(
        label=label,
        period=period,
        as_of=as_of,
        figures=figures,
        months=months,
        evaluation=evaluation,
        report=report,
        units={u.code: u.name for u in db.session.scalars(select(Unit))},
        # Outage rows name probe outages' targets by name and stored (manual) ones by target id.
        targets={str(t.id): t.name for t in db.session.scalars(select(Target))},
        contracts=[
            ContractInfo(c.code, c.name, c.start_date, c.end_date, known_vendor(c.vendor))
            for c in db.session.scalars(select(Contract).order_by(Contract.start_date))
            if c.code in figures.contracts
        ],
        maintenance_projects=set() if evaluation is None else _maintenance_projects(evaluation.year),
        inspections=_inspections(period.months()),
        ticket_titles=_ticket_titles([int(o.record.key) for o in changes if o.record.key.isdigit()]),
        prepared_at=prepared_at or utcnow(),
        tickets=_tickets(period.start, period.end) if records else [],
        outages=_outages(period.start, period.end),  # few; section 四 reads their cause and handling
        payments=_payments(period.first_day.year, period.last_day) if records else [],
        late_entries=late_entry_counts(period.start, period.end),
        host_use=host_use(period.start, period.end),
    )


def _maintenance_projects(year: int) -> set[str]:
    """The projects paying for the maintenance contracts (their budget lines name a contract)."""
    rows = db.session.scalars(
        select(Project.code)
        .join(BudgetLine, BudgetLine.project_id == Project.id)
        .where(Project.fiscal_year == year, BudgetLine.contract_id.is_not(None))
    )
    return set(rows)


def _inspections(months: list[str]) -> list[InspectionInfo]:
    return [
        InspectionInfo(i.month, i.kind, i.performed_at, i.performed_by, i.passed, i.findings, i.origin)
        for i in db.session.scalars(
            select(Inspection).where(Inspection.month.in_(months)).order_by(Inspection.performed_at, Inspection.id)
        )
    ]


def _ticket_titles(ids: list[int]) -> dict[str, str]:
    titles: dict[str, str] = {}
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        for ticket_id, title in db.session.execute(select(Ticket.id, Ticket.title).where(Ticket.id.in_(chunk))):
            titles[str(ticket_id)] = title
    return titles


def _tickets(start: datetime, end: datetime) -> list[TicketRow]:
    query = (
        # Plain columns, not ORM objects: a busy quarter holds thousands of tickets.
        select(
            Ticket.id, Ticket.number, Unit.name, Ticket.requester, Ticket.channel, Ticket.mode, Ticket.category,
            Ticket.priority, Ticket.title, Ticket.reported_at, Ticket.status, Contract.code,
        )
        .join(Unit, Unit.id == Ticket.unit_id)
        .outerjoin(Contract, Contract.id == Ticket.contract_id)
        .where(Ticket.reported_at >= start, Ticket.reported_at < end)
        .order_by(Ticket.reported_at, Ticket.id)
    )  # fmt: skip
    return [
        TicketRow(
            tid, number, unit, requester, channel, mode, category, priority, title, reported, status, contract or ""
        )
        for tid, number, unit, requester, channel, mode, category, priority, title, reported, status, contract
        in db.session.execute(query)
    ]  # fmt: skip


def _outages(start: datetime, end: datetime) -> list[OutageRow]:
    query = (
        select(Outage, Target.name, Target.critical)
        .join(Target, Target.id == Outage.target_id)
        .where(Outage.start < end, or_(Outage.end.is_(None), Outage.end > start))
        .options(selectinload(Outage.tickets), selectinload(Outage.exclusions))
        .order_by(Outage.start, Outage.id)
    )
    return [
        OutageRow(
            id=outage.id,
            target=target,
            source=outage.source,
            start=outage.start,
            end=outage.end,
            cause=outage.cause,
            handling=outage.handling,
            tickets=tuple(t.number for t in outage.tickets),
            exclusions=tuple((e.category, e.reason) for e in outage.exclusions),
            critical=critical,
        )
        for outage, target, critical in db.session.execute(query)
    ]


def _payments(year: int, last: date) -> list[PaymentRow]:
    query = (
        select(Payment, BudgetLine.name, Project.name)
        .join(BudgetLine, BudgetLine.id == Payment.budget_line_id)
        .join(Project, Project.id == BudgetLine.project_id)
        .where(BudgetLine.fiscal_year == year, Payment.paid_on <= last)
        .order_by(Payment.paid_on, Payment.id)
    )
    return [
        PaymentRow(p.paid_on, project, line, p.amount, p.voucher, p.note)
        for p, line, project in db.session.execute(query)
    ]


def self_evaluation_data(year: int, as_of: datetime | None = None) -> SelfEvaluationData:
    """The year's evaluation, its projects as the forms describe them, and the texts people entered."""
    as_of = _aware_as_of(as_of)
    evaluation = evaluate_indicators(year, as_of)
    projects: dict[str, ProjectInfo] = {}
    for project in db.session.scalars(select(Project).where(Project.fiscal_year == year)):
        sources = {
            line.code: line.source
            for line in db.session.scalars(select(BudgetLine).where(BudgetLine.project_id == project.id))
        }
        projects[project.code] = ProjectInfo(
            code=project.code,
            name=project.name,
            department=project.department,
            implementer=project.implementer,
            annual_goal=project.annual_goal,
            total_amount=project.total_amount,
            fiscal_allocation=project.fiscal_allocation,
            line_sources=sources,
        )
    return SelfEvaluationData(year, as_of, zone_name(), utcnow(), evaluation, projects, self_evaluation_texts(year))
