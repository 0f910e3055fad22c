"""Benchmark: check results ingested through the API, storage after pruning, and a year's downtime from it.

Simulates ``--days`` of 60-second checks for ``--targets`` targets (seeded, realistic flapping: single
failures, outages of 3-90 checks, flapping hours, probe gaps, a share of results delivered up to an hour late and
out of order), posts them to ``POST /api/v1/probe-results`` with the Flask test client in batches of ``--batch``
(mixed targets, as agents send them), on a SQLite file database. Then computes the hourly aggregates,
prunes every raw result, VACUUMs and measures the database file; and times the period's downtime and
unknown time for all targets from the stored evidence (``system_downtime_inputs`` + measure.downtime).

Targets: >= 5,000 results/s ingested; <= 0.2 MB per target-year after pruning (issue 18; issue 3 asked
<= 2 MB); the year's figures for 50 targets < 0.5 s. After pruning, the size of each table and index per
target-year is printed (SQLite's dbstat), less the empty database's.

Run: python bench/bench_ingest.py [--targets 50] [--days 7] [--batch 1000] [--keep PATH]
(the recorded figures: --days 365 with fewer targets for ingestion, see bench/RESULTS.md)
"""

from __future__ import annotations

import argparse
import heapq
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text

from slatrack import create_app
from slatrack.audit import acting_as
from slatrack.extensions import db
from slatrack.measure.downtime import system_downtime, system_unknown, wait_and_repair
from slatrack.measure.intervals import Interval
from slatrack.models import EvidenceSegment, LatencyDaily, Outage, ProbeResult, Ticket

INTERVAL = 60
RATE_TARGET = 5000.0
SIZE_TARGET_MB = 0.2  # issue 18 (issue 3: 2.0)
COMPUTE_TARGET_S = 0.5


def plan(rng: random.Random, days: int) -> tuple[bytearray, bytearray]:
    """Which of one target's checks fail and which are missing (probe gaps)."""
    checks = days * 86_400 // INTERVAL
    per_year = days / 365
    failing = bytearray(checks)
    missing = bytearray(checks)
    for _ in range(max(1, round(rng.randint(8, 16) * per_year))):  # outages of 3 to 90 checks
        first = rng.randrange(checks)
        for index in range(first, min(checks, first + rng.randint(3, 90))):
            failing[index] = 1
    for _ in range(max(1, round(rng.randint(4, 10) * per_year))):  # flapping hours: a third of the checks fail
        first = rng.randrange(checks)
        for index in range(first, min(checks, first + 60)):
            failing[index] = rng.random() < 0.3
    for _ in range(max(1, round(rng.randint(10, 30) * per_year))):  # probe gaps of 3 to 180 minutes
        first = rng.randrange(checks)
        for index in range(first, min(checks, first + rng.randint(3, 180))):
            missing[index] = 1
    return failing, missing


def simulate(
    rng: random.Random, name: str, start: datetime, failing: bytearray, missing: bytearray
) -> Iterator[tuple[datetime, dict[str, Any]]]:
    """One target's results in observation order (jittered), with their API items, made as they are sent."""
    for index in range(len(failing)):
        if missing[index]:
            continue
        ok = not failing[index] and rng.random() >= 0.0005
        at = start + timedelta(seconds=index * INTERVAL + rng.uniform(-3.0, 3.0))
        item = {
            "target": name,
            "observed_at": at.isoformat(),
            "ok": ok,
            "latency_ms": round(rng.uniform(8, 120), 1) if ok else None,
            "detail": "" if ok else "HTTP 502",
            "sample_id": f"{name}-{index}",
        }
        yield at, item


def delivery(
    streams: list[Iterator[tuple[datetime, dict[str, Any]]]], rng: random.Random, late_share: float, late_minutes: float
) -> Iterator[dict[str, Any]]:
    """All targets' results merged by time, as agents send them; a share of them is held back (a check that
    missed a send and is retried) and delivered 1 to ``late_minutes`` minutes later, out of order."""
    held: list[tuple[datetime, int, dict[str, Any]]] = []
    sequence = 0
    for at, item in heapq.merge(*streams, key=lambda pair: pair[0]):
        while held and held[0][0] <= at:
            yield heapq.heappop(held)[2]
        if rng.random() < late_share:
            sequence += 1
            heapq.heappush(held, (at + timedelta(minutes=rng.uniform(1, late_minutes)), sequence, item))
            continue
        yield item
    while held:
        yield heapq.heappop(held)[2]


