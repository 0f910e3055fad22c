"""Golden scenario for the SLA engine: 2025 Q2, which crosses OM-2023 and OM-2025.

Every expected figure is worked out by hand in the comments. Times are Asia/Shanghai (+08:00).
The portal is checked every 60 s from 2025-03-31 00:00 to the end of the quarter, confirm_failures 3.

Outages (each failure holds until the next result, 60 s later):
  D  failures 03-31 23:00 .. 04-01 00:59 -> outage [03-31 23:00, 04-01 01:00), starts before the period:
     60 min inside Q2 (OM-2023). Linked ticket T6 (reported 03-31, outside the period) answered 00:30
     -> wait 30, repair 30.
  A  failures 04-05 10:00 .. 10:59 -> [10:00, 11:00) = 60 min (OM-2023). Two linked tickets: T1 answered
     10:30, T2 answered 10:10; the earliest wins -> wait 10, repair 50.
  B  failures 05-10 02:00 .. 03:59 -> [02:00, 04:00) = 120 min (OM-2025); approved maintenance 02:30-03:30
     inside it -> maintenance 60, downtime 60, no response -> wait 60.
  C  failures 06-01 08:00 .. 08:29 -> [08:00, 08:30) = 30 min (OM-2025), excluded (甲方原因) -> excluded 30.
  E  one failure 06-15 12:00 -> transient (OM-2025).
  gap: no results 06-20 10:00 .. 10:59; 09:59 holds to 10:01, next result 11:00 -> unknown 59 min (OM-2025).

Service time: OM-2023 04-01..04-13 = 13 days = 18,720 min; OM-2025 04-14..06-30 = 78 days = 112,320 min;
total 131,040 min.
OM-2023: downtime 120 (wait 40, repair 80), failure rate 120 / 18,720 = 0.641 % -> 0.64.
OM-2025: downtime 60 (wait 60), maintenance 60, excluded 30, unknown 59, transient 1,
         failure rate 60 / 112,320 = 0.0534 % -> 0.05.
Total: downtime 180, wait 100, repair 80 -> 180 / 131,040 = 0.1374 % -> 0.14.

Tickets reported in Q2 (30-minute response window for every priority, 7×24):
  T1 04-05 10:00 fault, answered 10:30: exactly on the deadline -> in time        (OM-2023)
  T2 04-05 10:05 fault, answered 10:10 -> in time                                   (OM-2023)
  T4 05-20 09:00 consult, answered 09:45 -> breached                                (OM-2025)
  T5 05-21 09:00 guidance, answered 09:05 -> in time                                (OM-2025)
  T7 05-02 09:00 consult, cancelled -> left out of everything                        (OM-2025)
  T3 06-30 23:50 consult, no answer; deadline 07-01 00:20 is after as_of -> pending (OM-2025)
OM-2023: 2 tickets, 2 in time -> 100.00 %, answered 100.00 %, consultations 0.
OM-2025: 3 tickets, 1 in time, 1 breached, 1 pending -> 1/2 = 50.00 %; answered 2/3 = 66.67 %; consultations 3.
Total: 5 tickets, 3 in time, 1 breached, 1 pending -> 3/4 = 75.00 %; answered 4/5 = 80.00 %; consultations 3.

Inspections: April both passed, May only the security check, June both -> 2 months (total);
OM-2023's window touches April only -> 1; OM-2025's touches April-June -> 2.
Reports: 2025Q2 submitted 06-30 20:00 (before as_of) -> 1; 2025Q1's is outside the period.
Survey for 2025Q2: scores 5, 2, 4 from three units -> 2/3 = 66.67 %, coverage 3/13 = 23.08 %;
the unit's answer for the whole year 2025 is not inside Q2 and is left out.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from slatrack.measure.deadlines import SlaTerms
from slatrack.measure.inspections import Inspection
from slatrack.measure.intervals import Interval
from slatrack.measure.lifecycle import Event
from slatrack.measure.periods import contract_span, quarter_period
from slatrack.measure.satisfaction import SurveyResponse
from slatrack.measure.segments import Observation, build_segments
from slatrack.measure.sla import compute_sla
from slatrack.measure.sla_inputs import ContractTerms, OutageRecord, SlaInputs, TargetRecord
from slatrack.measure.tickets import TicketRecord

CST = timezone(timedelta(hours=8))


def t(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=CST)


FAILURES = [
    (t(3, 31, 23), t(4, 1, 1)),  # D
    (t(4, 5, 10), t(4, 5, 11)),  # A
    (t(5, 10, 2), t(5, 10, 4)),  # B
    (t(6, 1, 8), t(6, 1, 8, 30)),  # C
    (t(6, 15, 12), t(6, 15, 12, 1)),  # E (one result)
]
GAP = (t(6, 20, 10), t(6, 20, 11))
AS_OF = t(7, 1)


def _observations() -> list[Observation]:
    result = []
    moment = t(3, 31)
    while moment < AS_OF:
        if not GAP[0] <= moment < GAP[1]:
            failed = any(start <= moment < end for start, end in FAILURES)
            result.append(Observation(moment, not failed))
        moment += timedelta(minutes=1)
    return result


def _ticket(key: str, reported: datetime, category: str, *events: Event) -> TicketRecord:
    return TicketRecord(key, f"YW-2025-{key}", "522701", category, "P2", "电话", "远程", reported, events)


@pytest.fixture(scope="module")
def figures():  # type: ignore[no-untyped-def]
    terms = SlaTerms()
    contracts = [
        ContractTerms("OM-2023", contract_span("2024-08-26", "2025-04-13"), terms),
        ContractTerms("OM-2025", contract_span("2025-04-14", "2025-12-31"), terms),
    ]
    target = TargetRecord("1", "门户网站", True, 3, build_segments(_observations(), 60))
    records = [
        OutageRecord("d", "1", "probe", t(3, 31, 23), t(4, 1, 1), first_responses=(t(4, 1, 0, 30),)),
        OutageRecord("a", "1", "probe", t(4, 5, 10), t(4, 5, 11), first_responses=(t(4, 5, 10, 30), t(4, 5, 10, 10))),
        OutageRecord("b", "1", "probe", t(5, 10, 2), t(5, 10, 4), first_responses=(None,)),
        OutageRecord("c", "1", "probe", t(6, 1, 8), t(6, 1, 8, 30), exclusions=(Interval(t(6, 1, 8), t(6, 1, 8, 30)),)),
    ]
    tickets = [
        _ticket("T1", t(4, 5, 10), "fault", Event("respond", t(4, 5, 10, 30))),
        _ticket("T2", t(4, 5, 10, 5), "fault", Event("respond", t(4, 5, 10, 10))),
        _ticket("T3", t(6, 30, 23, 50), "consult"),
        _ticket("T4", t(5, 20, 9), "consult", Event("respond", t(5, 20, 9, 45))),
        _ticket("T5", t(5, 21, 9), "guidance", Event("respond", t(5, 21, 9, 5)), Event("resolve", t(5, 21, 10))),
        _ticket("T6", t(3, 31, 23), "fault", Event("respond", t(4, 1, 0, 30))),
        _ticket("T7", t(5, 2, 9), "consult", Event("cancel", t(5, 2, 9, 10), "重复报修")),
    ]
    inspections = [
        Inspection("2025-04", "security", True, t(4, 10)),
        Inspection("2025-04", "backup", True, t(4, 11)),
        Inspection("2025-05", "security", True, t(5, 10)),
        Inspection("2025-06", "security", True, t(6, 10)),
        Inspection("2025-06", "backup", True, t(6, 11)),
    ]
    survey = [
        ("2025Q2", SurveyResponse("522701", 5, t(6, 25))),
        ("2025Q2", SurveyResponse("522702", 2, t(6, 25))),
        ("2025Q2", SurveyResponse("522722", 4, t(6, 26))),
        ("2025", SurveyResponse("522723", 1, t(6, 26))),
    ]
    inputs = SlaInputs(
        contracts=contracts,
        targets=[target],
        outage_records=records,
        maintenance_windows=[Interval(t(5, 10, 2, 30), t(5, 10, 3, 30))],
        tickets=tickets,
        inspections=inspections,
        submitted_reports=[("2025Q1", t(4, 3)), ("2025Q2", t(6, 30, 20))],
        survey=survey,
    )
    return compute_sla(inputs, quarter_period("2025Q2"), AS_OF).as_json()


def test_om_2023_part(figures) -> None:  # type: ignore[no-untyped-def]
    old = figures["contracts"]["OM-2023"]
    assert old["service_minutes"] == 18_720
    assert (old["downtime_minutes"], old["wait_minutes"], old["repair_minutes"]) == (120, 40, 80)
    assert old["failure_rate"] == 0.64
    assert (old["tickets"], old["responded_in_time"], old["breached"], old["pending"]) == (2, 2, 0, 0)
    assert old["response_rate"] == 100.0 and old["consultations"] == 0
    assert old["monitoring_months"] == 1 and old["reports_submitted"] == 1


def test_om_2025_part(figures) -> None:  # type: ignore[no-untyped-def]
    new = figures["contracts"]["OM-2025"]
    assert new["service_minutes"] == 112_320
    assert (new["downtime_minutes"], new["wait_minutes"], new["repair_minutes"]) == (60, 60, 0)
    assert (new["maintenance_minutes"], new["excluded_minutes"]) == (60, 30)
    assert (new["unknown_minutes"], new["transient_failures"]) == (59, 1)
    assert new["failure_rate"] == 0.05
    assert (new["tickets"], new["responded_in_time"], new["breached"], new["pending"]) == (3, 1, 1, 1)
    assert (new["response_rate"], new["answered_rate"], new["consultations"]) == (50.0, 66.67, 3)
    assert new["monitoring_months"] == 2


def test_quarter_total(figures) -> None:  # type: ignore[no-untyped-def]
    assert figures["service_minutes"] == 131_040
    assert (figures["downtime_minutes"], figures["wait_minutes"], figures["repair_minutes"]) == (180, 100, 80)
    assert figures["wait_minutes"] + figures["repair_minutes"] == figures["downtime_minutes"]
    assert figures["failure_rate"] == 0.14
    assert (figures["tickets"], figures["responded_in_time"], figures["breached"], figures["pending"]) == (5, 3, 1, 1)
    assert (figures["response_rate"], figures["answered_rate"]) == (75.0, 80.0)
    assert figures["cancelled"] == 1 and figures["consultations"] == 3
    assert figures["monitoring_months"] == 2 and figures["reports_submitted"] == 1
    assert figures["major_faults"] == 0
    assert (figures["satisfaction_rate"], figures["satisfaction_coverage"]) == (66.67, 23.08)
    assert (figures["from"], figures["to"]) == ("2025-04-01", "2025-06-30")


def test_major_fault_and_as_of_cut() -> None:
    """A 5-hour outage still going on: major once it passes 4 h; figures stop at as_of.

    Failures every minute from 2025-08-01 08:00; as_of 13:00 -> outage [08:00, 13:00) open, 300 min > 240 ->
    one major fault. Period 2025-08-01 (one day, 1,440 min), service cut to 780 min (00:00-13:00):
    failure rate 300 / 780 = 38.46 %. At as_of 11:00 it is 180 min -> not major, 180 / 660 = 27.27 %.
    """
    start = t(8, 1)
    observations = [Observation(start + timedelta(minutes=i), i < 8 * 60) for i in range(13 * 60)]
    target = TargetRecord("1", "门户网站", True, 3, build_segments(observations, 60))
    contract = ContractTerms("OM-2025", contract_span("2025-04-14", "2025-12-31"), SlaTerms())
    inputs = SlaInputs(contracts=[contract], targets=[target])
    from slatrack.measure.periods import period_from_dates

    day = period_from_dates("2025-08-01", "2025-08-01")
    late = compute_sla(inputs, day, t(8, 1, 13)).as_json()
    assert (late["service_minutes"], late["downtime_minutes"], late["major_faults"]) == (780, 300, 1)
    assert late["failure_rate"] == 38.46
    early = compute_sla(inputs, day, t(8, 1, 11)).as_json()
    assert (early["service_minutes"], early["downtime_minutes"], early["major_faults"]) == (660, 180, 0)
    assert early["failure_rate"] == 27.27


def test_quarter_with_no_data_has_no_rates() -> None:
    contract = ContractTerms("OM-2025", contract_span("2025-04-14", "2025-12-31"), SlaTerms())
    figures = compute_sla(SlaInputs(contracts=[contract]), quarter_period("2026Q1"), t(12, 31)).as_json()
    assert figures["contracts"] == {}
    assert figures["service_minutes"] == 0 and figures["failure_rate"] is None
    assert figures["response_rate"] is None and figures["satisfaction_rate"] is None and figures["tickets"] == 0
