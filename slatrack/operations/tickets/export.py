"""Export of tickets in the import format (an export is a valid import), and the blank template."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from slatrack import clock
from slatrack.extensions import db
from slatrack.models import Ticket
from slatrack.models.enums import TICKET_CATEGORIES, TICKET_STATUSES
from slatrack.operations import OperationError
from slatrack.operations.tickets import lifecycle as ops
from slatrack.operations.tickets import queries as ticket_queries
from slatrack.operations.tickets.columns import COLUMN_WIDTHS, COLUMNS
from slatrack.textsafety import safe_cell

# ---------------------------------------------------------------- exporting


def _local(moment: datetime | None, zone: Any) -> datetime | None:
    return None if moment is None else moment.astimezone(zone).replace(tzinfo=None)


def export_rows(
    start: datetime | None = None, end: datetime | None = None, viewer: ticket_queries.Viewer | None = None
) -> Iterator[list[Any]]:
    """One list of cell values per ticket (local naive datetimes), in report order."""
    zone = clock.local_zone()
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


def write_xlsx(rows: Iterable[list[Any]], stream: IO[bytes]) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("工单")
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    for index, width in enumerate(COLUMN_WIDTHS):
        sheet.column_dimensions[_letter(index)].width = width
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
    viewer: ticket_queries.Viewer | None = None,
) -> None:
    rows = export_rows(start, end, viewer)
    if fmt == "csv":
        write_csv(rows, stream)
    elif fmt == "xlsx":
        write_xlsx(rows, stream)
    else:
        raise OperationError("导出格式应为 csv 或 xlsx", fields={"format": "应为 csv 或 xlsx"})


def template(stream: IO[bytes]) -> None:
    """A blank workbook with the headers, drop-down lists for the coded columns and a help sheet."""
    from slatrack.operations.tickets.import_template import write_template

    write_template(stream)
