"""Import and export of tickets as .xlsx or .csv with Chinese column headers.

An export is a valid import: each row carries the ticket's fields and the key times of its history
(first response, pauses, resolution, close, cancel with its reason), from which the import rebuilds
the events. The whole file is checked before anything is written: one bad row and nothing is
imported, and every fault is listed by row number, column and reason. Rows already imported
(same identifying fields, hence the same ``import_key``) or whose ticket number already exists
are skipped, so importing a file twice creates nothing the second time.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from flask import current_app, has_request_context, request
from openpyxl import Workbook, load_workbook
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import selectinload

from slatrack import audit
from slatrack.extensions import db
from slatrack.measure import lifecycle
from slatrack.models import AuditRecord, Ticket, TicketEvent, TicketSequence, Unit, User
from slatrack.models.enums import CHANNELS, MODES, PRIORITIES, TICKET_CATEGORIES, TICKET_STATUSES
from slatrack.operations import OperationError
from slatrack.operations import tickets as ops
from slatrack.textsafety import clean_cells, safe_cell

COLUMNS: tuple[str, ...] = (
    "工单编号",
    "单位",
    "报告时间",
    "类别",
    "优先级",
    "渠道",
    "方式",
    "标题",
    "描述",
    "报告人",
    "响应时间",
    "挂起记录",
    "解决时间",
    "关闭时间",
    "取消时间",
    "取消原因",
    "状态",
)
REQUIRED = ("单位", "报告时间", "类别", "优先级", "渠道", "方式", "标题")
# 状态 is written for readers and ignored on import: the state follows from the times.
HELP_ROWS: tuple[tuple[str, str], ...] = (
    ("工单编号", "可选。留空则按报告时间所在年份自动编号（YW-年份-序号）。"),
    ("单位", "必填。单位名称或代码，例如 都匀市 或 522701。"),
    ("报告时间", "必填。例如 2025/5/10 9:30、2025-05-10 09:30:00，或 Excel 日期时间单元格（北京时间）。"),
    ("类别", "必填。中文名称或代码：" + "、".join(f"{v}({k})" for k, v in TICKET_CATEGORIES.items())),
    ("优先级", "必填。P1、P2、P3 或 P4。"),
    ("渠道", "必填。" + "、".join(CHANNELS)),
    ("方式", "必填。" + "、".join(MODES)),
    ("标题", "必填。不超过 200 字。"),
    ("描述 / 报告人", "可选。"),
    ("响应时间 / 解决时间 / 关闭时间 / 取消时间", "可选。不得早于报告时间，不得晚于当前时间。"),
    ("挂起记录", "可选。每段“开始~结束”，多段用分号分隔；仍在挂起的最后一段可不写结束时间。"),
    ("取消原因", "填写取消时间时必填。"),
    ("状态", "导出时填写，导入时忽略（由各时间推算）。"),
)
MAX_ROWS = 100_000
_EXCEL_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 - Excel serials are naive local wall times
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M",
    "%Y年%m月%d日 %H时%M分",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y年%m月%d日",
)


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行「{self.column}」：{self.message}"


@dataclass
class ImportResult:
    created: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)  # cells stripped of control characters

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    line: int
    number: str | None
    unit: Unit
    reported_at: datetime
    category: str
    priority: str
    channel: str
    mode: str
    title: str
    description: str
    requester: str
    events: list[lifecycle.Event]
    timeline: lifecycle.TicketTimeline
    key: str


# ---------------------------------------------------------------- reading files


def read_rows(stream: IO[bytes], filename: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number as the user sees it, {header: value}) for each non-empty data row."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        yield from _xlsx_rows(stream)
    elif suffix == ".csv":
        yield from _csv_rows(stream)
    else:
        raise OperationError("只支持 .xlsx 或 .csv 文件", fields={"file": "文件格式应为 .xlsx 或 .csv"})


def _headers(raw: Iterable[Any]) -> list[str]:
    names = [("" if v is None else str(v)).strip().lstrip("\ufeff") for v in raw]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise OperationError("表头缺少必需的列：" + "、".join(missing), fields={"file": "缺少列 " + "、".join(missing)})
    return names


def _xlsx_rows(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise OperationError("无法读取 Excel 文件，请确认是 .xlsx 格式", fields={"file": "无法读取"}) from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        first = next(rows, None)
        if first is None:
            raise OperationError("文件是空的", fields={"file": "没有表头"})
        names = _headers(first)
        for offset, values in enumerate(rows, start=2):
            if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            yield offset, {name: value for name, value in zip(names, values, strict=False) if name}
    finally:
        book.close()


def _csv_rows(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, Any]]]:
    data = stream.read()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise OperationError("无法识别 CSV 文件的编码，请保存为 UTF-8", fields={"file": "编码无法识别"})
    reader = csv.reader(io.StringIO(text, newline=""))
    first = next(reader, None)
    if first is None:
        raise OperationError("文件是空的", fields={"file": "没有表头"})
    names = _headers(first)
    for offset, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        yield offset, {name: value for name, value in zip(names, values, strict=False) if name}


# ---------------------------------------------------------------- parsing cells


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_time(value: Any, zone: Any) -> datetime:
    """A cell as an aware instant; naive values are local wall time. Raises ValueError (Chinese)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo is not None else value.replace(tzinfo=zone)).astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), zone).astimezone(UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial(float(value), zone)
    text = _text(value)
    if not text:
        raise ValueError("不能为空")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _serial(float(text), zone)
    try:
        parsed = datetime.fromisoformat(text.replace("/", "-")) if "T" in text else None
    except ValueError:
        parsed = None
    if parsed is not None:
        return (parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)).astimezone(UTC)
    for form in _DATE_FORMATS:
        try:
            naive = datetime.strptime(text, form)  # noqa: DTZ007 - local wall time, zone attached below
        except ValueError:
            continue
        return naive.replace(tzinfo=zone).astimezone(UTC)
    raise ValueError(f"无法识别的时间：{text}，例如 2025/5/10 9:30 或 2025-05-10 09:30:00")


