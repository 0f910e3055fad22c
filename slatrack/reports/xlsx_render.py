"""Render a ``Document`` as a workbook (.xlsx) with the same figures as the Word document.

The quarterly report: a first sheet 报告概况 with the cover and each section's text, then one sheet per
table of the report, then the record sheets (tickets, outages, inspections, payments). Header rows are
bold, shaded and frozen; columns have widths; numbers are numbers, dates and times are Excel dates in
local time, percentages are stored as fractions formatted ``0.00%``. Every text is a string cell (``=1套``
is never a formula); every sheet prints on A4, one page wide, landscape when wide, with its header row
repeated. (The self-evaluation has its own renderer for its merged form: ``form_render.py``.)
"""

from __future__ import annotations

import functools
import io
import re
from copy import copy
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from slatrack.reports.document import Document, Kind, Label, Paragraph, Table, Value, chinese_punctuation
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
LANDSCAPE_WIDTH = 100  # total column width (characters) past which a sheet prints landscape
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
    if isinstance(value, Label):
        return chinese_punctuation(
            str(value)
        ), None  # program text ("=1套"): a string cell as it is, see _streamed_table
    if isinstance(value, str):
        return safe_cell(chinese_punctuation(value)), None
    if isinstance(value, bool):
        return safe_cell(value), None  # people's text: the OWASP rule (slatrack.textsafety)
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


def print_setup(sheet: Worksheet, width: float, title_rows: str = "1:1") -> None:
    """A4, one page wide (as many pages tall as needed), landscape when the columns are wide, the header
    row repeated on every printed page."""
    setup = sheet.page_setup
    setup.paperSize = "9"  # A4
    setup.orientation = "landscape" if width > LANDSCAPE_WIDTH else "portrait"
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = title_rows
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5


def _streamed_table(workbook: Workbook, table: Table, tz: str) -> None:
    """One table on its own sheet, streamed (write-only): header, then the rows; notes stay on 报告概况."""
    sheet = workbook.create_sheet(_sheet_name(workbook, table.title))
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    print_setup(sheet, sum(column.width for column in table.columns))
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
    styles: dict[object, StyleArray] = {}

    def style(number_format: str | None) -> StyleArray:
        """The cell style of a number format (or of wrapped text), made once per sheet and copied to each cell:
        setting ``number_format`` or ``alignment`` on every cell goes through openpyxl's style registry."""
        known = styles.get(number_format)
        if known is None:
            template = WriteOnlyCell(sheet)
            if number_format:
                template.number_format = number_format
            else:
                template.alignment = WRAP
            known = styles[number_format] = template._style
        return known

    for row_index, row in enumerate(table.rows):
        out: list[object] = []
        for index, value in enumerate(row):
            stored, number_format = cell_value(value, table.kind(row_index, index), tz)
            long_text = isinstance(stored, str) and len(stored) > 20
            formula_like = isinstance(stored, str) and stored.startswith("=")
            if number_format is None and not long_text and not formula_like:
                out.append(stored)
                continue
            cell = WriteOnlyCell(sheet, value=stored)
            if isinstance(stored, str):
                cell.data_type = "s"  # a string cell: a target such as "=1套" is text, never a formula
            if number_format or long_text:
                cell._style = copy(style(number_format))
            out.append(cell)
        sheet.append(out)


def _overview(workbook: Workbook, document: Document) -> None:
    sheet = workbook.create_sheet("报告概况")
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 100
    sheet.freeze_panes = "A4"
    print_setup(sheet, 116, "1:3")

    def styled(value: str, font: Font | None = None, wrap: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=safe_cell(value))  # user texts: the OWASP rule
        cell.data_type = "s"
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


def render_xlsx(document: Document) -> bytes:
    """Streamed (write-only): the overview, a sheet per table and per record list."""
    workbook = Workbook(write_only=True)
    _overview(workbook, document)
    for table in [*document.tables(), *document.sheets]:
        _streamed_table(workbook, table, document.tz)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
