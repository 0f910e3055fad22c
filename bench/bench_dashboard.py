"""Benchmark: the dashboard (总览) page with a year of data, server time through the test client (issue 7).

Builds the same database as bench_sla.py (2025 reference data, 50 targets with a year of evidence
segments, 20,000 tickets with their events, inspections, survey answers), adds what the dashboard shows
beyond the SLA figures — open tickets with deadlines, the latest check results of every target, submitted
quarterly reports — then times ``GET /`` as an administrator (every section) and as a unit user:

- cold: the SLA input cache emptied before each request (the first request after a restart);
- warm: records unchanged since the last request (what the 60-second refresh mostly meets);
- after a change: one ticket event recorded before each request (the data version moves; the tickets are
  read again, the settled outcomes of unchanged tickets kept);
- after a restart: nothing in memory, the input cache's snapshot on disk, the server's warm-up at start
  (operations/figures/warmup.py) started as the server starts it, and the first request sent at once,
  without waiting for the warm-up to end (it must come back with every figure: it waits for the warm-up);
  then the same once the warm-up has ended.

The data is 2025's (the year the reference data covers): every request asks for ``/?year=2025`` and the
warm-up measures 2025, as the server's warm-up measures the year it is.

    python bench/bench_dashboard.py [--targets 50] [--tickets 20000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sla import build

from slatrack import create_app
from slatrack.audit import acting_as
from slatrack.extensions import db
from slatrack.models import ProbeResult, Report, Target, Ticket, TicketEvent, utcnow
from slatrack.operations.figures.cache import CACHE
from slatrack.operations.figures.dashboard_figures import clear_cache
from slatrack.operations.figures.warmup import warm_in_background

TARGET_MS = 300.0
YEAR = 2025
HOME = f"/?year={YEAR}"
PASSWORD = "Bench@2025x"


def extras(rng: random.Random) -> None:
    """Open tickets due soon or overdue, recent check results for every target, three submitted reports."""
    now = utcnow()
    open_ids = list(db.session.scalars(select(Ticket.id).order_by(Ticket.id.desc()).limit(40)))
    for n, ticket_id in enumerate(open_ids):
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.status = "open" if n % 2 else "in_progress"
        ticket.first_response_at = None if n % 2 else now - timedelta(hours=1)
        ticket.response_due_at = now + timedelta(minutes=rng.randint(-120, 240))
        ticket.resolution_due_at = now + timedelta(hours=rng.randint(-6, 48))
    db.session.commit()
    rows = []
    for target_id in db.session.scalars(select(Target.id)):
        for minute in range(10):
            rows.append(
                {
                    "target_id": target_id,
                    "sample_id": f"bench-{target_id}-{minute}",
                    "observed_at": now - timedelta(minutes=minute),
                    "received_at": now,
                    "ok": rng.random() > 0.05,
                    "latency_ms": rng.uniform(5, 80),
                    "detail": "",
                }
            )
    db.session.execute(insert(ProbeResult), rows)
    for quarter, day in (
        ("2025Q1", datetime(2025, 4, 8, 2, tzinfo=UTC)),
        ("2025Q2", datetime(2025, 7, 7, 2, tzinfo=UTC)),
    ):
        db.session.add(
            Report(kind="quarterly", period=quarter, status="submitted", submitted_at=day, frozen_figures=None)
        )
    db.session.commit()


def timed(label: str, func: Callable[[], float], runs: int) -> float:
    times = [func() for _ in range(runs)]
    best, median = min(times), statistics.median(times)
    print(f"{label}: best {best:.0f} ms, median {median:.0f} ms ({median / TARGET_MS:.2f} of {TARGET_MS:.0f} ms)")
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--targets", type=int, default=50)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        os.environ["SLATRACK_INSTANCE_PATH"] = folder
        app = create_app({"SECRET_KEY": "bench-secret-key-0123456789", "WTF_CSRF_ENABLED": False})
        with app.app_context():
            from flask_migrate import upgrade

            from slatrack.operations.accounts.users import create_user
            from slatrack.operations.reference.loading import load_reference

            upgrade()
            load_reference()
            build(args.targets, args.tickets, args.seed)
            extras(rng)
            create_user("bench-admin", "admin", PASSWORD)
            create_user("bench-unit", "unit", PASSWORD, unit_code="522701")
            print(
                f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split('://')[0]}, "
                f"{Path(folder, 'slatrack.sqlite3').stat().st_size / 1e6:.1f} MB"
            )
            db.session.remove()

        def client_for(username: str):  # type: ignore[no-untyped-def]
            client = app.test_client()
            response = client.post("/login", data={"username": username, "password": PASSWORD})
            assert response.status_code == 302, response.status_code
            return client

        admin = client_for("bench-admin")
        unit = client_for("bench-unit")

        def get(client, path: str = HOME) -> tuple[float, bool]:  # type: ignore[no-untyped-def]
            """Server time of one request in ms, and whether its measured figures are still to come."""
            start = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 200, response.status_code
            return elapsed, "data-pending" in response.get_data(as_text=True)

        ready_times: list[float] = []

        def until_ready(started: float) -> None:
            """Poll the fragment (as the page's script does) until the figures are there."""
            while get(admin, f"/dashboard/fragment?year={YEAR}")[1]:
                time.sleep(0.05)
            ready_times.append(time.perf_counter() - started)

        def cold() -> float:
            with app.app_context():
                CACHE.clear()
                clear_cache()
            started = time.perf_counter()
            elapsed, _ = get(admin)
            until_ready(started)
            return elapsed

        def warm() -> float:
            elapsed, pending = get(admin)
            assert not pending
            return elapsed

        def changed() -> float:
            # An audited change of one ticket (as a page or the API makes it): the page shows the figures it
            # has while they are measured again, the cache re-reading only that ticket.
            with app.app_context(), acting_as("bench"):
                ticket_id = db.session.scalar(select(Ticket.id).where(Ticket.status == "open").limit(1))
                db.session.add(TicketEvent(ticket_id=ticket_id, type="comment", at=utcnow(), note="基准测试：追加说明"))
                db.session.commit()
            started = time.perf_counter()
            elapsed, _ = get(admin)
            until_ready(started)
            return elapsed

        warmups: list[float] = []

        def restarted() -> float:
            for thread in threading.enumerate():
                if thread.name == "figures-snapshot":
                    thread.join()
            with app.app_context():
                CACHE.clear(snapshots=False)
                clear_cache()
            started = time.perf_counter()
            return started

        def restart() -> float:
            # The server starts its warm-up as it starts serving; the first visitor arrives at once.
            started = restarted()
            warmup = warm_in_background(app, YEAR)
            elapsed, pending = get(admin)
            assert not pending, "the first request after a restart found no figures"
            warmup.join()
            warmups.append(time.perf_counter() - started)
            return elapsed

        def restart_after_warmup() -> float:
            restarted()
            warm_in_background(app, YEAR).join()
            elapsed, pending = get(admin)
            assert not pending, "the first request after the warm-up found no figures"
            return elapsed

        def synchronous() -> float:
            # What the page would cost if it measured in the request (as in testing mode): cold SLA cache.
            with app.app_context():
                CACHE.clear()
                clear_cache()
                from slatrack.operations.figures.dashboard_figures import measure_part

                start = time.perf_counter()
                measure_part(YEAR, f"{YEAR}Q4", utcnow())
                return (time.perf_counter() - start) * 1000

        page = admin.get(HOME).get_data(as_text=True)
        until_ready(time.perf_counter())
        page = admin.get(HOME).get_data(as_text=True)
        print(f"page: {len(page) / 1000:.0f} kB, {page.count('<tr')} table rows, {page.count('<li class=')} targets")
        results = {
            "cold": timed("dashboard as admin, cold caches (figures measured in the background)", cold, args.runs),
        }
        print(f"  figures on the page after: median {statistics.median(ready_times):.2f} s (cold, loading + measuring)")
        ready_times.clear()
        results["warm"] = timed("dashboard as admin, warm", warm, args.runs)
        results["fragment"] = timed(
            "refresh fragment as admin, warm", lambda: get(admin, f"/dashboard/fragment?year={YEAR}")[0], args.runs
        )
        results["changed"] = timed("dashboard as admin after one ticket event", changed, args.runs)
        print(
            f"  updated figures after: median {statistics.median(ready_times):.2f} s (incremental reload + measuring)"
        )
        results["restart"] = timed(
            "dashboard as admin, the first request after a restart, sent as the warm-up starts", restart, args.runs
        )
        print(f"  the warm-up at start (snapshot + measuring the year): median {statistics.median(warmups):.2f} s")
        results["restart_warm"] = timed(
            "dashboard as admin, the first request after a restart, once the warm-up has ended",
            restart_after_warmup,
            args.runs,
        )
        results["unit"] = timed("dashboard as a unit user, warm", lambda: get(unit)[0], args.runs)
        results["sync"] = timed(
            "measuring the dashboard's figures in the request, cold", synchronous, max(2, args.runs // 2)
        )
        for name in ("cold", "warm", "changed", "restart", "restart_warm"):
            verdict = "met" if results[name] < TARGET_MS else "NOT met"
            print(f"target < {TARGET_MS:.0f} ms server time, {name}: {verdict} ({results[name] / TARGET_MS:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