def _serial(serial: float, zone: Any) -> datetime:
    if not 1 <= serial < 2958466:
        raise ValueError(f"无法识别的时间：{serial:g}")
    naive = _EXCEL_EPOCH + timedelta(days=serial)
    # Excel keeps seconds as a fraction of a day: round to the nearest second.
    naive = (naive + timedelta(microseconds=500_000)).replace(microsecond=0)
    return naive.replace(tzinfo=zone).astimezone(UTC)


def _lookup_tables() -> tuple[dict[str, Unit], dict[str, str], dict[str, str]]:
    units: dict[str, Unit] = {}
    for unit in db.session.scalars(select(Unit)):
        units[unit.code] = unit
        units[unit.name] = unit
    categories = {code: code for code in TICKET_CATEGORIES}
    categories.update({label: code for code, label in TICKET_CATEGORIES.items()})
    categories.update({"补丁": "patch", "版本升级": "patch", "咨询": "consult"})
    priorities = {code: code for code in PRIORITIES}
    priorities.update({label: code for code, label in PRIORITIES.items()})
    priorities.update({code.lower(): code for code in PRIORITIES})
    priorities.update({label.split()[1]: code for code, label in PRIORITIES.items()})
    return units, categories, priorities


def import_key(unit_code: str, reported_at: datetime, category: str, title: str, requester: str) -> str:
    """The hash of a row's identifying fields: the same row imported again is recognised."""
    parts = (unit_code, reported_at.astimezone(UTC).isoformat(), category, title.strip(), requester.strip())
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class _Checker:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.zone = ops.local_zone()
        self.units, self.categories, self.priorities = _lookup_tables()
        self.errors: list[RowError] = []

    def fail(self, line: int, column: str, message: str) -> None:
        self.errors.append(RowError(line, column, message))

    def time_cell(self, line: int, values: dict[str, Any], column: str, required: bool = False) -> datetime | None:
        raw = values.get(column)
        if _text(raw) == "":
            if required:
                self.fail(line, column, "不能为空")
            return None
        try:
            moment = parse_time(raw, self.zone)
        except ValueError as exc:
            self.fail(line, column, str(exc))
            return None
        if moment > self.now:
            self.fail(line, column, "不能晚于当前时间")
            return None
        return moment

    def pauses(self, line: int, raw: Any) -> list[tuple[datetime, datetime | None]] | None:
        text = _text(raw)
        found: list[tuple[datetime, datetime | None]] = []
        if not text:
            return found
        for piece in re.split(r"[;；\n]", text):
            piece = piece.strip()
            if not piece:
                continue
            start_text, _, end_text = piece.partition("~")
            try:
                start = parse_time(start_text.strip(), self.zone)
                end = parse_time(end_text.strip(), self.zone) if end_text.strip() else None
            except ValueError as exc:
                self.fail(line, "挂起记录", f"{piece}：{exc}")
                return None
            if end is not None and end < start:
                self.fail(line, "挂起记录", f"{piece}：结束时间早于开始时间")
                return None
            found.append((start, end))
        return found

    def row(self, line: int, values: dict[str, Any]) -> _Row | None:
        before = len(self.errors)
        number = _text(values.get("工单编号")) or None
        if number is not None and len(number) > 24:
            self.fail(line, "工单编号", "不能超过 24 个字符")
        unit_text = _text(values.get("单位"))
        unit = self.units.get(unit_text)
        if unit is None:
            self.fail(line, "单位", "不能为空" if not unit_text else f"未知的单位：{unit_text}")
        reported = self.time_cell(line, values, "报告时间", required=True)
        category = self._choice(line, values, "类别", self.categories)
        priority = self._choice(line, values, "优先级", self.priorities)
        channel = self._choice(line, values, "渠道", {c: c for c in CHANNELS})
        mode = self._choice(line, values, "方式", {m: m for m in MODES})
        title = _text(values.get("标题"))
        if not title:
            self.fail(line, "标题", "不能为空")
        elif len(title) > ops.MAX_TITLE:
            self.fail(line, "标题", f"不能超过 {ops.MAX_TITLE} 个字")
        requester = _text(values.get("报告人"))
        if len(requester) > ops.MAX_REQUESTER:
            self.fail(line, "报告人", f"不能超过 {ops.MAX_REQUESTER} 个字")
        responded = self.time_cell(line, values, "响应时间")
        pauses = self.pauses(line, values.get("挂起记录"))
        resolved = self.time_cell(line, values, "解决时间")
        closed = self.time_cell(line, values, "关闭时间")
        cancelled = self.time_cell(line, values, "取消时间")
        reason = _text(values.get("取消原因"))
        if cancelled is not None and not reason:
            self.fail(line, "取消原因", "填写取消时间时必须填写取消原因")
        if len(self.errors) > before or reported is None or unit is None or pauses is None:
            return None
        assert category and priority and channel and mode
        events = _events(responded, pauses, resolved, closed, cancelled, reason)
        try:
            timeline = lifecycle.replay(reported, events, now=self.now)
        except lifecycle.TransitionError as exc:
            column = _COLUMN_OF_EVENT.get(events[exc.index].type if exc.index is not None else "", "状态")
            self.fail(line, column, exc.reason)
            return None
        key = import_key(unit.code, reported, category, title, requester)
        return _Row(
            line=line,
            number=number,
            unit=unit,
            reported_at=reported,
            category=category,
            priority=priority,
            channel=channel,
            mode=mode,
            title=title,
            description=_text(values.get("描述")),
            requester=requester,
            events=events,
            timeline=timeline,
            key=key,
        )

    def _choice(self, line: int, values: dict[str, Any], column: str, table: dict[str, str]) -> str | None:
        text = _text(values.get(column))
        found = table.get(text) or table.get(text.upper())
        if found is None:
            self.fail(line, column, "不能为空" if not text else f"未知的{column}：{text}")
        return found


