"""Benchmark: CPU per stored check of the whole slatrack process (and of a remote agent), issue 18.

The measurement of issue 18: ``--targets`` http targets with a keyword, every ``--interval`` seconds, against
one local page (waitress in its own process, not counted). ``slatrack run`` (waitress, the scheduler and the
in-process probes, SQLite file database) runs as its own process; after ``--warmup`` seconds its CPU
(psutil ``cpu_times``: user + system, all threads) and the number of stored results are sampled, and again
``--seconds`` later. CPU per check = the process's CPU over the window / the checks stored in it.

``--mode agent``: the same targets marked remote, checked by ``python -m probes`` (the agent process) that
posts its results to the server; the agent's CPU and the server's CPU (ingestion through the API) are
reported separately, each per stored check.

Target (issue 18): <= 2.5 ms CPU per check.

Run: python bench/bench_check_cost.py [--mode inprocess|agent] [--targets 200] [--interval 20]
     [--warmup 30] [--seconds 90] [--profile]
``--profile``: py-spy (``pip install py-spy``) samples every measured process over the window (100 per second,
the thread holding the GIL only: Python running, not waiting) and the samples are summed by where the time
went (CATEGORIES below); the CPU figure of a sampled run is a little inflated, read it for the shares.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_MS = 2.5
KEYWORD = "系统正常"

PAGE_SERVER = """
import logging, sys, waitress
logging.getLogger("waitress").setLevel(logging.ERROR)
body = ("<html><head><title>业务系统</title></head><body>" + "<p>内容</p>" * 200
        + "<div>系统正常</div></body></html>").encode()
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]
waitress.serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=8, _quiet=True)
"""

# Where a sampled stack's time is counted: the innermost frame of slatrack or probes code decides, by these
# function names (first match wins); stacks without such a frame are "other".
CATEGORIES = (
    (
        ("check_http", "_read_body", "_session", "_contains", "_problems", "check_tcp"),
        "HTTP client (probes/http_check.py)",
    ),
    (("validate_items", "_resolve_targets", "_parse_instant", "to_payload", "live_items"), "result validation"),
    (("rebuild_spans", "_rows_around", "_retained", "_apply_batch", "resegment", "_Writes.flush"), "segment rebuild"),
    (("reconcile_outages", "_probe_outage_spans", "_touches"), "outage reconciliation"),
    (("lock_targets",), "database: lock"),
    (("ingest_results", "store_live", "_store"), "ingestion (dedup, insert, commit)"),
    (("ProbeScheduler", "check (", "collect", "_writer_loop"), "probe scheduler"),
    (
        ("hold_lease", "_load_specs", "target_spec", "active_in_process_targets", "from_mapping", "_tick"),
        "lease, target list",
    ),
)
# A thread sampled waiting (py-spy counts some waits as busy): these innermost frames are left out.
WAITS = (
    "Condition.wait",
    "_worker (concurrent/futures/thread.py:81)",
    "select (",
    "Event.wait",
    "Thread.join",
    "poll (",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port}")


PREPARE = """
import os, sys
from datetime import UTC, datetime, timedelta
database, targets, interval, page_port, remote, keyword = sys.argv[1:7]
targets, interval, remote = int(targets), int(interval), remote == "1"
from slatrack import create_app
from slatrack.audit import acting_as
from slatrack.extensions import db
app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
with app.app_context():
    from flask_migrate import upgrade
    from slatrack.operations.accounts.users import create_token
    from slatrack.operations.monitoring.targets import create_target
    from slatrack.operations.reference.loading import load_reference
    upgrade()
    with acting_as("bench"):
        load_reference()
        for number in range(targets):
            create_target({
                "name": f"web-{number:03d}", "kind": "http", "url": f"http://127.0.0.1:{page_port}/status?t={number}",
                "keyword": keyword, "interval_seconds": interval, "timeout_seconds": 10, "critical": True,
                "in_process": not remote, "monitored_since": datetime.now(UTC) - timedelta(minutes=5),
            })
        print(create_token("bench-agent")[1])
    db.session.remove()
