"""Every figure of SPEC section 4 for a period, per contract and in total, from plain records.

The period is cut at ``as_of`` and measured once per contract whose dates it touches (the window is
period ∩ contract ∩ [.., as_of)); the total adds the contracts' time figures and summarises all
tickets together, so a quarter that crosses two contracts (2025 Q2) is reported both ways.

Choices where the SPEC is silent:

- Downtime, waiting and repair minutes are counted on the contract's service calendar, like the
  service time they are divided by (identical to wall-clock minutes on the default 7×24 calendar).
- A probe outage takes its exclusions and linked tickets from the stored outage records of the same
  target that overlap it; a ticket's first response counts only if it was given by ``as_of``.
- A major fault is a confirmed outage of a critical target longer than the contract's threshold,
  starting in the window, and not wholly covered by maintenance windows and its exclusions.
- Tickets are attributed to the contract covering their local report date; tickets reported outside
  every contract are measured in the total only, on the first contract's terms.
- Survey responses count where the period they answer for (``2025`` or ``2025Q2``) lies inside the
  measured period; per contract, where it also overlaps the contract's window.
- Time of the window when no critical target is monitored at all (none defined yet, all retired, or
  before their ``monitored_since``) is unknown: a monitor that did not watch proves no uptime.
- Monitoring months and submitted reports per contract are those of the months/quarters its window
  touches; a month or quarter shared by two contracts counts in both, and once in the total.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slatrack.measure import downtime as dt
from slatrack.measure.calendars import Calendar
from slatrack.measure.deadlines import SlaTerms
from slatrack.measure.evidence import TargetEvidence, evaluate
from slatrack.measure.inspections import MonitoringFigures, monitoring_months
from slatrack.measure.intervals import Interval, normalize, subtract
from slatrack.measure.outage_rows import OutageRow as OutageRow  # re-exported: reports name it from here
from slatrack.measure.outage_rows import merge_rows
from slatrack.measure.periods import Period, period_from_label, require_aware
from slatrack.measure.rates import percent
from slatrack.measure.satisfaction import SatisfactionFigures, satisfaction_figures
from slatrack.measure.sla_inputs import ContractTerms, OutageRecord, SlaInputs
from slatrack.measure.sums import FigureSums
from slatrack.measure.tickets import OutcomeMemo, TicketFigures, TicketOutcome, TicketRecord, evaluate_tickets


@dataclass(frozen=True)
class ScopeFigures:
    """The figures of one scope: a contract's window, or the whole period."""

    scope: str
    window: Interval | None
    service_minutes: float
    downtime_minutes: float
    wait_minutes: float
    repair_minutes: float
    maintenance_minutes: float
    excluded_minutes: float
    unknown_minutes: float
    transient_failures: int
    failure_rate: float | None
    tickets: TicketFigures
    monitoring: MonitoringFigures
    reports_submitted: tuple[str, ...]
    major_faults: tuple[Interval, ...]
    satisfaction: SatisfactionFigures
    outages: tuple[OutageRow, ...] = ()
    downtime_rows: tuple[dt.WaitRepairRow, ...] = ()
    ticket_outcomes: tuple[TicketOutcome, ...] = field(default=(), repr=False)

    def as_json(self) -> dict[str, Any]:
        """The keys of SPEC section 6, durations rounded to two decimals."""
        counts = self.tickets.overall
        return {
            "service_minutes": round(self.service_minutes, 2),
            "downtime_minutes": round(self.downtime_minutes, 2),
            "wait_minutes": round(self.wait_minutes, 2),
            "repair_minutes": round(self.repair_minutes, 2),
            "maintenance_minutes": round(self.maintenance_minutes, 2),
            "excluded_minutes": round(self.excluded_minutes, 2),
            "unknown_minutes": round(self.unknown_minutes, 2),
            "transient_failures": self.transient_failures,
            "failure_rate": self.failure_rate,
            "tickets": counts.tickets,
            "responded_in_time": counts.responded_in_time,
            "breached": counts.breached,
            "pending": counts.pending,
            "response_rate": counts.response_rate,
            "answered_rate": counts.answered_rate,
            "resolution_rate": counts.resolution_rate,
            "median_resolution_minutes": (
                None if counts.median_resolution_minutes is None else round(counts.median_resolution_minutes, 2)
            ),
            "cancelled": self.tickets.cancelled,
            "consultations": self.tickets.consultations,
            "monitoring_months": self.monitoring.count,
            "reports_submitted": len(self.reports_submitted),
            "major_faults": len(self.major_faults),
            "satisfaction_rate": self.satisfaction.rate,
            "satisfaction_coverage": self.satisfaction.coverage,
        }


