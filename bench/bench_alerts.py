"""Alert latency end to end: from the arrival of the probe result that confirms an outage to the delivery
of its ``outage.opened`` on a webhook channel.

Run: python bench/bench_alerts.py [--samples 30] [--database-url URL]

Target (issue 14): within 30 s. A live ``slatrack run`` (waitress, scheduler, alert worker polling every
second) on a fresh instance, a local webhook receiver (tests/alert_receivers.py). For each sample a new
critical target gets two failing results, then the timer starts and the confirming third is posted; the time
stops when the receiver accepts the message. Also reported: how long the confirming POST itself took, which
does not include any sending (the event only goes into the outbox).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.alert_receivers import Receivers, failing_results, live_slatrack, start_receivers

TARGET_SECONDS = 30.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary instance folder")
    args = parser.parse_args()
    latencies: list[float] = []
    posts: list[float] = []
    with (
        contextmanager(start_receivers)(Receivers()) as receivers,
        tempfile.TemporaryDirectory() as folder,
        live_slatrack(Path(folder), args.database_url) as server,
    ):
        api = f"{server.url}/api/v1"
        channel = requests.post(
            f"{api}/notification-channels",
            json={"name": "bench", "kind": "webhook", "url": receivers.url("webhook"), "events": ["outage.opened"]},
            headers=server.headers, timeout=30,
        )  # fmt: skip
        channel.raise_for_status()
        for index in range(args.samples):
            name = f"bench-{index:03d}"
            requests.post(
                f"{api}/targets",
                json={"name": name, "kind": "http", "url": "http://127.0.0.1:9/", "critical": True,
                      "in_process": False, "confirm_failures": 3},
                headers=server.headers, timeout=30,
            ).raise_for_status()  # fmt: skip
            items = failing_results(name, 3, datetime.now(UTC), "bench")
            requests.post(f"{api}/probe-results", json=items[:2], headers=server.headers, timeout=30).raise_for_status()
            start = time.time()
            requests.post(f"{api}/probe-results", json=items[2:], headers=server.headers, timeout=30).raise_for_status()
            posts.append(time.time() - start)
            while True:
                found = [m for m in receivers.of("webhook") if m.body["data"].get("target") == name]
                if found:
                    latencies.append(found[0].at - start)
                    break
                if time.time() - start > 120:
                    raise SystemExit(f"no alert for {name} after 120 s")
                time.sleep(0.01)
            time.sleep(0.37)  # spread the samples over the worker's one-second poll
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    print(f"{len(latencies)} outages confirmed through POST /probe-results, delivered to a webhook channel")
    print(
        f"result arrival -> delivery: p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(latencies):.2f} s; "
        f"target <= {TARGET_SECONDS:.0f} s: {'met' if p95 <= TARGET_SECONDS else 'NOT met'} "
        f"(p95 = {p95 / TARGET_SECONDS:.3f} of the target)"
    )
    print(
        f"the confirming POST itself (ingest + outbox, no sending): p50 {statistics.median(posts) * 1000:.0f} ms, "
        f"p95 {percentile(posts, 0.95) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