def table_sizes(path: Path) -> dict[str, int]:
    """Bytes of each table and index of a SQLite file (its pages, by SQLite's dbstat)."""
    import sqlite3

    with sqlite3.connect(path) as connection:
        return {
            name: int(size) for name, size in connection.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=50)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--late-share", type=float, default=0.01)
    parser.add_argument("--late-minutes", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument(
        "--replicate-to",
        type=int,
        default=0,
        help="before timing the figures, copy the stored segments to this many targets in all (round robin)",
    )
    parser.add_argument("--keep", type=Path, help="keep the database at this path (default: a temporary folder)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    path = args.keep or folder / "bench.sqlite3"
    if path.exists():
        path.unlink()
    os.environ["SLATRACK_INSTANCE_PATH"] = str(folder / "instance")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SECRET_KEY": "bench-secret-key-0123456789",
            "RAW_RESULT_RETENTION_DAYS": args.days + 2,
        }
    )
    rng = random.Random(args.seed)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=args.days)
    with app.app_context():
        from flask_migrate import upgrade

        from slatrack.operations.accounts.users import create_token
        from slatrack.operations.monitoring.targets import create_target
        from slatrack.operations.reference.loading import load_reference

        upgrade()
        with acting_as("bench"):
            load_reference()
            for number in range(args.targets):
                create_target(
                    {
                        "name": f"target-{number:02d}",
                        "kind": "http",
                        "url": f"https://t{number}.example.cn/",
                        "critical": True,
                        "in_process": False,
                        "monitored_since": start - timedelta(minutes=5),
                    }
                )
            token = create_token("bench-agent")[1]
        db.session.remove()
        with db.engine.connect() as connection:
            connection.execute(text("VACUUM"))
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    baseline = path.stat().st_size
    baseline_tables = table_sizes(path)

    plans = [plan(random.Random(f"{args.seed}-plan-{n}"), args.days) for n in range(args.targets)]
    total = sum(len(missing) - sum(missing) for _, missing in plans)
    streams = [
        simulate(random.Random(f"{args.seed}-{n}"), f"target-{n:02d}", start, failing, missing)
        for n, (failing, missing) in enumerate(plans)
    ]
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; SQLite file {path}")
    print(
        f"data: {args.targets} targets x {args.days} days of {INTERVAL} s checks = {total:,} results, "
        f"{args.late_share:.1%} delivered 1-{args.late_minutes:g} min late, batches of {args.batch}"
    )

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    accepted = 0
    batch: list[dict[str, Any]] = []
    post_time = 0.0
    post_cpu = 0.0
    started = time.perf_counter()
    progress = started
    for item in delivery(streams, rng, args.late_share, args.late_minutes):
        batch.append(item)
        if len(batch) == args.batch:
            t, cpu = time.perf_counter(), time.process_time()
            response = client.post("/api/v1/probe-results", json=batch, headers=headers)
            post_time += time.perf_counter() - t
            post_cpu += time.process_time() - cpu
            assert response.status_code == 200, response.get_json()
            accepted += response.get_json()["accepted"]
            batch = []
            if time.perf_counter() - progress > 30:
                progress = time.perf_counter()
                print(f"  ... {accepted:,} results, {accepted / (progress - started):,.0f}/s", flush=True)
    if batch:
        t, cpu = time.perf_counter(), time.process_time()
        response = client.post("/api/v1/probe-results", json=batch, headers=headers)
        post_time += time.perf_counter() - t
        post_cpu += time.process_time() - cpu
        accepted += response.get_json()["accepted"]
    elapsed = time.perf_counter() - started
    del streams, plans
    rate = accepted / post_time
    print(
        f"ingested {accepted:,} results in {elapsed:.1f} s wall ({post_time:.1f} s in the API calls): "
        f"{rate:,.0f} results/s (per CPU second of the API calls: {accepted / post_cpu:,.0f}/s); "
        f"target >= {RATE_TARGET:,.0f}/s: {'met' if rate >= RATE_TARGET else 'NOT met'} "
        f"({rate / RATE_TARGET:.2f}x)"
    )

    with app.app_context(), acting_as("bench"):
        from slatrack.operations.figures.downtime import system_downtime_inputs
        from slatrack.operations.monitoring.upkeep import aggregate_received_since, prune_raw_results

        segments = db.session.scalar(select(func.count()).select_from(EvidenceSegment)) or 0
        outages = db.session.scalar(select(func.count()).select_from(Outage)) or 0
        tickets = db.session.scalar(select(func.count()).select_from(Ticket)) or 0
        print(
            f"stored: {segments:,} evidence segments ({segments / args.targets:,.0f} per target), "
            f"{outages} outages with {tickets} fault tickets"
        )
        size_before = path.stat().st_size
        t = time.perf_counter()
        hours = aggregate_received_since(None)
        db.session.commit()
        pruned = prune_raw_results(now + timedelta(hours=1))
        prune_time = time.perf_counter() - t
        left = db.session.scalar(select(func.count()).select_from(ProbeResult))
        from slatrack.operations.monitoring.latency import stored_hour_count

        aggregates = stored_hour_count()
        day_rows = db.session.scalar(select(func.count()).select_from(LatencyDaily))
        db.session.remove()
        with db.engine.connect() as connection:
            connection.execute(text("VACUUM"))
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        size_after = path.stat().st_size
        target_years = args.targets * args.days / 365
        grown = {
            name: size - baseline_tables.get(name, 0)
            for name, size in table_sizes(path).items()
            if size - baseline_tables.get(name, 0) > 0
        }
        print(
            "per target-year by table and index (KB): "
            + ", ".join(
                f"{name} {size / target_years / 1000:,.1f}" for name, size in sorted(grown.items(), key=lambda p: -p[1])
            )
        )
        per_target_year = (size_after - baseline) / target_years / 1_000_000
        print(
            f"aggregated {hours:,} hours and pruned {pruned:,} raw results in {prune_time:.1f} s ({left} left, "
            f"{aggregates:,} hours in {day_rows:,} target-day rows)"
        )
        print(
            f"database: {size_before / 1e6:,.1f} MB before pruning, {size_after / 1e6:,.2f} MB after pruning and "
            f"VACUUM; less the {baseline / 1e6:.2f} MB of the empty database (reference data, targets): "
            f"{per_target_year:.3f} MB per target-year (segments, hourly aggregates, outages, tickets, audit); "
            f"target <= {SIZE_TARGET_MB} MB: {'met' if per_target_year <= SIZE_TARGET_MB else 'NOT met'} "
            f"({per_target_year / SIZE_TARGET_MB:.2f} of the limit)"
        )

        if args.replicate_to > args.targets:
            from slatrack.operations.monitoring.segment_store import load_segments, store_segments
            from slatrack.operations.monitoring.targets import create_target as add_target

            sources = [load_segments(target_id) for target_id in range(1, args.targets + 1)]
            for number in range(args.targets, args.replicate_to):
                copy, _ = add_target(
                    {
                        "name": f"target-{number:02d}",
                        "kind": "http",
                        "url": f"https://t{number}.example.cn/",
                        "critical": True,
                        "in_process": False,
                        "monitored_since": start - timedelta(minutes=5),
                    }
                )
                store_segments(copy, sources[number % args.targets])
            db.session.commit()
            db.session.remove()
            print(f"replicated the stored segments of {args.targets} targets to {args.replicate_to} targets")
        measured_targets = max(args.targets, args.replicate_to)

        window = Interval(start, now)
        timings = []
        cpu_timings = []
        for _ in range(5):
            t = time.perf_counter()
            cpu = time.process_time()
            inputs = system_downtime_inputs(window, now)
            result = system_downtime(
                inputs.critical_outages, inputs.manual_outages, inputs.maintenance_windows, inputs.window
            )
            unknown = system_unknown(inputs.critical_unknown, result.intervals, inputs.window)
            split = wait_and_repair(result.intervals, inputs.outage_links)
            timings.append(time.perf_counter() - t)
            cpu_timings.append(time.process_time() - cpu)
            db.session.remove()
        best, median = min(timings), statistics.median(timings)
        cpu_best, cpu_median = min(cpu_timings), statistics.median(cpu_timings)
        per_target_down = sum(e.down_minutes for e in inputs.evidence.values())
        per_target_unknown = sum(e.unknown_minutes for e in inputs.evidence.values())
        print(
            f"figures: system downtime {result.downtime_minutes:,.1f} min (wait {split.wait_minutes:,.1f}, "
            f"repair {split.repair_minutes:,.1f}), system unknown {sum(i.minutes for i in unknown):,.1f} min; "
            f"sum over targets: down {per_target_down:,.1f} min, unknown {per_target_unknown:,.1f} min, "
            f"{inputs.transient_failures} transient failures"
        )
        print(
            f"the period's downtime and unknown time for {measured_targets} targets from stored evidence: "
            f"wall best {best:.3f} s, median {median:.3f} s of 5 "
            f"(CPU best {cpu_best:.3f} s, median {cpu_median:.3f} s); "
            f"target < {COMPUTE_TARGET_S} s: "
            f"{'met' if median < COMPUTE_TARGET_S else 'NOT met'} ({median / COMPUTE_TARGET_S:.2f} of the target)"
        )


if __name__ == "__main__":
    main()
