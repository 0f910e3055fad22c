"""Benchmark: the full year's SLA figures and both forms' indicators from the database (issue 5).

Builds a SQLite database (or uses SLATRACK_DATABASE_URL) with the 2025 reference data, 50 targets with a
year of stored evidence segments (realistic flapping: ~750 segments per target-year, as the evidence
benchmark measured), 20,000 tickets with their events, monthly inspections and survey answers; then
times ``measure_period`` for 2025 and ``evaluate_indicators(2025)`` — the loading layer included: cold (no
snapshot), after a restart (the snapshot on disk), after a ticket inserted in bulk (no ORM, no audit record:
the data version moves all the same), warm; then the ``slatrack sla`` and ``slatrack indicators`` commands.

    python bench/bench_sla.py [--targets 50] [--tickets 20000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from slatrack import create_app
from slatrack.extensions import db
from slatrack.measure.periods import year_period
from slatrack.models import (
    Contract,
    EvidenceSegment,
    Inspection,
    SurveyResponse,
    Target,
    Ticket,
    TicketEvent,
    Unit,
)
from slatrack.operations.monitoring.segment_store import segment_row

SLATRACK = [str(Path(sys.executable).with_name("slatrack"))]
YEAR_START = datetime(2024, 12, 31, 16, tzinfo=UTC)  # 2025-01-01 00:00 Asia/Shanghai
YEAR_END = datetime(2025, 12, 31, 16, tzinfo=UTC)
CATEGORIES = ["consult", "data", "guidance", "business", "training", "mlps", "notice", "fault", "optimization", "patch"]


def _segments(rng: random.Random, target_id: int) -> list[dict[str, object]]:
    """A year of 60-second checks as segments: long up runs, short failure runs, a few gaps."""
    rows: list[dict[str, object]] = []
    at = YEAR_START
    step = timedelta(seconds=60)
    while at < YEAR_END:
        up_count = rng.randint(400, 2400)
        end = min(at + step * up_count, YEAR_END)
        rows.append({"state": "up", "start": at, "end": end, "count": up_count, "lead": ""})
        at = end
        if at >= YEAR_END:
            break
        if rng.random() < 0.05:  # a probe gap
            at += timedelta(minutes=rng.randint(3, 40))
            continue
        fails = 1 if rng.random() < 0.8 else rng.randint(3, 90)
        end = min(at + step * fails, YEAR_END)
        lead = ",".join(str(i * 60_000_000) for i in range(min(fails, 10)))
        rows.append({"state": "fail", "start": at, "end": end, "count": fails, "lead": lead})
        at = end
    return [segment_row(target_id, last_observed=row["end"], **row) for row in rows]


def build(targets: int, tickets: int, seed: int) -> None:
    rng = random.Random(seed)
    for n in range(targets):
        db.session.add(
            Target(
                name=f"target-{n:02d}",
                kind="http",
                url=f"http://10.0.0.{n}/",
                interval_seconds=60,
                critical=n < 10,
                in_process=False,
                monitored_since=YEAR_START - timedelta(days=30),
            )
        )
    db.session.commit()
    segment_count = 0
    for target in db.session.scalars(select(Target)):
        rows = _segments(rng, target.id)
        segment_count += len(rows)
        db.session.execute(insert(EvidenceSegment), rows)
    units = [u.id for u in db.session.scalars(select(Unit))]
    contracts = {c.code: c.id for c in db.session.scalars(select(Contract))}
    ticket_rows = []
    for n in range(tickets):
        reported = YEAR_START + timedelta(seconds=rng.randint(0, int((YEAR_END - YEAR_START).total_seconds()) - 1))
        ticket_rows.append(
            {
                "number": f"YW-2025-{n + 1:05d}",
                "unit_id": rng.choice(units),
                "contract_id": contracts["OM-2023" if reported < datetime(2025, 4, 13, 16, tzinfo=UTC) else "OM-2025"],
                "channel": rng.choice(["电话", "微信", "现场", "系统", "邮件"]),
                "mode": rng.choice(["远程", "上门"]),
                "category": rng.choice(CATEGORIES),
                "priority": rng.choice(["P1", "P2", "P3", "P4"]),
                "title": f"服务请求 {n}",
                "reported_at": reported,
                "status": "closed",
            }
        )
    db.session.execute(insert(Ticket), ticket_rows)
    event_rows = []
    for ticket_id, reported in db.session.execute(select(Ticket.id, Ticket.reported_at)):
        respond = reported + timedelta(minutes=rng.randint(1, 40))
        resolve = respond + timedelta(minutes=rng.randint(10, 600))
        event_rows += [
            {"ticket_id": ticket_id, "type": "respond", "at": respond, "note": ""},
            {"ticket_id": ticket_id, "type": "resolve", "at": resolve, "note": ""},
            {"ticket_id": ticket_id, "type": "close", "at": resolve + timedelta(hours=1), "note": ""},
        ]
    db.session.execute(insert(TicketEvent), event_rows)
    for month in range(1, 13):
        for kind in ("security", "backup"):
            db.session.add(
                Inspection(
                    month=f"2025-{month:02d}",
                    kind=kind,
                    performed_at=datetime(2025, month, 20, 2, tzinfo=UTC),
                    passed=True,
                )
            )
    for unit in units:
        db.session.add(
            SurveyResponse(
                unit_id=unit, period="2025", score=rng.randint(3, 5), responded_at=YEAR_END - timedelta(days=5)
            )
        )
    db.session.commit()
    print(f"built: {targets} targets, {segment_count} segments, {tickets} tickets, {len(event_rows)} events")


TICKET_TEMPLATE = {
    "unit_id": 1,
    "channel": "电话",
    "mode": "远程",
    "category": "consult",
    "priority": "P3",
    "title": "新增工单",
    "reported_at": datetime(2025, 6, 1, tzinfo=UTC),
    "status": "open",
}


def timed(label: str, func, runs: int, target: float) -> float:  # type: ignore[no-untyped-def]
    times, cpu = [], []
    for _ in range(runs):
        start, started_cpu = time.perf_counter(), time.thread_time()
        func()
        times.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - started_cpu)
    best, median = min(times), statistics.median(times)
    print(
        f"{label}: best {best:.3f} s, median {median:.3f} s ({median / target:.2f} of the {target:g} s target); "
        f"CPU of this thread, median {statistics.median(cpu):.3f} s"
    )
    return median


def commands(folder: str, as_of: datetime, runs: int) -> None:
    """``slatrack sla`` and ``slatrack indicators`` for the year, each a new process (a snapshot on disk)."""
    env = {**os.environ, "SLATRACK_INSTANCE_PATH": folder, "SLATRACK_SECRET_KEY": "bench-secret-key-0123456789"}
    stamp = as_of.isoformat()
    for name, argv in (
        ("slatrack sla --from 2025-01-01 --to 2025-12-31", ["sla", "--from", "2025-01-01", "--to", "2025-12-31"]),
        ("slatrack indicators --year 2025", ["indicators", "--year", "2025"]),
    ):
        times, cpu = [], []
        for _ in range(runs):
            start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run([*SLATRACK, *argv, "--as-of", stamp], env=env, check=True, capture_output=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            times.append(time.perf_counter() - start)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        print(
            f"`{name}` (a new process each time): best {min(times):.3f} s, median {statistics.median(times):.3f} s; "
            f"CPU of the process, median {statistics.median(cpu):.3f} s"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--targets", type=int, default=50)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["SLATRACK_INSTANCE_PATH"] = folder
        app = create_app({"SECRET_KEY": "bench-secret-key-0123456789"})
        with app.app_context():
            from flask_migrate import upgrade

            from slatrack.operations.figures.indicators import evaluate_indicators
            from slatrack.operations.figures.sla import measure_period
            from slatrack.operations.reference.loading import load_reference

            upgrade()
            load_reference()
            build(args.targets, args.tickets, args.seed)
            print(
                f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split('://')[0]}, "
                f"{Path(folder, 'slatrack.sqlite3').stat().st_size / 1e6:.1f} MB"
            )
            as_of = YEAR_END + timedelta(days=10)
            period = year_period(2025)
            figures = measure_period(period, as_of).as_json()
            print(
                f"figures: service {figures['service_minutes']:.0f} min, "
                f"downtime {figures['downtime_minutes']:.0f} min, "
                f"unknown {figures['unknown_minutes']:.0f} min, failure rate {figures['failure_rate']} %, "
                f"tickets {figures['tickets']}, response rate {figures['response_rate']} %"
            )
            from slatrack.operations.figures.cache import CACHE

            def snapshots_written() -> None:
                for thread in threading.enumerate():
                    if thread.name == "figures-snapshot":
                        thread.join()

            def cold() -> None:
                # Nothing in memory, no snapshot on disk: every record read and every ticket replayed.
                CACHE.clear()
                measure_period(period, as_of)

            def restart() -> None:
                # A new process: nothing in memory, the snapshot the last one left on disk.
                snapshots_written()
                CACHE.clear(snapshots=False)
                measure_period(period, as_of)

            serial = iter(range(1_000_000))

            def bulk_change() -> None:
                # A ticket inserted in bulk (Core, no ORM, no audit record): the data version still moves.
                n = next(serial)
                db.session.execute(insert(Ticket), [{**TICKET_TEMPLATE, "number": f"X{n}"}])
                db.session.commit()

            def changed() -> None:
                bulk_change()
                measure_period(period, as_of)

            def restart_after_change() -> None:
                snapshots_written()
                CACHE.clear(snapshots=False)
                bulk_change()
                measure_period(period, as_of)

            timed("full-year SLA figures, cold (no snapshot: load + compute)", cold, args.runs, 1.0)
            before = measure_period(period, as_of).as_json()
            timed("full-year SLA figures, cold after a restart (snapshot + compute)", restart, args.runs, 1.0)
            restarted = measure_period(period, as_of).as_json()
            assert restarted == before, "the snapshot gave other figures than the records"
            timed("full-year SLA figures after a bulk change (tickets reread)", changed, args.runs, 1.0)
            figures = measure_period(period, as_of).as_json()
            assert figures["tickets"] == before["tickets"] + args.runs, "a bulk-inserted ticket was not seen"
            CACHE.clear()
            assert measure_period(period, as_of).as_json() == figures, "cached figures differ from a fresh read"
            timed("full-year SLA figures after a restart and a bulk change", restart_after_change, args.runs, 1.0)
            hours = iter(range(1, 1_000_000))
            timed(
                "full-year SLA figures, warm, a new as_of each time (records unchanged: compute only)",
                lambda: measure_period(period, as_of + timedelta(hours=next(hours))),
                args.runs,
                0.2,
            )
            timed(
                "full-year SLA figures, warm, the same as_of again (the figures kept)",
                lambda: measure_period(period, as_of),
                args.runs,
                0.2,
            )
            timed("indicators of both forms, warm", lambda: evaluate_indicators(2025, as_of), args.runs, 0.2)
            timed(
                "indicators of both forms, cold (no snapshot)",
                lambda: (CACHE.clear(), evaluate_indicators(2025, as_of)),
                args.runs,
                1.0,
            )
            snapshots_written()
            db.session.remove()
            commands(folder, as_of, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