@dataclass(frozen=True)
class SlaFigures:
    period: Period
    as_of: datetime
    total: ScopeFigures
    contracts: dict[str, ScopeFigures]

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.period.first_day.isoformat(),
            "to": self.period.last_day.isoformat(),
            "as_of": self.as_of.isoformat(),
            **self.total.as_json(),
            "contracts": {code: scope.as_json() for code, scope in self.contracts.items()},
        }


def _calendar_minutes(calendar: Calendar, intervals: Iterable[Interval]) -> float:
    return sum((calendar.minutes_between(i.start, i.end) for i in intervals), 0.0)


def _label_span(label: str, tz: str) -> Period | None:
    try:
        return period_from_label(label, tz)
    except ValueError:
        return None


class _Engine:
    """Measures one period at one ``as_of``; evidence per target is evaluated once per window."""

    def __init__(
        self, inputs: SlaInputs, period: Period, as_of: datetime, memo: OutcomeMemo | None, sums: FigureSums | None
    ) -> None:
        self.inputs = inputs
        self.memo = memo
        self.sums = sums if sums is not None else FigureSums()
        self.period = period
        self.as_of = require_aware(as_of, "as_of")
        self.records_by_target: dict[str, list[OutageRecord]] = {}
        for record in inputs.outage_records:
            self.records_by_target.setdefault(record.target, []).append(record)
        self.maintenance = normalize(inputs.maintenance_windows)

    def window(self, contract: ContractTerms) -> Interval | None:
        part = self.period.intersect(contract.span)
        if part is None:
            return None
        end = min(part.end, self.as_of)
        return Interval(part.start, end) if end > part.start else None

    def _matching(self, target: str, start: datetime, end: datetime) -> list[OutageRecord]:
        return [
            r
            for r in self.records_by_target.get(target, [])
            if r.source == "probe" and r.start < end and (r.end is None or r.end > start)
        ]

    def _answered(self, responses: Iterable[datetime | None]) -> tuple[datetime | None, ...]:
        return tuple(r if r is not None and r <= self.as_of else None for r in responses)

    def monitoring_scope(
        self, window: Interval, calendar: Calendar, major_fault_minutes: float
    ) -> tuple[dt.DowntimeResult, dt.WaitRepair, list[Interval], int, list[Interval], list[OutageRow], float]:
        critical: list[dt.OutageSpan] = []
        manual: list[dt.OutageSpan] = []
        links: list[dt.OutageLink] = []
        unknown: list[tuple[Interval, ...]] = []
        monitored: list[Interval] = []
        major_candidates: list[Interval] = []
        rows: list[OutageRow] = []
        transient = 0
        for target in self.inputs.targets:
            evidence: TargetEvidence = evaluate(
                target.segments,
                target.confirm_failures,
                window.start,
                window.end,
                self.as_of,
                target.monitored_since,
                target.retired_at,
            )
            transient += evidence.transient_failures
            if not target.critical:
                continue
            unknown.append(evidence.unknown)
            if evidence.window is not None:
                monitored.append(evidence.window)
            for outage in evidence.outages:
                full_end = outage.end if outage.end is not None else self.as_of
                records = self._matching(target.key, outage.start, full_end)
                exclusions = tuple(e for r in records for e in r.exclusions)
                critical.append(dt.OutageSpan(outage.measured, exclusions))
                responses = tuple(x for r in records for x in self._answered(r.first_responses))
                links.append(dt.OutageLink(Interval(outage.start, full_end), responses))
                removed = subtract([Interval(outage.start, full_end)], [*self.maintenance, *exclusions])
                if removed:
                    major_candidates.append(Interval(outage.start, full_end))
                rows.append(
                    OutageRow(
                        key=records[0].key if records else "",
                        target=target.name,
                        source="probe",
                        start=outage.start,
                        end=outage.end,
                        cause=records[0].cause if records else "",
                        measured_minutes=outage.measured.duration.total_seconds() / 60,
                        excluded=not removed,
                    )
                )
        for record in self.inputs.outage_records:
            if record.source != "manual" or record.start >= window.end:
                continue
            end = min(record.end or self.as_of, self.as_of)
            if end <= window.start or end <= record.start:
                continue
            span = Interval(record.start, end)
            manual.append(dt.OutageSpan(span, record.exclusions))
            links.append(dt.OutageLink(span, self._answered(record.first_responses)))
            removed = subtract([span], [*self.maintenance, *record.exclusions])
            rows.append(
                OutageRow(
                    key=record.key,
                    target=record.target,
                    source="manual",
                    start=record.start,
                    end=record.end,
                    cause=record.cause,
                    measured_minutes=max(
                        0.0, (min(end, window.end) - max(record.start, window.start)).total_seconds() / 60
                    ),
                    excluded=not removed,
                )
            )
        result = dt.system_downtime(critical, manual, self.maintenance, window)
        split = dt.wait_and_repair(result.intervals, links)
        # Time when no critical target is monitored at all proves nothing either: it is unknown too.
        unknown.append(tuple(subtract([window], monitored)))
        system_unknown = dt.system_unknown(unknown, result.intervals, window)
        majors = dt.major_faults(major_candidates, window, major_fault_minutes)
        rows.sort(key=lambda row: (row.start, row.target))
        service = calendar.minutes_between(window.start, window.end)
        return result, split, system_unknown, transient, majors, rows, service

    def scope(
        self,
        name: str,
        window: Interval | None,
        calendar: Calendar | None,
        major_fault_minutes: float,
        outcomes: Sequence[TicketOutcome],
        in_scope: Callable[[Period], bool],
    ) -> ScopeFigures:
        tickets = self.sums.ticket_figures(self.inputs, (self.period.start, self.period.end, name), outcomes, self.memo)
        cut = self.period.cut(self.as_of)
        inspections_period = cut if window is None else Period(window.start, window.end, self.period.tz)
        monitoring = monitoring_months(self.inputs.inspections, inspections_period, self.as_of)
        quarters = set(self.period.quarters())
        reports = tuple(
            sorted(
                {
                    label
                    for label, submitted_at in self.inputs.submitted_reports
                    if submitted_at <= self.as_of
                    and label in quarters
                    and (span := _label_span(label, self.period.tz))
                    and in_scope(span)
                }
            )
        )
        survey = satisfaction_figures(
            (
                response
                for label, response in self.inputs.survey
                if (span := _label_span(label, self.period.tz)) is not None
                and self.period.start <= span.start
                and span.end <= self.period.end
                and in_scope(span)
            ),
            self.inputs.unit_count,
            self.as_of,
        )
        if window is None or calendar is None:
            return ScopeFigures(
                scope=name,
                window=None,
                service_minutes=0.0,
                downtime_minutes=0.0,
                wait_minutes=0.0,
                repair_minutes=0.0,
                maintenance_minutes=0.0,
                excluded_minutes=0.0,
                unknown_minutes=0.0,
                transient_failures=0,
                failure_rate=None,
                tickets=tickets,
                monitoring=monitoring,
                reports_submitted=reports,
                major_faults=(),
                satisfaction=survey,
                ticket_outcomes=tuple(outcomes),
            )
        key = (name, window, major_fault_minutes)  # the calendar is the scope's, fixed with the inputs
        result, split, unknown, transient, majors, rows, service = self.sums.monitoring(
            self.inputs, key, self.as_of, lambda: self.monitoring_scope(window, calendar, major_fault_minutes)
        )
        waiting = [
            Interval(r.start, r.repair_start or r.end) for r in split.rows if (r.repair_start or r.end) > r.start
        ]
        repairing = [Interval(r.repair_start, r.end) for r in split.rows if r.repair_start and r.end > r.repair_start]
        wait = _calendar_minutes(calendar, waiting)
        repair = _calendar_minutes(calendar, repairing)
        return ScopeFigures(
            scope=name,
            window=window,
            service_minutes=service,
            downtime_minutes=_calendar_minutes(calendar, result.intervals),
            wait_minutes=wait,
            repair_minutes=repair,
            maintenance_minutes=result.maintenance_minutes,
            excluded_minutes=result.excluded_minutes,
            unknown_minutes=_calendar_minutes(calendar, unknown),
            transient_failures=transient,
            failure_rate=percent(wait + repair, service),
            tickets=tickets,
            monitoring=monitoring,
            reports_submitted=reports,
            major_faults=tuple(majors),
            satisfaction=survey,
            outages=tuple(rows),
            downtime_rows=split.rows,
            ticket_outcomes=tuple(outcomes),
        )


