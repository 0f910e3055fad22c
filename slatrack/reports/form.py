"""A printed form: a grid of cells with merged ranges, as official tables are laid out.

The 项目支出绩效自评表 is one bordered table with merged cells, not a list of separate tables, so it has its
own model: a ``Form`` is a title, column widths and ``FormCell``s placed on a grid (``row``, ``col``, spans).
``form_render.py`` draws it as Word and Excel; the reports page shows it as an HTML table. Cells keep
raw values (text, numbers); the ``kind`` says how to print a number, with ``form_text`` the one place that
turns a cell into its printed text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

FormKind = Literal["text", "money", "score", "percent"]
Align = Literal["left", "center", "right"]
FormValue = str | int | float | Decimal | None


@dataclass(frozen=True)
class FormCell:
    row: int
    col: int
    value: FormValue
    kind: FormKind = "text"
    rowspan: int = 1
    colspan: int = 1
    bold: bool = False
    align: Align = "center"
    typed: bool = False  # text people entered: the workbook applies the OWASP export rule to it


@dataclass
class Form:
    """One table of a form (one project's 自评表), with the lines printed above and below it."""

    title: str
    columns: list[float]  # widths in characters (the workbook's column widths; Word scales them)
    cells: list[FormCell] = field(default_factory=list)
    heading: str = ""  # e.g. the project's name, for the sheet name and the page
    footer: list[str] = field(default_factory=list)  # lines under the table (填报人 ...)

    @property
    def row_count(self) -> int:
        return max((c.row + c.rowspan for c in self.cells), default=0)

    def add(
        self,
        row: int,
        col: int,
        value: FormValue,
        kind: FormKind = "text",
        *,
        rowspan: int = 1,
        colspan: int = 1,
        bold: bool = False,
        align: Align = "center",
        typed: bool = False,
    ) -> None:
        self.cells.append(FormCell(row, col, value, kind, rowspan, colspan, bold, align, typed))

    def grid(self) -> list[list[FormCell | None]]:
        """Rows of cells for an HTML table: each cell at its top-left place, ``None`` where a span covers."""
        rows: list[list[FormCell | None]] = [[None] * len(self.columns) for _ in range(self.row_count)]
        for cell in self.cells:
            rows[cell.row][cell.col] = cell
        return rows

    def merged(self) -> list[FormCell]:
        return [c for c in self.cells if c.rowspan > 1 or c.colspan > 1]


@dataclass
class FormDocument:
    """A document of forms: each form on its own page (Word) or sheet (workbook)."""

    title: str
    forms: list[Form]


def form_text(value: FormValue, kind: FormKind) -> str:
    """A cell as printed: money in 万元 and scores with two decimals and thousands separators, rates in %."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    number = float(value)
    if kind == "percent":
        return f"{number:,.2f}%"
    if kind in ("money", "score"):
        return f"{number:,.2f}"
    return f"{number:,.2f}" if not number.is_integer() else f"{int(number):,}"
