"""Render a ``Document`` as a Word file (.docx) in the usual shape of a Chinese government report.

A4 portrait, 宋体 body text and 黑体 headings (LibreOffice and WPS substitute Noto CJK where those are
missing), a cover page, numbered section headings, grid tables with a repeated shaded header row, the
charts as pictures, and page numbers in the footer.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from docx import Document as new_docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.run import Run

from slatrack.reports.document import Chart, Document, Paragraph, Table, chinese_punctuation, display
from slatrack.textsafety import xml_safe

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
TEXT_WIDTH_TWIPS = 9412  # 16.6 cm between the margins


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
        _fonts(first.add_run(chinese_punctuation(lines[0])), BODY_FONT, 12)
        for line in lines[1:]:
            _fonts(cells[1].add_paragraph().add_run(chinese_punctuation(line)), BODY_FONT, 12)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    if document.contents:
        _contents(doc, document)


def _contents(doc: DocxDocument, document: Document) -> None:
    """目录: the section headings, on a page of their own after the cover."""
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(12)
    _fonts(title.add_run("目　录"), HEADING_FONT, 16, True)
    for section in document.sections:
        paragraph = doc.add_paragraph()
        paragraph.paragraph_format.line_spacing = 1.6
        _fonts(paragraph.add_run(section.heading), BODY_FONT, 12)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


NUMERIC_KINDS = ("int", "number", "figure", "percent", "money")


def _cell_xml(text: str, width: int, size: int, *, bold: bool, align: str | None, fill: str | None) -> str:
    shading = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
    justify = f'<w:pPr><w:jc w:val="{align}"/></w:pPr>' if align else ""
    fonts = (
        f'<w:rFonts w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}" w:eastAsia="{HEADING_FONT if bold else BODY_FONT}"/>'
    )
    weight = "<w:b/>" if bold else ""
    body = escape(xml_safe(chinese_punctuation(text)))
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shading}</w:tcPr>'
        f"<w:p>{justify}<w:r><w:rPr>{fonts}{weight}"
        f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>'
        f'<w:t xml:space="preserve">{body}</w:t></w:r></w:p></w:tc>'
    )


def _table(doc: DocxDocument, table: Table, tz: str) -> None:
    """A grid table with a repeated, shaded header row. The XML is written directly: going through
    python-docx's cell objects costs seconds for a few hundred rows."""
    shown = [i for i, column in enumerate(table.columns) if column.in_docx]
    if not table.rows:  # no caption over an empty table: the sentence says there is nothing
        paragraph = doc.add_paragraph()
        _fonts(paragraph.add_run(table.empty_text), BODY_FONT, 10.5)
        return
    caption = doc.add_paragraph()
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.keep_with_next = True
    caption.paragraph_format.space_before = Pt(8)
    _fonts(caption.add_run(f"表：{table.title}"), HEADING_FONT, 10.5, True)
    size = 18 if len(shown) <= 7 else 15  # half-points: 9 pt, or 7.5 pt for wide tables
    total_width = sum(table.columns[i].width for i in shown)
    widths = [int(TEXT_WIDTH_TWIPS * table.columns[i].width / total_width) for i in shown]
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    header = "".join(
        _cell_xml(table.columns[i].label, w, size, bold=True, align="center", fill="D9E2F3")
        for i, w in zip(shown, widths, strict=True)
    )
    rows = [f"<w:tr><w:trPr><w:tblHeader/></w:trPr>{header}</w:tr>"]
    for row_index, row in enumerate(table.rows):
        cells = []
        for i, w in zip(shown, widths, strict=True):
            kind = table.kind(row_index, i)
            align = "right" if kind in NUMERIC_KINDS else None
            cells.append(_cell_xml(display(row[i], kind, tz), w, size, bold=False, align=align, fill=None))
        rows.append(f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{''.join(cells)}</w:tr>")
    xml = (
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
        f'<w:jc w:val="center"/><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
        f"{''.join(rows)}</w:tbl>"
    )
    body = doc.element.body
    body.sectPr.addprevious(parse_xml(xml))
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
                run = paragraph.add_run(xml_safe(chinese_punctuation(block.text)))
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
