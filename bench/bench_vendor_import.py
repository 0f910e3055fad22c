"""A vendor's own service log of 20,000 rows imported through a mapping (issue 19).

Run: python bench/bench_vendor_import.py [--rows 20000] [--database-url URL]

Target: < 20 s for the whole import (header detection, mapping, date and time joining, checks, writing the
tickets with their response and resolution events and audit records). The log is shaped as vendors keep
it: one sheet a month, each with a title row merged across the sheet and a blank row above the header,
date and time in separate columns (Excel date cells, text times), county names without their suffix,
现场 for 上门, response and completion as times of day, no category or priority (defaults in the mapping).
Without --database-url a fresh SQLite file in a temporary folder is used; with a PostgreSQL server URL
(e.g. postgresql+psycopg:///postgres) a scratch database is created on it.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openpyxl import Workbook
from sqlalchemy import func, select

from bench.scratch import scratch_app

COUNTIES = ["都匀", "福泉", "荔波", "贵定", "瓮安", "独山", "平塘", "罗甸", "长顺", "龙里", "惠水", "三都", "州直"]
HEADER = ["序号", "日期", "时间", "单位", "联系人", "来源", "问题描述", "处理方式", "处理结果", "处理人", "响应时间"]
HEADER += ["完成时间"]
MAPPING = """
[columns]
reported_at = ["日期", "时间"]
unit = "单位"
requester = "联系人"
channel = "来源"
title = "问题描述"
description = "问题描述"
mode = "处理方式"
outcome = "处理结果"
engineer = "处理人"
responded_at = "响应时间"
resolved_at = "完成时间"

[values.mode]
"现场" = "上门"

[values.unit]
"州直" = "522700"

[defaults]
category = "consult"
priority = "P3"
"""


def build_log(count: int, seed: int = 19) -> bytes:
    """``count`` rows over eleven monthly sheets of 2025 (naive Excel dates = Beijing wall time)."""
    rng = random.Random(seed)
    # A normal workbook, as Excel writes one: shared strings and each sheet's dimension (a write-only
    # workbook has neither, and openpyxl would scan every sheet twice to size it).
    book = Workbook()
    book.remove(book.worksheets[0])
    months = 11
    per_month = -(-count // months)
    written = 0
    for month in range(1, months + 1):
        sheet = book.create_sheet(f"{month}月")
        sheet.append([f"2025年{month}月运维服务记录"])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
        sheet.append([])
        sheet.append(HEADER)
        rows = min(per_month, count - written)
        for index in range(rows):
            day = datetime(2025, month, rng.randint(1, 28))  # noqa: DTZ001 - Excel cells are local wall times
            reported = timedelta(hours=rng.randint(8, 17), minutes=rng.randint(0, 59))
            responded = reported + timedelta(minutes=rng.choice([3, 10, 20, 25]))
            resolved = responded + timedelta(minutes=rng.randint(5, 300))
            done = resolved < timedelta(hours=24) and rng.random() < 0.9
            sheet.append(
                [
                    index + 1,
                    day,
                    f"{reported.seconds // 3600}:{reported.seconds % 3600 // 60:02d}",
                    rng.choice(COUNTIES),
                    rng.choice(["张三", "李四", "王五", "赵六"]),
                    rng.choice(["电话", "微信", "现场"]),
                    f"{month}月第{index + 1}件：{rng.choice(['无法登录', '数据上报', '报表导出', '权限调整'])}",
                    rng.choice(["远程", "现场"]),
                    "已处理" if done else "",
                    rng.choice(["王工", "赵工"]),
                    f"{responded.seconds // 3600}:{responded.seconds % 3600 // 60:02d}",
                    f"{resolved.seconds // 3600}:{resolved.seconds % 3600 // 60:02d}" if done else "",
                ]
            )
        written += rows
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    from slatrack.audit import acting_as
    from slatrack.extensions import db
    from slatrack.models import Ticket, TicketEvent
    from slatrack.operations.tickets.mapping import parse
    from slatrack.operations.tickets.vendor_import import check_vendor_file

    with scratch_app(args.database_url, "bench-vendor") as app, app.app_context():
        started = time.perf_counter()
        data = build_log(args.rows)
        print(
            f"log: {args.rows} rows in 11 monthly sheets, {len(data) / 1e6:.1f} MB, built in "
            f"{time.perf_counter() - started:.1f} s"
        )
        mapping = parse(MAPPING)

        started = time.perf_counter()
        cpu = time.process_time()
        with acting_as("bench"):
            preview = check_vendor_file(io.BytesIO(data), "log.xlsx", mapping)
        wall = time.perf_counter() - started
        assert preview.result.ok, preview.result.errors[:5]
        print(f"preview (check only)    wall {wall:.2f} s, cpu {time.process_time() - cpu:.2f} s")

        started = time.perf_counter()
        cpu = time.process_time()
        with acting_as("bench"):
            done = check_vendor_file(io.BytesIO(data), "log.xlsx", mapping, write=True)
        wall = time.perf_counter() - started
        assert done.result.ok and done.result.created == args.rows, done.result.errors[:5]
        tickets = db.session.scalar(select(func.count()).select_from(Ticket))
        events = db.session.scalar(select(func.count()).select_from(TicketEvent))
        print(f"import: created {done.result.created}; {tickets} tickets, {events} events in the database")
        print(
            f"import with mapping     wall {wall:.2f} s, cpu {time.process_time() - cpu:.2f} s "
            f"({wall / 20:.2f} of the 20 s target)"
        )


if __name__ == "__main__":
    main()
