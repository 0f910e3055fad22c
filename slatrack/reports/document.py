"""A plain document model that both renderers (.docx and .xlsx) draw from.

A ``Document`` is a cover and a list of ``Section``s holding paragraphs, ``Table``s and ``Chart``s, plus
record sheets (``Document.sheets``) that only the workbook shows. Cells keep their raw values (numbers,
dates, aware datetimes); each ``Column`` says how to show them, so the workbook can store real numbers,
dates and percentages while the Word document shows the same values as text.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo


class Label(str):
    """Text the program writes or takes from the reference data (an indicator's target such as ``=1套``).

    The workbook stores it as a string cell exactly as it is, so it prints as =1套; any other text (what people
    typed: titles, causes, findings, the report's texts) gets the OWASP export rule (``textsafety.safe_cell``).
    """

    __slots__ = ()


Kind = Literal["text", "int", "number", "figure", "percent", "money", "date", "datetime"]
Value = str | int | float | Decimal | date | datetime | None


@dataclass(frozen=True)
class Column:
    label: str
    kind: Kind = "text"
    width: float = 14  # workbook column width, in characters
    in_docx: bool = True  # machine-oriented columns (the API's field names) stay out of the Word document


@dataclass
class Table:
    title: str  # also the workbook sheet name (shortened to 31 characters)
    columns: list[Column]
    rows: list[list[Value]]
    empty_text: str = "无记录"
    note: str = ""
    # Per-row kinds for a table of figures laid out as rows (label, then one column per scope): they
    # override the kind of the columns declared as "number".
    row_kinds: list[Kind] | None = None

    def kind(self, row: int, column: int) -> Kind:
        declared = self.columns[column].kind
        if self.row_kinds is not None and declared == "number":
            return self.row_kinds[row]
        return declared


@dataclass(frozen=True)
class Chart:
    title: str
    png: bytes


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: Literal["body", "note", "pre"] = "body"


Block = Paragraph | Table | Chart


@dataclass
class Section:
    heading: str
    blocks: list[Block] = field(default_factory=list)
    page_break: bool = False

    def text(self, text: str, style: Literal["body", "note", "pre"] = "body") -> None:
        self.blocks.append(Paragraph(text, style))


@dataclass
class Document:
    title: str
    subtitle: str
    cover: list[tuple[str, str]]  # label, value
    sections: list[Section]
    sheets: list[Table] = field(default_factory=list)  # underlying records, workbook only
    tz: str = "Asia/Shanghai"
    landscape_tables: bool = False
    contents: bool = False  # a 目录 page after the cover (Word)

    def tables(self) -> list[Table]:
        return [block for section in self.sections for block in section.blocks if isinstance(block, Table)]


def _grouped(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}"


def display(value: Value, kind: Kind, tz: str) -> str:
    """A cell as text, the way the Word document shows it (and the way people read it in Chinese reports)."""
    if value is None:
        return "—"
    if kind == "percent" and isinstance(value, int | float | Decimal):
        return f"{float(value):.2f}%"
    if kind == "money" and isinstance(value, int | float | Decimal):
        return f"¥{_grouped(float(value), 2)}"
    if kind == "number" and isinstance(value, int | float | Decimal):
        return f"{float(value):,.2f}"
    if kind == "figure" and isinstance(value, int | float | Decimal):
        return f"{int(value):,}" if float(value).is_integer() else f"{float(value):,.2f}"
    if kind == "int" and isinstance(value, int | float | Decimal):
        return f"{int(value):,}"
    if isinstance(value, datetime):
        return chinese_datetime(value, tz)
    if isinstance(value, date):
        return chinese_date(value)
    return str(value)


_CJK = "\u3400-\u9fff\uff00-\uffef\u3000-\u303f"
_PAIR = re.compile(r"(.?)\(([^()]*)\)(.?)", re.S)
_BETWEEN = re.compile(f"(?<=[{_CJK}])([,;:!?]) ?(?=[{_CJK}])")
_FULL_WIDTH = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}
_HAS_CJK = re.compile(f"[{_CJK}]")


@functools.lru_cache(maxsize=8192)  # the same unit names, categories and titles recur thousands of times
def chinese_punctuation(text: str) -> str:
    """Full-width punctuation in Chinese text (reference data transcribed with half-width marks):
    a bracket pair around or beside Chinese becomes （）, and , ; : ! ? between Chinese characters their
    full-width forms. Other text (``OM-2025``, ``≥90%``, ``09:30``) is left alone."""
    if not _HAS_CJK.search(text):
        return text

    def pair(match: re.Match[str]) -> str:
        before, inner, after = match.groups()
        if _HAS_CJK.search(before + inner + after):
            return f"{before}（{inner}）{after}"
        return match.group(0)

    return _BETWEEN.sub(lambda m: _FULL_WIDTH[m.group(1)], _PAIR.sub(pair, text))


def chinese_date(day: date) -> str:
    """The one date format of the documents and pages: 2025年7月7日 (no zero padding)."""
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_datetime(moment: datetime, tz: str) -> str:
    """2025年7月7日 09:30, in the configured zone."""
    local = moment.astimezone(ZoneInfo(tz))
    return f"{chinese_date(local.date())} {local:%H:%M}"