def _always(span: Period) -> bool:
    return True


def _overlapping(window: Period) -> Callable[[Period], bool]:
    def overlaps(span: Period) -> bool:
        return span.intersect(window) is not None

    return overlaps


def _contract_of(contracts: Sequence[ContractTerms], record: TicketRecord) -> ContractTerms | None:
    for contract in contracts:
        if contract.span.contains(record.reported_at):
            return contract
    return None


def compute_sla(
    inputs: SlaInputs,
    period: Period,
    as_of: datetime,
    memo: OutcomeMemo | None = None,
    sums: FigureSums | None = None,
) -> SlaFigures:
    """All figures of the period at ``as_of``, per contract (that the period touches) and in total.

    ``memo`` is passed to ``evaluate_tickets`` (settled tickets' outcomes, kept by the caller); ``sums``
    (sums.py, kept by the caller for these inputs) keeps the settled parts' tallies between calls.
    """
    engine = _Engine(inputs, period, as_of, memo, sums)
    contracts = [c for c in inputs.contracts if period.intersect(c.span) is not None]
    default_terms = inputs.contracts[0].terms if inputs.contracts else SlaTerms()

    def terms_for(record: TicketRecord) -> SlaTerms:
        contract = _contract_of(inputs.contracts, record)
        return contract.terms if contract is not None else default_terms

    outcomes = evaluate_tickets(inputs.tickets, period, engine.as_of, terms_for, memo)
    scopes: dict[str, ScopeFigures] = {}
    for contract in contracts:
        window = engine.window(contract)
        start, end = contract.span.start, contract.span.end
        mine = [o for o in outcomes if start <= o.record.reported_at < end]  # contract.span.contains, inlined
        scopes[contract.code] = engine.scope(
            contract.code,
            window,
            contract.calendar,
            contract.major_fault_minutes,
            mine,
            _overlapping(contract.span),
        )
    total = _total(engine, scopes, outcomes)
    return SlaFigures(period=period, as_of=engine.as_of, total=total, contracts=scopes)