_COLUMN_OF_EVENT = {
    "respond": "响应时间",
    "pause": "挂起记录",
    "resume": "挂起记录",
    "resolve": "解决时间",
    "close": "关闭时间",
    "cancel": "取消时间",
}


def _events(
    responded: datetime | None,
    pauses: list[tuple[datetime, datetime | None]],
    resolved: datetime | None,
    closed: datetime | None,
    cancelled: datetime | None,
    reason: str,
) -> list[lifecycle.Event]:
    """The history the key times describe, in the lifecycle's order."""
    events: list[lifecycle.Event] = []
    if responded is not None:
        events.append(lifecycle.Event(lifecycle.EventType.RESPOND, responded))
    for start, end in pauses:
        events.append(lifecycle.Event(lifecycle.EventType.PAUSE, start))
        if end is not None:
            # A pause that ends with the resolution or the cancel needs no resume of its own.
            if end in (resolved, cancelled):
                continue
            events.append(lifecycle.Event(lifecycle.EventType.RESUME, end))
    if resolved is not None:
        events.append(lifecycle.Event(lifecycle.EventType.RESOLVE, resolved))
    if closed is not None:
        events.append(lifecycle.Event(lifecycle.EventType.CLOSE, closed))
    if cancelled is not None:
        events.append(lifecycle.Event(lifecycle.EventType.CANCEL, cancelled, reason))
    return events


