"""Check throughput of probes.ProbeScheduler against a local HTTP server.

Run: python bench/bench_checks.py [--seconds 10] [--targets 60] [--interval 0.1] [--workers 16]

Target: >= 300 checks/s sustained, and a target hanging until its timeout costs the others nothing.
The HTTP server (waitress, a trivial WSGI app) runs in its own process; each check opens a fresh
connection, as the real checker does. Then the same run again with one extra target whose server
accepts connections and never answers (timeout 2 s), in A-B-B-A order.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from probes.result import CheckResult
from probes.scheduler import ProbeScheduler
from probes.spec import TargetSpec

SERVER = """
import logging, sys, waitress
logging.getLogger("waitress").setLevel(logging.ERROR)
body = "<html>系统正常</html>".encode()
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]
waitress.serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=8, _quiet=True)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"server on port {port} did not start")


class Hanging:
    """Accepts connections and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.held.append(self.sock.accept()[0])
            except OSError:
                return


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.results: list[CheckResult] = []
        self.counting = False

    def __call__(self, result: CheckResult) -> None:
        with self.lock:
            if self.counting:
                self.results.append(result)


def run(targets: list[TargetSpec], seconds: float, workers: int, warmup: float) -> tuple[Tally, float, object]:
    tally = Tally()
    scheduler = ProbeScheduler(targets, tally, max_workers=workers)
    scheduler.start()
    time.sleep(warmup)  # first runs are spread over one interval
    with tally.lock:
        tally.counting = True
    started = time.monotonic()
    time.sleep(seconds)
    with tally.lock:
        tally.counting = False
    elapsed = time.monotonic() - started
    stats = scheduler.stats
    scheduler.stop()
    return tally, elapsed, stats


def summarize(label: str, tally: Tally, elapsed: float, stats: object, fast_names: set[str]) -> float:
    fast = [result for result in tally.results if result.target in fast_names]
    latencies = sorted(result.latency_ms for result in fast if result.latency_ms is not None)
    rate = len(fast) / elapsed
    failed = sum(not result.ok for result in fast)
    p50 = statistics.median(latencies) if latencies else float("nan")
    p95 = latencies[int(len(latencies) * 0.95)] if latencies else float("nan")
    others = [result for result in tally.results if result.target not in fast_names]
    print(
        f"{label}: {len(fast)} checks of the normal targets in {elapsed:.1f} s = {rate:.0f} checks/s, "
        f"{failed} failed, latency p50 {p50:.1f} ms p95 {p95:.1f} ms; "
        f"results of the hanging target: {len(others)} (all failed: {all(not r.ok for r in others)}); {stats}"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--targets", type=int, default=100)
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()

    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)])
    hanging = Hanging()
    try:
        wait_for_port(port)
        fast = [
            TargetSpec.from_mapping(
                {
                    "name": f"web-{i}",
                    "kind": "http",
                    "url": f"http://127.0.0.1:{port}/?t={i}",
                    "keyword": "系统正常",
                    "interval_seconds": args.interval,
                    "timeout_seconds": 5,
                }
            )
            for i in range(args.targets)
        ]
        hung = TargetSpec.from_mapping(
            {
                "name": "hanging",
                "kind": "http",
                "url": f"http://127.0.0.1:{hanging.port}/",
                "interval_seconds": 1,
                "timeout_seconds": 2,
            }
        )
        names = {spec.name for spec in fast}
        offered = args.targets / args.interval
        print(
            f"machine: {os.cpu_count()} cores; {args.targets} http targets every {args.interval:g} s "
            f"(offered {offered:.0f} checks/s), {args.workers} workers, {args.seconds:g} s per run"
        )
        # A-B-B-A order, so a drift in the machine's background load hits both conditions alike.
        rates: dict[bool, list[float]] = {False: [], True: []}
        for with_hanging in (False, True, True, False):
            label = "with hanging target   " if with_hanging else "without hanging target"
            targets = [*fast, hung] if with_hanging else fast
            rates[with_hanging].append(summarize(label, *run(targets, args.seconds, args.workers, 1.0), names))
        base, loaded = statistics.mean(rates[False]), statistics.mean(rates[True])
        print(f"mean without: {base:.0f} checks/s, mean with: {loaded:.0f} checks/s")
        print(f"ratio with/without hanging target: {loaded / base:.3f}")
        worst = min(base, loaded)
        print(f"target >= 300 checks/s: {'met' if worst >= 300 else 'NOT met'} ({worst / 300:.2f}x the target)")
    finally:
        server.terminate()
        server.wait(10)
        hanging.sock.close()


if __name__ == "__main__":
    main()