def _total(engine: _Engine, scopes: dict[str, ScopeFigures], outcomes: Sequence[TicketOutcome]) -> ScopeFigures:
    base = engine.scope("total", None, None, 0.0, outcomes, _always)
    parts = list(scopes.values())
    service = sum(s.service_minutes for s in parts)
    wait = sum(s.wait_minutes for s in parts)
    repair = sum(s.repair_minutes for s in parts)
    windows = [s.window for s in parts if s.window is not None]
    return ScopeFigures(
        scope="total",
        window=Interval(min(w.start for w in windows), max(w.end for w in windows)) if windows else None,
        service_minutes=service,
        downtime_minutes=sum(s.downtime_minutes for s in parts),
        wait_minutes=wait,
        repair_minutes=repair,
        maintenance_minutes=sum(s.maintenance_minutes for s in parts),
        excluded_minutes=sum(s.excluded_minutes for s in parts),
        unknown_minutes=sum(s.unknown_minutes for s in parts),
        transient_failures=sum(s.transient_failures for s in parts),
        failure_rate=percent(wait + repair, service),
        tickets=base.tickets,
        monitoring=base.monitoring,
        reports_submitted=base.reports_submitted,
        major_faults=tuple(sorted({m for s in parts for m in s.major_faults})),
        satisfaction=base.satisfaction,
        outages=merge_rows(row for s in parts for row in s.outages),
        downtime_rows=tuple(row for s in parts for row in s.downtime_rows),
        ticket_outcomes=tuple(outcomes),
    )
