"""Ticket import and the vendor's queue page at 20,000 tickets.

Run: python bench/bench_tickets.py [--tickets 20000] [--requests 20] [--database-url URL]

Targets: importing 20,000 tickets from .xlsx in < 20 s; the vendor queue page (/tickets, default
filter, first page of 50) with 20,000 tickets in the database in < 300 ms server time, measured with
Flask's test client (no network). Without --database-url a fresh SQLite file in a temporary folder is used;
with a PostgreSQL server URL (e.g. postgresql+psycopg:///postgres) a scratch database is created on it.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openpyxl import Workbook
from sqlalchemy import func, select

from bench.scratch import scratch_app
from slatrack.operations.tickets.columns import COLUMNS

UNITS = [
    "都匀市",
    "福泉市",
    "荔波县",
    "贵定县",
    "瓮安县",
    "独山县",
    "平塘县",
    "罗甸县",
    "长顺县",
    "龙里县",
    "惠水县",
    "三都水族自治县",
    "州直部门",
]
CATEGORIES = [
    "答疑",
    "数据处理",
    "操作指导",
    "业务咨询",
    "业务培训",
    "等保测评配合",
    "信息通知",
    "故障处理",
    "功能优化",
    "补丁/版本升级",
    "其他",
]
HEADER = list(COLUMNS)  # the import format's own columns, so the benchmark file is a valid import


def build_workbook(count: int, seed: int = 7) -> bytes:
    """A vendor's log: real datetime cells, some open, some paused, some cancelled (naive = Beijing time)."""
    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("工单")
    sheet.append(HEADER)
    start = datetime(2025, 1, 1, 8, 0)  # noqa: DTZ001 - Excel cells are local wall times
    span = (datetime(2025, 11, 20) - start).total_seconds()  # noqa: DTZ001
    for index in range(count):
        reported = start + timedelta(seconds=int(rng.random() * span))
        reported = reported.replace(second=0)
        responded = reported + timedelta(minutes=rng.choice([3, 10, 20, 25, 45]))
        fate = rng.random()
        pause = ""
        resolved = closed = cancelled = None
        reason = ""
        if fate < 0.03:
            responded_cell = None
            cancelled = reported + timedelta(minutes=5)
            reason = "用户撤回"
        else:
            responded_cell = responded
            if fate < 0.1:
                p0 = responded + timedelta(minutes=10)
                p1 = p0 + timedelta(minutes=rng.randint(20, 300))
                pause = f"{p0:%Y-%m-%d %H:%M:%S}~{p1:%Y-%m-%d %H:%M:%S}"
                resolved = p1 + timedelta(minutes=rng.randint(10, 120))
            elif fate < 0.95:
                resolved = responded + timedelta(minutes=rng.randint(5, 600))
            if resolved is not None and rng.random() < 0.8:
                closed = resolved + timedelta(hours=rng.randint(1, 48))
        sheet.append(
            [
                None,
                rng.choice(UNITS),
                reported,
                rng.choice(CATEGORIES),
                rng.choice(["P1", "P2", "P3", "P3", "P4"]),
                rng.choice(["电话", "微信", "现场", "系统", "邮件"]),
                rng.choice(["远程", "上门"]),
                f"服务请求 {index:05d}：{rng.choice(['无法登录', '数据上报', '报表导出', '权限调整', '页面报错'])}",
                "按用户描述处理",
                rng.choice(["张三", "李四", "王五", "赵六"]),
                responded_cell,
                pause,
                resolved,
                closed,
                cancelled,
                reason,
                "",
            ]
        )
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    from slatrack.audit import acting_as
    from slatrack.extensions import db
    from slatrack.models import AuditRecord, Ticket, TicketEvent
    from slatrack.operations.accounts.users import create_user
    from slatrack.operations.tickets.importing import import_tickets

    with scratch_app(args.database_url, "bench-tickets", {"WTF_CSRF_ENABLED": False}) as app:
        with app.app_context():
            with acting_as("bench"):
                create_user("bench-vendor", "vendor", "Bench@Passw0rd1")
            db.session.commit()

            started = time.perf_counter()
            data = build_workbook(args.tickets)
            built = time.perf_counter() - started
            print(f"workbook: {args.tickets} rows, {len(data) / 1e6:.1f} MB, built in {built:.1f} s")

            started = time.perf_counter()
            cpu = time.process_time()
            with acting_as("bench"):
                result = import_tickets(io.BytesIO(data), "bench.xlsx")
            import_wall = time.perf_counter() - started
            import_cpu = time.process_time() - cpu
            assert result.ok, result.errors[:5]
            tickets = db.session.scalar(select(func.count()).select_from(Ticket))
            events = db.session.scalar(select(func.count()).select_from(TicketEvent))
            audits = db.session.scalar(select(func.count()).select_from(AuditRecord))
            print(
                f"import: created {result.created}, skipped {result.skipped}; {tickets} tickets, {events} events, "
                f"{audits} audit records in the database"
            )
            print(
                f"import .xlsx            wall {import_wall:.2f} s, cpu {import_cpu:.2f} s "
                f"({import_wall / 20:.2f} of the 20 s target)"
            )

            started = time.perf_counter()
            with acting_as("bench"):
                again = import_tickets(io.BytesIO(data), "bench.xlsx")
            print(
                f"re-import (all skipped) wall {time.perf_counter() - started:.2f} s, "
                f"created {again.created}, skipped {again.skipped}"
            )

        client = app.test_client()
        response = client.post("/login", data={"username": "bench-vendor", "password": "Bench@Passw0rd1"})
        assert response.status_code == 302, response.status_code
        for label, path in (
            ("queue (default: unfinished)", "/tickets"),
            ("queue (all tickets)", "/tickets?status="),
            ("queue (resolution overdue)", "/tickets?status=&deadline=resolution_overdue"),
            ("queue (one unit, P3, page 20)", "/tickets?status=&unit=522701&priority=P3&page=20"),
        ):
            client.get(path)  # warm-up: templates compiled, caches filled
            times = []
            for _ in range(args.requests):
                started = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200
            body = response.get_data(as_text=True)
            assert "共 " in body
            median = statistics.median(times) * 1000
            p95 = sorted(times)[max(int(len(times) * 0.95) - 1, 0)] * 1000
            print(f"{label:<32} median {median:6.1f} ms, p95 {p95:6.1f} ms ({median / 300:.2f} of the 300 ms target)")


if __name__ == "__main__":
    main()
