"""Benchmark: the quarterly report in both formats for a busy quarter (issue 6).

Builds a SQLite database (in a temporary instance) with the 2025 reference data and bench/report_dataset.py's
records for 2025 Q1 and Q2 — ``--tickets`` requests per quarter (default 5,000) with their events, ``--targets``
monitored targets (default 50) with evidence segments for the half year, outages with linked fault tickets,
inspections, survey answers and payments — then times ``quarterly_file("2025Q2", "docx")`` followed by
``quarterly_file("2025Q2", "xlsx")``: measuring the quarter, its months and the year to date, gathering the
records, drawing the charts and writing both files. Target: < 5 s for both formats. Then the year's
self-evaluation (the official table of each project) in both formats, cold (issue 13).

    python bench/bench_reports.py [--tickets 5000] [--targets 50] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report_dataset import build

from slatrack import create_app

TARGET_SECONDS = 5.0
AS_OF = datetime(2025, 7, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=5000, help="requests per quarter")
    parser.add_argument("--targets", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["SLATRACK_INSTANCE_PATH"] = folder
        app = create_app({"SECRET_KEY": "bench-secret-key-0123456789"})
        with app.app_context():
            from flask_migrate import upgrade

            from slatrack.operations.figures.cache import CACHE
            from slatrack.operations.figures.document_data import quarterly_data
            from slatrack.operations.figures.documents import quarterly_document, quarterly_file, self_evaluation_file
            from slatrack.operations.reference.loading import load_reference
            from slatrack.reports.docx_render import render_docx
            from slatrack.reports.xlsx_render import render_xlsx

            upgrade()
            load_reference()
            started = time.perf_counter()
            build(tickets_per_quarter=args.tickets, targets=args.targets, seed=2025, quarters=(1, 2))
            print(f"built in {time.perf_counter() - started:.1f} s: {args.tickets} requests per quarter (Q1, Q2), "
                  f"{args.targets} targets")  # fmt: skip

            def both() -> tuple[int, int]:
                # Two requests a moment apart, as two downloads are: the quarter is measured at each one's
                # instant (only what does not depend on it, the year to date at the quarter's end, is shared).
                # Each call at new instants, so no run reuses figures an earlier run computed.
                calls.append(AS_OF + timedelta(seconds=2 * len(calls)))
                docx = quarterly_file("2025Q2", "docx", calls[-1], via="bench")
                xlsx = quarterly_file("2025Q2", "xlsx", calls[-1] + timedelta(seconds=1), via="bench")
                return len(docx.content), len(xlsx.content)

            calls: list[datetime] = []

            sizes = both()
            figures = quarterly_data("2025Q2", AS_OF, records=False).figures.as_json()
            print(f"Q2: {figures['tickets']} requests, downtime {figures['downtime_minutes']} min, "
                  f"failure rate {figures['failure_rate']} %, response rate {figures['response_rate']} %; "
                  f"docx {sizes[0] / 1e3:.0f} kB, xlsx {sizes[1] / 1e3:.0f} kB")  # fmt: skip

            def timed(label: str, func, clear: bool, clock=time.perf_counter) -> float:  # type: ignore[no-untyped-def]
                times = []
                for _ in range(args.runs):
                    if clear:
                        CACHE.clear()
                    start = clock()
                    func()
                    times.append(clock() - start)
                median = statistics.median(times)
                print(f"{label}: best {min(times):.3f} s, median {median:.3f} s "
                      f"({median / TARGET_SECONDS:.2f} of the {TARGET_SECONDS:.0f} s target)")  # fmt: skip
                return median

            def self_evaluation() -> tuple[int, int]:
                docx = self_evaluation_file("2025", "docx", AS_OF, via="bench")
                xlsx = self_evaluation_file("2025", "xlsx", AS_OF, via="bench")
                return len(docx.content), len(xlsx.content)

            timed("quarterly report, docx + xlsx, cold (records loaded)", both, clear=True)
            timed("  the same, CPU time of this process", both, clear=True, clock=time.process_time)
            timed("self-evaluation (official tables), docx + xlsx, cold", self_evaluation, clear=True)
            timed("quarterly report, docx + xlsx, warm (records unchanged)", both, clear=False)

            def moment() -> datetime:  # a new instant each time: nothing measured at an earlier one is reused
                calls.append(AS_OF + timedelta(seconds=2 * len(calls)))
                return calls[-1]

            parts = {
                "gather figures (quarter, months, year to date)": lambda: quarterly_data(
                    "2025Q2", moment(), records=False
                ),
                "build the Word document's model (with charts)": lambda: quarterly_document(
                    "2025Q2", moment(), records=False
                ),
                "build the workbook's model (with record sheets)": lambda: quarterly_document(
                    "2025Q2", moment(), charts=False
                ),
            }
            for label, func in parts.items():
                timed(f"  {label}, warm", func, clear=False)
            for_docx = quarterly_document("2025Q2", AS_OF, records=False)
            for_xlsx = quarterly_document("2025Q2", AS_OF, charts=False)
            timed("  render docx", lambda: render_docx(for_docx), clear=False)
            timed("  render xlsx", lambda: render_xlsx(for_xlsx), clear=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
