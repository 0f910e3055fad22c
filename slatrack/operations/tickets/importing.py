"""Import and export of tickets as .xlsx or .csv with Chinese column headers.

An export is a valid import: each row carries the ticket's fields and the key times of its history
(first response, pauses, resolution, close, cancel with its reason), from which the import rebuilds
the events. The whole file is checked before anything is written: one bad row and nothing is
imported, and every fault is listed by row number, column and reason. Rows already imported
(same identifying fields, hence the same ``import_key``) or whose ticket number already exists
are skipped, so importing a file twice creates nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from flask import current_app, has_request_context, request
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from slatrack import audit, clock
from slatrack.extensions import db
from slatrack.models import AuditRecord, Ticket, TicketEvent, TicketSequence, User
from slatrack.operations import OperationError, spreadsheets
from slatrack.operations.spreadsheets import ImportResult, RowError
from slatrack.operations.tickets import lifecycle as ops
from slatrack.operations.tickets import terms as ticket_terms
from slatrack.operations.tickets.columns import COLUMNS, MAX_ROWS, REQUIRED
from slatrack.operations.tickets.row_checks import CheckedRow, RowChecker
from slatrack.textsafety import clean_cells

# ---------------------------------------------------------------- reading files


def read_rows(stream: IO[bytes], filename: str, encoding: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number as the user sees it, {header: value}) for each non-empty data row."""
    return spreadsheets.read_rows(stream, filename, REQUIRED, max_rows=MAX_ROWS, encoding=encoding)


# ---------------------------------------------------------------- importing


def import_tickets(
    stream: IO[bytes],
    filename: str,
    *,
    user: User | None = None,
    now: datetime | None = None,
    encoding: str | None = None,
) -> ImportResult:
    """Check the whole file, then create every new ticket in one transaction; nothing at all on any error."""
    present = now or clock.utcnow()
    checker = RowChecker(present)
    rows: list[CheckedRow] = []
    count = 0
    warnings: list[RowError] = []
    for line, values in read_rows(stream, filename, encoding):
        for column, code in clean_cells(values):
            warnings.append(RowError(line, column, f"已删除不允许的控制字符 {code}"))
        count += 1
        row = checker.row(line, values)
        if row is not None:
            rows.append(row)
    if not count:
        checker.errors.append(RowError(2, "工单编号", "文件中没有数据行"))
    result, _ = store_checked(checker, rows, user=user)
    result.warnings = warnings
    return result


def store_checked(
    checker: RowChecker, rows: list[CheckedRow], *, user: User | None, write: bool = True
) -> tuple[ImportResult, list[CheckedRow]]:
    """Skip rows already present, then (``write``, and only if no row has a fault) create the rest in one
    transaction. Returns the result and the rows that are (or would be) created."""
    result = ImportResult()
    keys = {r.key for r in rows}
    numbers = {r.number for r in rows if r.number}
    known_keys = _existing(Ticket.import_key, keys)
    known_numbers = _numbered(numbers)
    seen_keys: set[str] = set()
    seen_numbers: dict[str, int] = {}
    fresh: list[CheckedRow] = []
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
            if ticket_terms.parse_number(row.number) is None and row.number.startswith(
                ticket_terms.NUMBER_PREFIX + "-"
            ):
                checker.fail(row.line, "工单编号", "编号格式应为 YW-年份-序号，例如 YW-2025-0001")
                continue
            seen_numbers[row.number] = row.line
        seen_keys.add(row.key)
        fresh.append(row)
    if checker.errors:
        result.errors = sorted(checker.errors, key=lambda e: (e.row, _column_order(e.column)))
        result.skipped = 0
        return result, []
    if not write:
        return result, fresh
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
    return result, fresh


def _column_order(column: str) -> int:
    return COLUMNS.index(column) if column in COLUMNS else len(COLUMNS)


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


def _write(rows: list[CheckedRow], user: User | None, result: ImportResult) -> None:
    """Insert in bulk (thousands of rows a second), with the audit records the ORM would have written."""
    zone = clock.local_zone()
    for number in sorted({r.number for r in rows if r.number}):
        ticket_terms.reserve_number(number)
    by_year: dict[int, list[CheckedRow]] = {}
    for row in rows:
        if not row.number:
            by_year.setdefault(row.reported_at.astimezone(zone).year, []).append(row)
    for year, group in sorted(by_year.items()):
        group.sort(key=lambda r: (r.reported_at, r.line))
        first = _take_block(year, len(group))
        for offset, row in enumerate(group):
            row.number = ticket_terms.format_number(year, first + offset)
    contracts: dict[date, Any] = {}
    terms_of: dict[int | None, Any] = {}
    user_id = user.id if user is not None else None
    now = clock.utcnow()
    actor = audit.current_actor()[:80]
    remote = (request.remote_addr or "") if has_request_context() else ""
    ordered = sorted(rows, key=lambda r: r.line)
    for start in range(0, len(ordered), 1000):
        chunk = ordered[start : start + 1000]
        ticket_rows: list[dict[str, Any]] = []
        for row in chunk:
            day = row.reported_at.astimezone(zone).date()
            if day not in contracts:
                contracts[day] = ticket_terms.contract_on(day)
            contract = contracts[day]
            contract_id = contract.id if contract is not None else None
            if contract_id not in terms_of:
                terms_of[contract_id] = ticket_terms.contract_terms(contract)
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


def import_file(
    path: str | Path, *, user: User | None = None, now: datetime | None = None, encoding: str | None = None
) -> ImportResult:
    target = Path(path)
    if not target.is_file():
        raise OperationError(f"文件不存在：{target}", fields={"file": "文件不存在"})
    with target.open("rb") as stream:
        return import_tickets(stream, target.name, user=user, now=now, encoding=encoding)