# ---------------------------------------------------------------- importing


def import_tickets(
    stream: IO[bytes], filename: str, *, user: User | None = None, now: datetime | None = None
) -> ImportResult:
    """Check the whole file, then create every new ticket in one transaction; nothing at all on any error."""
    present = now or datetime.now(UTC)
    checker = _Checker(present)
    rows: list[_Row] = []
    count = 0
    warnings: list[RowError] = []
    for line, values in read_rows(stream, filename):
        for column, code in clean_cells(values):
            warnings.append(RowError(line, column, f"已删除不允许的控制字符 {code}"))
        count += 1
        if count > MAX_ROWS:
            raise OperationError(f"一次最多导入 {MAX_ROWS} 行", fields={"file": "行数过多"})
        row = checker.row(line, values)
        if row is not None:
            rows.append(row)
    result = ImportResult(warnings=warnings)
    if not count:
        checker.errors.append(RowError(2, "工单编号", "文件中没有数据行"))
    keys = {r.key for r in rows}
    numbers = {r.number for r in rows if r.number}
    known_keys = _existing(Ticket.import_key, keys)
    known_numbers = _numbered(numbers)
    seen_keys: set[str] = set()
    seen_numbers: dict[str, int] = {}
    fresh: list[_Row] = []
    for row in rows:
        if row.number and row.number in known_numbers:
            # The same ticket (same unit and report time) is already here; otherwise the number is taken.
            if known_numbers[row.number] != (row.unit.id, row.reported_at):
                checker.fail(row.line, "工单编号", f"编号 {row.number} 已被另一张工单使用（单位或报告时间不同）")
                continue
            result.skipped += 1
            continue
        if row.key in known_keys or row.key in seen_keys:
            result.skipped += 1
            continue
        if row.number:
            if row.number in seen_numbers:
                checker.fail(row.line, "工单编号", f"与第 {seen_numbers[row.number]} 行的工单编号重复")
                continue
            if ops.parse_number(row.number) is None and row.number.startswith(ops.NUMBER_PREFIX + "-"):
                checker.fail(row.line, "工单编号", "编号格式应为 YW-年份-序号，例如 YW-2025-0001")
                continue
            seen_numbers[row.number] = row.line
        seen_keys.add(row.key)
        fresh.append(row)
    if checker.errors:
        result.errors = sorted(checker.errors, key=lambda e: (e.row, COLUMNS.index(e.column)))
        result.skipped = 0
        return result
    try:
        _write(fresh, user, result)
    except OperationError:
        db.session.rollback()
        raise
    except IntegrityError as exc:
        db.session.rollback()
        raise OperationError("导入时与其他人同时写入的工单冲突，请重新导入", status=409) from exc
    db.session.commit()
    if result.created >= 1000:
        _refresh_statistics()
    return result