"""


def prepare(database: Path, env: dict[str, str], targets: int, interval: int, page_port: int, remote: bool) -> str:
    """Create the database with the reference data and the targets (with the measured code); returns a token."""
    arguments = [str(database), str(targets), str(interval), str(page_port), "1" if remote else "0", KEYWORD]
    done = subprocess.run(
        [sys.executable, "-c", PREPARE, *arguments],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        cwd=database.parent,
    )
    return done.stdout.strip().splitlines()[-1]


def sample(pid: int, output: Path, seconds: float) -> subprocess.Popen[bytes] | None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        raise SystemExit("--profile needs py-spy (pip install py-spy)")
    command = [spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "100", "--gil"]
    command += ["--format", "raw"]
    return subprocess.Popen([*command, "--output", str(output)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def breakdown(name: str, stacks: Path) -> None:
    """Print where the sampled time of one process went, by category, and how much of it was in the database."""
    totals: dict[str, int] = {}
    in_database: dict[str, int] = {}
    for line in stacks.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        if any(wait in frames[-1] for wait in WAITS):
            continue
        own = next((frame for frame in reversed(frames) if "slatrack/" in frame or "probes/" in frame), "")
        category = next(
            (label for keys, label in CATEGORIES if own and any(key in own for key in keys)),
            "web server (API requests)" if any("waitress" in frame for frame in frames) else "other",
        )
        totals[category] = totals.get(category, 0) + count
        if any("sqlalchemy" in frame or "sqlite3" in frame or "psycopg" in frame for frame in frames):
            in_database[category] = in_database.get(category, 0) + count
    whole = sum(totals.values()) or 1
    print(f"{name}: {whole:,} samples of busy threads")
    for category, count in sorted(totals.items(), key=lambda pair: -pair[1]):
        database = in_database.get(category, 0)
        print(f"  {category:<40} {count / whole:6.1%}   (of it in SQLAlchemy/sqlite3: {database / whole:5.1%} of all)")


def stored(database: Path) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as connection:
        return int(connection.execute("SELECT count(*) FROM probe_results").fetchone()[0])


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["inprocess", "agent"], default="inprocess")
    parser.add_argument("--targets", type=int, default=200)
    parser.add_argument("--interval", type=int, default=20)
    parser.add_argument("--warmup", type=float, default=30.0)
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument("--profile", action="store_true", help="sample the measured processes with py-spy")
    parser.add_argument(
        "--before",
        type=Path,
        help="a source tree of the code before (e.g. `mkdir DIR && git archive b6c486d | tar -x -C DIR`): "
        "measured first, then this tree, and the ratios printed",
    )
    args = parser.parse_args()
    runs = 2 if args.before else 1
    if runs * (args.seconds + args.warmup) > 300:
        raise SystemExit("keep a run under five minutes on a shared machine (runs x (--warmup + --seconds) <= 300)")
    here = Path(__file__).resolve().parent.parent
    if args.before:
        print(f"== before: {args.before}")
        before = measure(args, args.before.resolve())
        print(f"== after: {here}")
        after = measure(args, here)
        for name in after:
            print(
                f"{name}: before {before[name]:.2f} ms, after {after[name]:.2f} ms per check: after/before = "
                f"{after[name] / before[name]:.2f} ({before[name] / after[name]:.2f}x cheaper); "
                f"after / target {TARGET_MS} ms = {after[name] / TARGET_MS:.2f}"
            )
    else:
        measure(args, here)


def measure(args: argparse.Namespace, source: Path) -> dict[str, float]:
    """One measurement of the code in ``source``; returns ms of CPU per stored check per measured process."""
    figures: dict[str, float] = {}
    folder = Path(tempfile.mkdtemp(prefix="bench-check-cost-"))
    database = folder / "slatrack.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLATRACK_")}
    env.update(
        PYTHONPATH=str(source),
        SLATRACK_INSTANCE_PATH=str(folder / "instance"),
        SLATRACK_SECRET_KEY="bench-secret-key-0123456789abcdef",
        SLATRACK_DATABASE_URL=f"sqlite:///{database}",
    )
    page_port, server_port = free_port(), free_port()
    page = subprocess.Popen([sys.executable, "-c", PAGE_SERVER, str(page_port)])
    processes: list[subprocess.Popen[bytes]] = [page]
    measured: dict[str, psutil.Process] = {}
    samplers: list[subprocess.Popen[bytes] | None] = []
    log = open(folder / "server.log", "wb")  # noqa: SIM115 - closed in finally
    try:
        wait_for_port(page_port)
        remote = args.mode == "agent"
        token = prepare(database, env, args.targets, args.interval, page_port, remote)
        command = [sys.executable, "-c", "from slatrack.cli import main; main()"]
        command += ["run", "--host", "127.0.0.1", "--port", str(server_port)]
        # Run from the temporary folder: the source tree comes from PYTHONPATH, not from the current directory.
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
        processes.append(server)
        wait_for_port(server_port)
        measured["server"] = psutil.Process(server.pid)
        if remote:
            config = folder / "agent.toml"
            lines = []
            for number in range(args.targets):
                lines += [
                    "[[targets]]",
                    f'name = "web-{number:03d}"',
                    'kind = "http"',
                    f'url = "http://127.0.0.1:{page_port}/status?t={number}"',
                    f'keyword = "{KEYWORD}"',
                    f"interval_seconds = {args.interval}",
                    "timeout_seconds = 10",
                    "",
                ]
            config.write_text("\n".join(lines), encoding="utf-8")
            agent = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "probes",
                    "--server",
                    f"http://127.0.0.1:{server_port}",
                    "--config",
                    str(config),
                    "--spool",
                    str(folder / "spool.sqlite3"),
                    "--log-level",
                    "WARNING",
                ],
                env={**env, "SLATRACK_PROBE_TOKEN": token},
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=folder,
            )
            processes.append(agent)
            measured["agent"] = psutil.Process(agent.pid)
        print(
            f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; python {sys.version.split()[0]}; "
            f"mode {args.mode}; {args.targets} http targets with a keyword every {args.interval} s "
            f"({args.targets / args.interval:.1f} checks/s offered); warm-up {args.warmup:g} s, "
            f"measured {args.seconds:g} s; SQLite file database"
        )
        time.sleep(args.warmup)
        before = {name: cpu_seconds(process) for name, process in measured.items()}
        count_before, started = stored(database), time.monotonic()
        if args.profile:
            samplers = [
                sample(process.pid, folder / f"{name}.stacks", args.seconds) for name, process in measured.items()
            ]
        time.sleep(args.seconds)
        after = {name: cpu_seconds(process) for name, process in measured.items()}
        split = {name: process.cpu_times() for name, process in measured.items()}
        count_after, elapsed = stored(database), time.monotonic() - started
        checks = count_after - count_before
        memory = {name: process.memory_info().rss / 1e6 for name, process in measured.items()}
        print(
            f"stored {checks:,} checks in {elapsed:.1f} s ({checks / elapsed:.2f}/s; "
            f"{count_after:,} stored in all); load average {os.getloadavg()[0]:.2f}"
        )
        if checks <= 0:
            raise SystemExit("no check was stored in the window: see " + str(folder / "server.log"))
        for name in measured:
            used = after[name] - before[name]
            per_check = figures[name] = used / checks * 1000
            print(
                f"{name}: {used:.2f} s CPU = {per_check:.2f} ms per check ({checks / used:,.0f} checks/CPU-second), "
                f"RSS {memory[name]:.0f} MB (process total so far: user {split[name].user:.1f} s, "
                f"system {split[name].system:.1f} s); target <= {TARGET_MS} ms: "
                f"{'met' if per_check <= TARGET_MS else 'NOT met'} ({per_check / TARGET_MS:.2f} of the target)"
            )
        if remote:
            used = sum(after[name] - before[name] for name in measured)
            print(f"agent + server: {used / checks * 1000:.2f} ms per check")
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
    for name, sampler in zip(measured, samplers, strict=False):
        if sampler is not None:
            sampler.wait(30)
            breakdown(name, folder / f"{name}.stacks")
    print(f"(files kept in {folder})")
    return figures


if __name__ == "__main__":
    main()
