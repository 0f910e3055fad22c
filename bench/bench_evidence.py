"""Benchmark: a year of downtime and unknown time for 50 targets, computed from stored segments.

Simulates a year of 60-second checks for 50 targets (seeded): timestamps jittered by a few seconds,
occasional single failures, a few multi-failure outages, some probe gaps. Builds each target's
segments, then times the year's figures for all 50 targets from the segments: per-target evidence,
system downtime (all targets critical), system unknown time, waiting and repair time.
Target: under 0.5 s. Also reports segments per target-year (storage) and the cost of ingesting a
batch through the incremental path.

Run: python bench/bench_evidence.py [--targets N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from slatrack.measure.downtime import OutageLink, OutageSpan, system_downtime, system_unknown, wait_and_repair
from slatrack.measure.evidence import evaluate
from slatrack.measure.intervals import Interval, total_minutes
from slatrack.measure.segments import Observation, Segment, affected_span, build_segments, resegment

YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR_END = datetime(2026, 1, 1, tzinfo=UTC)
INTERVAL = 60
CONFIRM = 3
TARGET_SECONDS = 0.5


def simulate(rng: random.Random) -> list[Observation]:
    """A year of checks for one target: 0.05% single failures, ~12 outages, ~7 flapping hours, ~20 gaps."""
    checks = int((YEAR_END - YEAR_START).total_seconds()) // INTERVAL
    failing = bytearray(checks)
    missing = bytearray(checks)
    for _ in range(rng.randint(8, 16)):  # multi-failure outages of 3 to 90 checks
        start = rng.randrange(checks)
        for index in range(start, min(checks, start + rng.randint(3, 90))):
            failing[index] = 1
    for _ in range(rng.randint(4, 10)):  # flapping episodes: an hour where a third of the checks fail
        start = rng.randrange(checks)
        for index in range(start, min(checks, start + 60)):
            failing[index] = rng.random() < 0.3
    for _ in range(rng.randint(10, 30)):  # probe gaps of 3 to 180 minutes
        start = rng.randrange(checks)
        for index in range(start, min(checks, start + rng.randint(3, 180))):
            missing[index] = 1
    single_failure_rate = 0.0005
    observations = []
    for index in range(checks):
        if missing[index]:
            continue
        ok = not failing[index] and rng.random() >= single_failure_rate
        jitter = rng.uniform(-3.0, 3.0)
        observations.append(Observation(YEAR_START + timedelta(seconds=index * INTERVAL + jitter), ok))
    rng.shuffle(observations)  # delivered in any order
    return observations


def year_figures(all_segments: list[list[Segment]]) -> tuple[float, float, float, float, int]:
    """The year's system downtime, unknown, wait and repair minutes, and transient failures."""
    window = Interval(YEAR_START, YEAR_END)
    outages: list[OutageSpan] = []
    links: list[OutageLink] = []
    unknown: list[tuple[Interval, ...]] = []
    transient = 0
    for segments in all_segments:
        evidence = evaluate(segments, CONFIRM, YEAR_START, YEAR_END, YEAR_END)
        transient += evidence.transient_failures
        unknown.append(evidence.unknown)
        for outage in evidence.outages:
            outages.append(OutageSpan(outage.measured))
            # Each outage's fault ticket answered 10 minutes after the outage began.
            links.append(OutageLink(outage.measured, (outage.start + timedelta(minutes=10),)))
    downtime = system_downtime(outages, [], [], window)
    system_unknown_minutes = total_minutes(system_unknown(unknown, downtime.intervals, window))
    split = wait_and_repair(list(downtime.intervals), links)
    return downtime.downtime_minutes, system_unknown_minutes, split.wait_minutes, split.repair_minutes, transient


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(20250101)

    all_segments: list[list[Segment]] = []
    build_seconds = 0.0
    results = 0
    for _ in range(args.targets):
        observations = simulate(rng)
        results += len(observations)
        started = time.perf_counter()
        all_segments.append(build_segments(observations, INTERVAL))
        build_seconds += time.perf_counter() - started
        if len(all_segments) == 1:
            sample = observations
    counts = [len(segments) for segments in all_segments]
    print(f"targets: {args.targets}, results: {results:,} (one year of {INTERVAL} s checks each)")
    print(
        f"segments per target-year: min {min(counts)}, median {statistics.median(counts):.0f}, max {max(counts)}, "
        f"total {sum(counts):,} ({results / sum(counts):.0f} results per segment)"
    )
    print(f"build_segments: {build_seconds:.1f} s for all targets ({build_seconds / args.targets:.2f} s per target)")

    timings = []
    for _ in range(5):
        started = time.perf_counter()
        figures = year_figures(all_segments)
        timings.append(time.perf_counter() - started)
    best, median = min(timings), statistics.median(timings)
    downtime, unknown, wait, repair, transient = figures
    print(
        f"year figures: downtime {downtime:.2f} min, unknown {unknown:.2f} min, wait {wait:.2f} min, "
        f"repair {repair:.2f} min, transient failures {transient}"
    )
    print(
        f"year of downtime + unknown for {args.targets} targets from segments: best {best:.3f} s, "
        f"median {median:.3f} s of 5 runs; target {TARGET_SECONDS} s, ratio {median / TARGET_SECONDS:.3f} of target"
    )

    # Incremental ingest on the first target: a live result at the end, and a late one mid-year.
    stored = all_segments[0]
    live = [Observation(YEAR_END + timedelta(seconds=5), True)]
    late = [Observation(datetime(2025, 10, 15, 12, 0, 30, tzinfo=UTC), False)]
    for name, batch in (("live result at the end", live), ("late result in mid-October", late)):
        start, end = affected_span(stored, batch)
        retained = [o for o in sample if start <= o.observed_at and (end is None or o.observed_at < end)]
        started = time.perf_counter()
        updated = resegment(stored, batch, retained, INTERVAL, retained_since=YEAR_END - timedelta(days=90))
        elapsed = time.perf_counter() - started
        print(
            f"resegment ({name}): {elapsed * 1000:.2f} ms, {len(retained)} retained results read, "
            f"segments {len(stored)} -> {len(updated)}"
        )


if __name__ == "__main__":
    main()
