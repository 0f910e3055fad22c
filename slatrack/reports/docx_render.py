"""Render a ``Document`` as a Word file (.docx) in the usual shape of a Chinese government report.

A4 portrait, 宋体 body text and 黑体 headings (LibreOffice and WPS substitute Noto CJK where those are
missing), a cover page, numbered section headings, grid tables with a repeated shaded header row, the
charts as pictures, and page numbers in the footer.
"""

from __future__ import annotations

import io

from docx import Document as new_docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.text.run import Run

from slatrack.reports.document import Chart, Document, Paragraph, Table, display

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"


def _fonts(run: Run, east_asia: str = BODY_FONT, size: float | None = None, bold: bool | None = None) -> None:
    run.font.name = LATIN_FONT
    properties = run._element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asia)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold


def _style_defaults(doc: DocxDocument) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    for name, size in (("Heading 1", 15), ("Heading 2", 12)):
        style = doc.styles[name]
        style.font.name = LATIN_FONT
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), HEADING_FONT)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)


def _page_numbers(doc: DocxDocument) -> None:
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, kind in (("第 ", None), (None, "PAGE"), (" 页", None)):
        run = paragraph.add_run(text or "")
        _fonts(run, size=9)
        if kind:
            for tag, value in (("begin", None), ("instr", kind), ("end", None)):
                if tag == "instr":
                    element = OxmlElement("w:instrText")
                    element.set(qn("xml:space"), "preserve")
                    element.text = f" {value} "
                else:
                    element = OxmlElement("w:fldChar")
                    element.set(qn("w:fldCharType"), tag)
                run._element.append(element)


def _shade(cell_element: object, color: str) -> None:
    properties = cell_element.get_or_add_tcPr()  # type: ignore[attr-defined]
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), color)
    properties.append(shading)


def _repeat_header(table: DocxTable) -> None:
    row_properties = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row_properties.append(header)


def _cover(doc: DocxDocument, document: Document) -> None:
    for _ in range(5):
        doc.add_paragraph()
    for line in document.title.split("\n"):
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _fonts(paragraph.add_run(line), HEADING_FONT, 24, True)
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = Pt(18)
    _fonts(paragraph.add_run(document.subtitle), HEADING_FONT, 18, True)
    for _ in range(4):
        doc.add_paragraph()
    table = doc.add_table(rows=0, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    table.columns[0].width, table.columns[1].width = Cm(3.2), Cm(12)
    for label, value in document.cover:
        cells = table.add_row().cells
        cells[0].width, cells[1].width = Cm(3.2), Cm(12)
        _fonts(cells[0].paragraphs[0].add_run(f"{label}："), HEADING_FONT, 12, True)
        lines = value.split("\n")
        first = cells[1].paragraphs[0]
        _fonts(first.add_run(lines[0]), BODY_FONT, 12)
        for line in lines[1:]:
            _fonts(cells[1].add_paragraph().add_run(line), BODY_FONT, 12)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _table(doc: DocxDocument, table: Table, tz: str) -> None:
    shown = [i for i, column in enumerate(table.columns) if column.in_docx]
    caption = doc.add_paragraph()
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.keep_with_next = True
    caption.paragraph_format.space_before = Pt(8)
    _fonts(caption.add_run(f"表：{table.title}"), HEADING_FONT, 10.5, True)
    if not table.rows:
        paragraph = doc.add_paragraph()
        _fonts(paragraph.add_run(table.empty_text), BODY_FONT, 10.5)
        return
    size = 9.0 if len(shown) <= 7 else 7.5
    grid = doc.add_table(rows=1, cols=len(shown))
    grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    total_width = sum(table.columns[i].width for i in shown)
    widths = [Cm(16.6 * table.columns[i].width / total_width) for i in shown]
    grid.autofit = False
    for position, column in enumerate(grid.columns):
        column.width = widths[position]  # the grid LibreOffice and WPS lay out by
    for position, index in enumerate(shown):
        cell = grid.rows[0].cells[position]
        cell.width = widths[position]
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _fonts(paragraph.add_run(table.columns[index].label), HEADING_FONT, size, True)
        _shade(cell._tc, "D9E2F3")
    _repeat_header(grid)
    for row_index, row in enumerate(table.rows):
        cells = grid.add_row().cells
        for position, index in enumerate(shown):
            kind = table.kind(row_index, index)
            cell = cells[position]
            cell.width = widths[position]
            paragraph = cell.paragraphs[0]
            if kind in ("int", "number", "figure", "percent", "money"):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _fonts(paragraph.add_run(display(row[index], kind, tz)), BODY_FONT, size)
    if table.note:
        note = doc.add_paragraph()
        _fonts(note.add_run(f"注：{table.note}"), BODY_FONT, 9)


def render_docx(document: Document) -> bytes:
    doc = new_docx()
    _style_defaults(doc)
    _page_numbers(doc)
    _cover(doc, document)
    for index, section in enumerate(document.sections):
        heading = doc.add_heading(section.heading, level=1)
        # A break property on the heading, not a break paragraph: that could spill onto a page of its own.
        heading.paragraph_format.page_break_before = section.page_break and index > 0
        for block in section.blocks:
            if isinstance(block, Paragraph):
                paragraph = doc.add_paragraph()
                if block.style == "body":
                    paragraph.paragraph_format.first_line_indent = Pt(21)
                paragraph.paragraph_format.line_spacing = 1.35
                run = paragraph.add_run(block.text)
                _fonts(run, BODY_FONT, 10.5 if block.style != "note" else 10)
                if block.style == "note":
                    run.italic = True
            elif isinstance(block, Table):
                _table(doc, block, document.tz)
            elif isinstance(block, Chart):
                paragraph = doc.add_paragraph()
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                paragraph.add_run().add_picture(io.BytesIO(block.png), width=Cm(14.5))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
