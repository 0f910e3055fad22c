"""The summed path (settled tallies and kept monitoring parts, measure/sums.py) equals a full replay.

Random years of tickets, evidence and outage records; one ``FigureSums`` and one outcome memo kept across
a random sequence of ``as_of`` values (later, earlier, inside and after the period), as the figures cache
keeps them; every result compared with ``compute_sla`` from nothing, field by field.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from slatrack.measure.deadlines import SlaTerms
from slatrack.measure.intervals import Interval
from slatrack.measure.lifecycle import Event
from slatrack.measure.periods import contract_span, period_from_dates, quarter_period, year_period
from slatrack.measure.segments import Observation, build_segments
from slatrack.measure.sla import compute_sla
from slatrack.measure.sla_inputs import ContractTerms, OutageRecord, SlaInputs, TargetRecord
from slatrack.measure.sums import FigureSums, evidence_horizon
from slatrack.measure.tickets import OutcomeMemo, TicketRecord, evaluate_tickets, summarize

START = datetime(2025, 3, 1, tzinfo=UTC)
DAYS = 150
CATEGORIES = ["consult", "fault", "data", "patch", "optimization"]


def _tickets(rng: random.Random, count: int) -> list[TicketRecord]:
    tickets = []
    for n in range(count):
        reported = START + timedelta(minutes=rng.randint(0, DAYS * 1440))
        events: list[Event] = []
        at = reported
        shape = rng.random()
        if shape < 0.1:
            events.append(Event("cancel", at + timedelta(minutes=rng.randint(1, 60)), "重复"))
        elif shape > 0.15:
            at += timedelta(minutes=rng.randint(1, 300))
            events.append(Event("respond", at))
            if rng.random() < 0.2:
                at += timedelta(minutes=rng.randint(1, 200))
                events.append(Event("pause", at, "等待甲方"))
                at += timedelta(minutes=rng.randint(1, 2000))
                events.append(Event("resume", at))
            if rng.random() < 0.85:
                at += timedelta(minutes=rng.randint(1, 5000))
                events.append(Event("resolve", at))
                if rng.random() < 0.8:
                    at += timedelta(hours=rng.randint(1, 60))
                    events.append(Event("close", at))
        tickets.append(
            TicketRecord(
                str(n),
                f"YW-{n:04d}",
                rng.choice(["522701", "522702", "522722"]),
                rng.choice(CATEGORIES),
                rng.choice(["P1", "P2", "P3", "P4"]),
                rng.choice(["电话", "微信"]),
                rng.choice(["远程", "上门"]),
                reported,
                tuple(events),
            )
        )
    return tickets


def _target(rng: random.Random, key: str, critical: bool) -> TargetRecord:
    observations = []
    at = START - timedelta(days=2)
    end = START + timedelta(days=DAYS + rng.choice([-40, 0, 20]))
    while at < end:
        if rng.random() < 0.02:
            at += timedelta(minutes=rng.randint(5, 600))  # a gap: unknown time
        failing = rng.random() < 0.05
        for _ in range(rng.randint(1, 8) if failing else 1):
            observations.append(Observation(at, not failing))
            at += timedelta(minutes=30)
        at += timedelta(minutes=30 * rng.randint(1, 20))
    return TargetRecord(key, f"目标{key}", critical, rng.randint(1, 4), build_segments(observations, 1800))


def _inputs(rng: random.Random, open_record: bool) -> SlaInputs:
    contracts = [
        ContractTerms("OM-2023", contract_span("2024-08-26", "2025-04-13"), SlaTerms(), 120.0),
        ContractTerms("OM-2025", contract_span("2025-04-14", "2025-12-31"), SlaTerms()),
    ]
    targets = [_target(rng, str(n), n < 3) for n in range(4)]
    records = []
    for n in range(6):
        start = START + timedelta(days=rng.randint(0, DAYS), minutes=rng.randint(0, 1440))
        end = None if open_record and n == 0 else start + timedelta(minutes=rng.randint(10, 900))
        exclusions = (Interval(start, start + timedelta(minutes=30)),) if rng.random() < 0.3 else ()
        responses = (start + timedelta(minutes=rng.randint(1, 120)), None)
        source = "manual" if n % 3 == 0 else "probe"
        records.append(OutageRecord(f"o{n}", str(rng.randint(0, 3)), source, start, end, exclusions, responses))
    maintenance = [Interval(START + timedelta(days=d), START + timedelta(days=d, hours=3)) for d in (10, 70)]
    return SlaInputs(
        contracts=contracts,
        targets=targets,
        outage_records=records,
        maintenance_windows=maintenance,
        tickets=_tickets(rng, 400),
    )


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), open_record=st.booleans())
def test_summed_figures_equal_a_full_replay_at_any_as_of(seed: int, open_record: bool) -> None:
    rng = random.Random(seed)
    inputs = _inputs(rng, open_record)
    memo: OutcomeMemo = {}
    sums = FigureSums()
    periods = [year_period(2025), quarter_period("2025Q2"), period_from_dates("2025-04-01", "2025-04-30")]
    moments = [START + timedelta(days=rng.uniform(0, DAYS + 60)) for _ in range(8)]
    moments += [START + timedelta(days=DAYS + 300), START + timedelta(days=DAYS + 301)]  # past every deadline
    for as_of in moments:
        period = rng.choice(periods)
        kept = compute_sla(inputs, period, as_of, memo, sums)
        assert kept == compute_sla(inputs, period, as_of), (period, as_of)


def test_settled_tallies_are_kept_and_monitoring_parts_reused_past_the_horizon() -> None:
    rng = random.Random(7)
    inputs = _inputs(rng, open_record=False)
    # Tickets never answered or resolved (cancelled ones) stay live: their overdue minutes run to as_of.
    done = [t for t in inputs.tickets if {"respond", "resolve"} <= {e.type for e in t.events}]
    inputs = dataclasses.replace(inputs, tickets=done)
    horizon = evidence_horizon(inputs)
    assert horizon is not None
    memo: OutcomeMemo = {}
    sums = FigureSums()
    period = year_period(2025)
    first = compute_sla(inputs, period, horizon + timedelta(days=400), memo, sums)
    second = compute_sla(inputs, period, horizon + timedelta(days=401), memo, sums)
    assert second.total.tickets is first.total.tickets  # every ticket settled: the kept figures
    assert second.contracts["OM-2025"].downtime_rows is first.contracts["OM-2025"].downtime_rows
    assert second == compute_sla(inputs, period, horizon + timedelta(days=401))


def test_an_open_outage_record_has_no_horizon() -> None:
    assert evidence_horizon(_inputs(random.Random(3), open_record=True)) is None


def test_tally_of_any_outcomes_equals_summarize() -> None:
    rng = random.Random(11)
    tickets = _tickets(rng, 600)
    as_of = START + timedelta(days=90)
    outcomes = evaluate_tickets(tickets, year_period(2025), as_of, SlaTerms())
    inputs = SlaInputs(contracts=[], tickets=tickets)
    assert FigureSums().ticket_figures(inputs, "all", outcomes, None) == summarize(outcomes)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_tallies_carried_to_reread_records_equal_a_full_replay(seed: int) -> None:
    """Records read again after a change (as the figures cache does): one ticket changed, one inserted early."""
    rng = random.Random(seed)
    inputs = _inputs(rng, open_record=False)
    memo: OutcomeMemo = {}
    sums = FigureSums()
    period = year_period(2025)
    as_of = START + timedelta(days=rng.uniform(30, DAYS + 60))
    compute_sla(inputs, period, as_of, memo, sums)
    compute_sla(inputs, quarter_period("2025Q2"), as_of, memo, sums)
    tickets = [dataclasses.replace(t) for t in inputs.tickets]  # new record objects, equal to the old ones
    changed = rng.randrange(len(tickets))
    tickets[changed] = dataclasses.replace(tickets[changed], events=(), category="patch")
    tickets.insert(rng.randrange(len(tickets)), dataclasses.replace(_tickets(rng, 1)[0], key="new"))
    reread = dataclasses.replace(inputs, tickets=tickets)
    carried: OutcomeMemo = {
        t.key: (t, memo[t.key][1], memo[t.key][2]) for t in tickets if t.key in memo and memo[t.key][0] == t
    }
    carried_sums = sums.carried(reread)
    for moment in (as_of, as_of + timedelta(days=rng.uniform(0, 90))):
        for part in (period, quarter_period("2025Q2")):
            assert compute_sla(reread, part, moment, carried, carried_sums) == compute_sla(reread, part, moment)
