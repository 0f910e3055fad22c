"""Draw a ``FormDocument`` (reports/form.py) as Word and as a workbook, each form on its own page or sheet.

Both keep the form's merged cells. The workbook stores numbers as numbers with two-decimal formats (rates
as fractions formatted ``0.00%``) and every text as a string cell — a target such as ``=1套`` is text,
never a formula — with A4 page setup, fit to one page wide, the title row repeated on every printed page,
and row heights estimated from the wrapped text so nothing is cut.
"""

from __future__ import annotations

import io
import math
import re

from slatrack.reports.document import chinese_punctuation
from slatrack.reports.form import Form, FormCell, FormDocument, form_text
from slatrack.textsafety import safe_cell, xml_safe

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
LINE_POINTS = 14.0  # one wrapped line of 10 pt text in a workbook row
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def text_width(text: str) -> int:
    """Display width in workbook character units: a CJK character is two, ASCII one."""
    return sum(1 if ord(ch) < 0x2E80 else 2 for ch in text)


def _lines(text: str, width: float) -> int:
    usable = max(1.0, width - 1.5)
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in text.split("\n")) if text else 1


def row_heights(form: Form) -> list[float]:
    """Points per row so every wrapped text shows in full (merged cells share their rows' heights)."""
    heights = [LINE_POINTS + 4] * form.row_count
    spanning: list[tuple[FormCell, float]] = []
    for cell in form.cells:
        width = sum(form.columns[cell.col : cell.col + cell.colspan])
        needed = _lines(form_text(cell.value, cell.kind), width) * LINE_POINTS + 4
        if cell.rowspan == 1:
            heights[cell.row] = max(heights[cell.row], needed)
        else:
            spanning.append((cell, needed))
    for cell, needed in spanning:
        rows = range(cell.row, cell.row + cell.rowspan)
        short = needed - sum(heights[r] for r in rows)
        if short > 0:
            for r in rows:
                heights[r] += short / cell.rowspan
    return heights


def sheet_name(form: Form, taken: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("", form.heading or form.title)[:31] or "自评表"
    name, number = base, 2
    while name in taken:
        suffix = f"（{number}）"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name)
    return name


def render_form_xlsx(document: FormDocument) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for form in document.forms:
        sheet = book.create_sheet(sheet_name(form, taken))
        last = get_column_letter(len(form.columns))
        for index, width in enumerate(form.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        title = sheet.cell(row=1, column=1, value=form.title)
        title.data_type = "s"
        title.font = Font(name=HEADING_FONT, bold=True, size=16)
        title.alignment = Alignment(horizontal="center", vertical="center")
        sheet.merge_cells(f"A1:{last}1")
        sheet.row_dimensions[1].height = 30
        top = 2
        for row, height in enumerate(row_heights(form), start=top):
            sheet.row_dimensions[row].height = height
            for col in range(1, len(form.columns) + 1):
                sheet.cell(row=row, column=col).border = border
        for item in form.cells:
            cell = sheet.cell(row=top + item.row, column=item.col + 1)
            if item.value is None:
                pass
            elif isinstance(item.value, str):
                # A string cell: a target "=1套" prints as =1套, never a formula; people's text also gets the
                # OWASP export rule (a leading ' before =, +, -, @).
                text = chinese_punctuation(item.value)
                cell.value = safe_cell(text) if item.typed else text
                cell.data_type = "s"
            elif item.kind == "percent":
                cell.value = float(item.value) / 100
                cell.number_format = "0.00%"
            else:
                cell.value = float(item.value)
                cell.number_format = "#,##0.00"
            cell.font = Font(name=BODY_FONT, bold=item.bold, size=10)
            cell.alignment = Alignment(horizontal=item.align, vertical="center", wrap_text=True)
            if item.rowspan > 1 or item.colspan > 1:
                sheet.merge_cells(
                    start_row=top + item.row,
                    start_column=item.col + 1,
                    end_row=top + item.row + item.rowspan - 1,
                    end_column=item.col + item.colspan,
                )
        end = top + form.row_count - 1  # the table's last row; the footer lines follow it
        for offset, line in enumerate(form.footer, start=1):
            sheet.row_dimensions[end + offset].height = 24
            cell = sheet.cell(row=end + offset, column=1, value=line)
            cell.data_type = "s"
            cell.font = Font(name=BODY_FONT, size=10)
            sheet.merge_cells(start_row=end + offset, start_column=1, end_row=end + offset,
                              end_column=len(form.columns))  # fmt: skip
        sheet.print_area = f"A1:{last}{end + len(form.footer)}"
        sheet.print_title_rows = "1:1"
        setup = sheet.page_setup
        setup.paperSize = sheet.PAPERSIZE_A4
        setup.orientation = "landscape" if sum(form.columns) > 125 else "portrait"
        setup.fitToWidth = 1
        setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        sheet.page_margins.left = sheet.page_margins.right = 0.5
        sheet.page_margins.top = sheet.page_margins.bottom = 0.6
        sheet.print_options.horizontalCentered = True
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def render_form_docx(document: FormDocument) -> bytes:
    from docx import Document as new_docx
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    alignments = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                  "right": WD_ALIGN_PARAGRAPH.RIGHT}  # fmt: skip
    doc = new_docx()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(1.8)
    section.top_margin = section.bottom_margin = Cm(1.5)
    text_cm = 21 - 3.6

    def run_in(paragraph, text: str, *, bold: bool = False, size: float = 9, font: str = BODY_FONT) -> None:  # type: ignore[no-untyped-def]
        run = paragraph.add_run(xml_safe(chinese_punctuation(text)))
        run.font.name = LATIN_FONT
        run.font.size = Pt(size)
        run.font.bold = bold
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)

    for index, form in enumerate(document.forms):
        title = doc.paragraphs[0] if index == 0 and doc.paragraphs else doc.add_paragraph()
        if index > 0:
            title.paragraph_format.page_break_before = True
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.space_after = Pt(6)
        run_in(title, form.title, bold=True, size=16, font=HEADING_FONT)
        table = doc.add_table(rows=form.row_count, cols=len(form.columns))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        total = sum(form.columns)
        for col, width in enumerate(form.columns):
            table.columns[col].width = Cm(text_cm * width / total)  # the grid LibreOffice and WPS lay out by
            for row in table.rows:
                row.cells[col].width = Cm(text_cm * width / total)
        for item in form.cells:
            cell = table.cell(item.row, item.col)
            if item.rowspan > 1 or item.colspan > 1:
                cell = cell.merge(table.cell(item.row + item.rowspan - 1, item.col + item.colspan - 1))
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            paragraph.alignment = alignments[item.align]
            paragraph.paragraph_format.space_after = Pt(0)
            run_in(paragraph, form_text(item.value, item.kind), bold=item.bold)
        for line in form.footer:
            paragraph = doc.add_paragraph()
            paragraph.paragraph_format.space_before = Pt(6)
            run_in(paragraph, line, size=10.5)
    output = io.BytesIO()
    doc.save(output)
    return output.getvalue()