def _refresh_statistics() -> None:
    """After a bulk load, PostgreSQL's planner still thinks the tables are small until autovacuum runs,
    and picks sequential scans (a re-import's look-ups took 20 s instead of 0.2 s). Tell it now."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    try:
        for table in ("tickets", "ticket_events"):
            db.session.execute(text(f"ANALYZE {table}"))
        db.session.commit()
    except DBAPIError:
        db.session.rollback()
        current_app.logger.warning("could not ANALYZE the ticket tables after an import", exc_info=True)


def _numbered(numbers: set[str]) -> dict[str, tuple[int, datetime]]:
    """Existing tickets among ``numbers``: number -> (unit id, report time)."""
    found: dict[str, tuple[int, datetime]] = {}
    items = sorted(numbers)
    for start in range(0, len(items), 500):
        statement = select(Ticket.number, Ticket.unit_id, Ticket.reported_at).where(
            Ticket.number.in_(items[start : start + 500])
        )
        for row in db.session.execute(statement):
            found[row.number] = (row.unit_id, row.reported_at)
    return found


def _existing(column: Any, values: set[str]) -> set[str]:
    found: set[str] = set()
    items = sorted(values)
    for start in range(0, len(items), 500):
        chunk = items[start : start + 500]
        found.update(db.session.scalars(select(column).where(column.in_(chunk))))
    return found


def _take_block(year: int, count: int) -> int:
    """Reserve ``count`` numbers of ``year`` at once; returns the first serial."""
    statement = (
        update(TicketSequence)
        .where(TicketSequence.year == year)
        .values(last=TicketSequence.last + count)
        .returning(TicketSequence.last)
    )
    for _ in range(3):
        last = db.session.execute(statement, execution_options={"synchronize_session": False}).scalar()
        if last is not None:
            return int(last) - count + 1
        try:
            with db.session.begin_nested():
                db.session.execute(insert(TicketSequence).values(year=year, last=count))
            return 1
        except IntegrityError:
            continue
    raise OperationError("工单编号分配冲突，请重试", status=409)


# The instants among the inserted columns, written into the audit record as ISO 8601 text.
_INSTANTS = frozenset(
    {"reported_at", "created_at", "first_response_at", "resolved_at", "response_due_at", "resolution_due_at"}
    | {"at", "recorded_at"}
)


def _write(rows: list[_Row], user: User | None, result: ImportResult) -> None:
    """Insert in bulk (thousands of rows a second), with the audit records the ORM would have written."""
    zone = ops.local_zone()
    for number in sorted({r.number for r in rows if r.number}):
        ops.reserve_number(number)
    by_year: dict[int, list[_Row]] = {}
    for row in rows:
        if not row.number:
            by_year.setdefault(row.reported_at.astimezone(zone).year, []).append(row)
    for year, group in sorted(by_year.items()):
        group.sort(key=lambda r: (r.reported_at, r.line))
        first = _take_block(year, len(group))
        for offset, row in enumerate(group):
            row.number = ops.format_number(year, first + offset)
    contracts: dict[date, Any] = {}
    terms_of: dict[int | None, Any] = {}
    user_id = user.id if user is not None else None
    now = datetime.now(UTC)
    actor = audit.current_actor()[:80]
    remote = (request.remote_addr or "") if has_request_context() else ""
    ordered = sorted(rows, key=lambda r: r.line)
    for start in range(0, len(ordered), 1000):
        chunk = ordered[start : start + 1000]
        ticket_rows: list[dict[str, Any]] = []
        for row in chunk:
            day = row.reported_at.astimezone(zone).date()
            if day not in contracts:
                contracts[day] = ops.contract_on(day)
            contract = contracts[day]
            contract_id = contract.id if contract is not None else None
            if contract_id not in terms_of:
                terms_of[contract_id] = ops.contract_terms(contract)
            values = {
                "number": row.number,
                "unit_id": row.unit.id,
                "contract_id": contract_id,
                "requester": row.requester,
                "channel": row.channel,
                "mode": row.mode,
                "category": row.category,
                "priority": row.priority,
                "title": row.title,
                "description": row.description,
                "reported_at": row.reported_at,
                "import_key": row.key,
                "created_by_id": user_id,
                "created_at": now,
            }
            values.update(ops.timeline_columns(row.timeline, row.priority, terms_of[contract_id]))
            ticket_rows.append(values)
        # Plain executemany (no RETURNING): the cheapest path on both SQLite and psycopg; ids are read back.
        db.session.execute(insert(Ticket), ticket_rows)
        numbers = [values["number"] for values in ticket_rows]
        found = db.session.execute(select(Ticket.number, Ticket.id).where(Ticket.number.in_(numbers)))
        id_of: dict[str, int] = {row.number: row.id for row in found}
        ids = [id_of[number] for number in numbers]
        event_rows = [
            {
                "ticket_id": ticket_id,
                "type": e.type.value,
                "at": e.at,
                "note": e.note,
                "user_id": user_id,
                "recorded_at": now,
            }
            for ticket_id, row in zip(ids, chunk, strict=True)
            for e in row.events
        ]
        event_ids: list[int] = []
        if event_rows:
            db.session.execute(insert(TicketEvent), event_rows)
            # Grouped by ticket in insertion order, as event_rows is.
            stored = db.session.execute(
                select(TicketEvent.ticket_id, TicketEvent.id)
                .where(TicketEvent.ticket_id.in_(ids))
                .order_by(TicketEvent.ticket_id, TicketEvent.id)
            )
            by_ticket: dict[int, list[int]] = {}
            for ticket_id, event_id in stored:
                by_ticket.setdefault(ticket_id, []).append(event_id)
            for ticket_id in ids:
                event_ids.extend(by_ticket.get(ticket_id, []))
        trail = [
            _audit_row(actor, remote, now, "tickets", ticket_id, {"id": ticket_id, **values})
            for ticket_id, values in zip(ids, ticket_rows, strict=True)
        ]
        trail += [
            _audit_row(actor, remote, now, "ticket_events", event_id, {"id": event_id, **values})
            for event_id, values in zip(event_ids, event_rows, strict=True)
        ]
        db.session.execute(insert(AuditRecord), trail)
        result.numbers.extend(row.number or "" for row in chunk)
    result.created = len(rows)


def _audit_row(
    actor: str, remote: str, now: datetime, table: str, object_id: int, values: dict[str, Any]
) -> dict[str, Any]:
    return {
        "at": now,
        "actor": actor,
        "action": "create",
        "object_type": table,
        "object_id": str(object_id),
        "before": None,
        "after": {
            key: (value.isoformat() if key in _INSTANTS and value is not None else value)
            for key, value in values.items()
        },
        "outcome": "success",
        "remote_addr": remote,
        "detail": "import",
    }


def import_file(path: str | Path, *, user: User | None = None, now: datetime | None = None) -> ImportResult:
    target = Path(path)
    if not target.is_file():
        raise OperationError(f"文件不存在：{target}", fields={"file": "文件不存在"})
    with target.open("rb") as stream:
        return import_tickets(stream, target.name, user=user, now=now)


# ---------------------------------------------------------------- exporting


def _local(moment: datetime | None, zone: Any) -> datetime | None:
    return None if moment is None else moment.astimezone(zone).replace(tzinfo=None)


def export_rows(
    start: datetime | None = None, end: datetime | None = None, viewer: ops.Viewer | None = None
) -> Iterator[list[Any]]:
    """One list of cell values per ticket (local naive datetimes), in report order."""
    zone = ops.local_zone()
    statement = select(Ticket).options(selectinload(Ticket.unit), selectinload(Ticket.events))
    if start is not None:
        statement = statement.where(Ticket.reported_at >= start)
    if end is not None:
        statement = statement.where(Ticket.reported_at < end)
    if viewer is not None and viewer.unit_only:
        statement = statement.where(Ticket.unit_id == viewer.unit_id)
    statement = statement.order_by(Ticket.reported_at, Ticket.id).execution_options(yield_per=2000)
    for ticket in db.session.scalars(statement):
        timeline = ops.timeline_of(ticket)
        spans = [f"{_fmt(s, zone)}~{_fmt(e, zone)}" for s, e in timeline.pauses]
        if timeline.paused_since is not None:
            spans.append(f"{_fmt(timeline.paused_since, zone)}~")
        pause_text = "；".join(spans)
        yield [
            ticket.number,
            ticket.unit.name,
            _local(ticket.reported_at, zone),
            TICKET_CATEGORIES[ticket.category],
            ticket.priority,
            ticket.channel,
            ticket.mode,
            ticket.title,
            ticket.description,
            ticket.requester,
            _local(timeline.first_response_at, zone),
            pause_text,
            _local(timeline.resolved_at, zone),
            _local(timeline.closed_at, zone),
            _local(timeline.cancelled_at, zone),
            timeline.cancel_reason or "",
            TICKET_STATUSES[ticket.status],
        ]


def _fmt(moment: datetime, zone: Any) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def write_csv(rows: Iterable[list[Any]], stream: IO[bytes]) -> None:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    text.flush()
    text.detach()


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return safe_cell(value)


def write_xlsx(rows: Iterable[list[Any]], stream: IO[bytes], *, with_help: bool = False) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("工单")
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    for index, width in enumerate((14, 12, 18, 10, 7, 7, 7, 30, 40, 10, 18, 30, 18, 18, 18, 16, 8)):
        sheet.column_dimensions[_letter(index)].width = width
    if with_help:
        notes = book.create_sheet("填写说明")
        for name, text in HELP_ROWS:
            notes.append([name, text])
    book.save(stream)


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index + 1))


def export(
    fmt: str,
    stream: IO[bytes],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    viewer: ops.Viewer | None = None,
) -> None:
    rows = export_rows(start, end, viewer)
    if fmt == "csv":
        write_csv(rows, stream)
    elif fmt == "xlsx":
        write_xlsx(rows, stream)
    else:
        raise OperationError("导出格式应为 csv 或 xlsx", fields={"format": "应为 csv 或 xlsx"})


def template(stream: IO[bytes]) -> None:
    """A blank workbook with the headers and a sheet explaining each column."""
    write_xlsx([], stream, with_help=True)
