"""Render a ``Document`` as a workbook (.xlsx) with the same figures as the Word document.

Layout ``sheets`` (the quarterly report): a first sheet 报告概况 with the cover and each section's text,
then one sheet per table of the report, then the record sheets (tickets, outages, inspections,
payments). Layout ``forms`` (the self-evaluation): one sheet per section (a project's whole form), its
tables stacked. Header rows are bold, shaded and frozen; columns have widths; numbers are numbers,
dates and times are Excel dates in local time, percentages are stored as fractions formatted ``0.00%``.
"""

from __future__ import annotations

import functools
import io
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from slatrack.reports.document import Document, Kind, Paragraph, Table, Value
from slatrack.textsafety import safe_cell

HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_ALIGN = Alignment(wrap_text=True, horizontal="center", vertical="center")
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FORMATS: dict[str, str] = {
    "int": "0",
    "number": "0.00",
    "percent": "0.00%",
    "money": "#,##0.00",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's 1900 date system (serials above 60)


@functools.cache
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def cell_value(value: Value, kind: Kind, tz: str) -> tuple[object, str | None]:
    """What to store in a cell and its number format."""
    if value is None:
        return None, None
    # Dates are stored as Excel serial numbers with a date format (what Excel itself stores; readers such as
    # openpyxl give them back as dates): converting here is much cheaper than openpyxl's per-cell conversion.
    if isinstance(value, datetime):
        local = value.astimezone(_zone(tz))
        seconds = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        return (local.date() - EXCEL_EPOCH).days + seconds / 86400, FORMATS["datetime"]
    if isinstance(value, date):
        return float((value - EXCEL_EPOCH).days), FORMATS["date"]
    if isinstance(value, bool | str):
        return safe_cell(value), None  # text is never a formula (slatrack.textsafety)
    number = float(value) if isinstance(value, Decimal) else value
    if kind == "percent":
        return number / 100, FORMATS["percent"]
    if kind in ("number", "money"):
        if kind == "number" and float(number).is_integer() and isinstance(value, int):
            return number, FORMATS["int"]
        return number, FORMATS[kind]
    if kind == "int":
        return number, FORMATS["int"]
    if kind == "figure":
        return number, FORMATS["int"] if float(number).is_integer() else FORMATS["number"]
    return number, None


def _sheet_name(workbook: Workbook, title: str) -> str:
    base = _BAD_SHEET_CHARS.sub("-", title)[:31] or "Sheet"
    name, counter = base, 2
    while name in workbook.sheetnames:
        suffix = f"({counter})"
        name, counter = base[: 31 - len(suffix)] + suffix, counter + 1
    return name


def _write_table(sheet: Worksheet, table: Table, tz: str, top: int, with_note: bool = True) -> int:
    """Write the header at row ``top`` and the rows below; returns the next free row."""
    for index, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=top, column=index, value=column.label)
        cell.font, cell.fill, cell.alignment, cell.border = HEADER_FONT, HEADER_FILL, HEADER_ALIGN, BORDER
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(sheet.column_dimensions[letter].width or 0, column.width)
    row_number = top + 1
    if not table.rows:
        sheet.cell(row=row_number, column=1, value=table.empty_text)
        return row_number + 1
    for row_index, row in enumerate(table.rows):
        for index, value in enumerate(row):
            stored, number_format = cell_value(value, table.kind(row_index, index), tz)
            cell = sheet.cell(row=row_number, column=index + 1, value=stored)
            if number_format:
                cell.number_format = number_format
            if isinstance(stored, str) and len(stored) > 20:
                cell.alignment = WRAP
        row_number += 1
    if table.note and with_note:
        sheet.cell(row=row_number, column=1, value=f"注：{table.note}")
        row_number += 1
    return row_number


def _streamed_table(workbook: Workbook, table: Table, tz: str) -> None:
    """One table on its own sheet, streamed (write-only): header, then the rows; notes stay on 报告概况."""
    sheet = workbook.create_sheet(_sheet_name(workbook, table.title))
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    if table.rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{1 + len(table.rows)}"
    header = []
    for column in table.columns:
        cell = WriteOnlyCell(sheet, value=column.label)
        cell.font, cell.fill, cell.alignment, cell.border = HEADER_FONT, HEADER_FILL, HEADER_ALIGN, BORDER
        header.append(cell)
    sheet.append(header)
    if not table.rows:
        sheet.append([table.empty_text])
        return
    for row_index, row in enumerate(table.rows):
        out: list[object] = []
        for index, value in enumerate(row):
            stored, number_format = cell_value(value, table.kind(row_index, index), tz)
            if number_format is None and not (isinstance(stored, str) and len(stored) > 20):
                out.append(stored)
                continue
            cell = WriteOnlyCell(sheet, value=stored)
            if number_format:
                cell.number_format = number_format
            else:
                cell.alignment = WRAP
            out.append(cell)
        sheet.append(out)


def _overview(workbook: Workbook, document: Document) -> None:
    sheet = workbook.create_sheet("报告概况")
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 100
    sheet.freeze_panes = "A4"

    def styled(value: str, font: Font | None = None, wrap: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=safe_cell(value))
        if font is not None:
            cell.font = font
        if wrap:
            cell.alignment = WRAP
        return cell

    sheet.append([styled(document.title.replace("\n", ""), TITLE_FONT)])
    sheet.append([styled(document.subtitle, Font(bold=True, size=12))])
    sheet.append([])
    for label, value in document.cover:
        sheet.append([styled(label, HEADER_FONT), styled(value, wrap=True)])
    sheet.append([])
    for section in document.sections:
        sheet.append([styled(section.heading, HEADER_FONT)])
        for block in section.blocks:
            if isinstance(block, Paragraph):
                sheet.append([None, styled(block.text, wrap=True)])
            elif isinstance(block, Table):
                note = f"；注：{block.note}" if block.note else ""
                sheet.append([None, f"见工作表“{_BAD_SHEET_CHARS.sub('-', block.title)[:31]}”{note}"])


def _forms(workbook: Workbook, document: Document) -> None:
    first = True
    for section in document.sections:
        if first:
            sheet = workbook.active
            assert sheet is not None
            sheet.title = _sheet_name(workbook, section.heading)
            first = False
        else:
            sheet = workbook.create_sheet(_sheet_name(workbook, section.heading))
        sheet.cell(row=1, column=1, value=document.title.replace("\n", "")).font = TITLE_FONT
        sheet.cell(row=2, column=1, value=f"{document.subtitle}　{section.heading}").font = Font(bold=True, size=12)
        sheet.freeze_panes = "A3"
        row = 4
        for block in section.blocks:
            if isinstance(block, Paragraph):
                sheet.cell(row=row, column=1, value=safe_cell(block.text)).alignment = Alignment(wrap_text=False)
                row += 1
            elif isinstance(block, Table):
                sheet.cell(row=row, column=1, value=block.title).font = HEADER_FONT
                row = _write_table(sheet, block, document.tz, row + 1) + 1


def render_xlsx(document: Document, layout: str = "sheets") -> bytes:
    """``sheets``: streamed (write-only), a sheet per table and per record list; ``forms``: a sheet per section."""
    if layout == "forms":
        workbook = Workbook()
        _forms(workbook, document)
    else:
        workbook = Workbook(write_only=True)
        _overview(workbook, document)
        for table in [*document.tables(), *document.sheets]:
            _streamed_table(workbook, table, document.tz)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
