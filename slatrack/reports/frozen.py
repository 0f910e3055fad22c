"""A document as JSON and back: how a submitted quarterly report is kept as it was submitted (issue 13).

Submitting a quarter stores its document (``to_json``) with the report; every later download rebuilds it
from there (``from_json``), so the body always shows the figures of the submission, whatever was recorded
since. Cells keep their types (a ``Label`` stays a label, a ``Decimal`` a decimal, aware datetimes aware),
charts keep their PNG, so both renderers draw the same file as on the day of submission.
"""

from __future__ import annotations

import base64
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from slatrack.reports.document import Block, Chart, Column, Document, Kind, Label, Paragraph, Section, Table, Value

VERSION = 1


def _value(value: Value) -> Any:
    if value is None or isinstance(value, int | float):
        return value
    if isinstance(value, Label):
        return {"l": str(value)}
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    return {"d": value.isoformat()}


def _unvalue(raw: Any) -> Value:
    if not isinstance(raw, dict):
        return cast(Value, raw)
    if "l" in raw:
        return Label(raw["l"])
    if "n" in raw:
        return Decimal(raw["n"])
    if "t" in raw:
        return datetime.fromisoformat(raw["t"])
    return date.fromisoformat(raw["d"])


def _table(table: Table) -> dict[str, Any]:
    return {
        "type": "table",
        "title": table.title,
        "columns": [[c.label, c.kind, c.width, c.in_docx] for c in table.columns],
        "rows": [[_value(v) for v in row] for row in table.rows],
        "empty_text": table.empty_text,
        "note": table.note,
        "row_kinds": table.row_kinds,
    }


def _untable(raw: dict[str, Any]) -> Table:
    return Table(
        title=raw["title"],
        columns=[Column(label, cast(Kind, kind), width, in_docx) for label, kind, width, in_docx in raw["columns"]],
        rows=[[_unvalue(v) for v in row] for row in raw["rows"]],
        empty_text=raw["empty_text"],
        note=raw["note"],
        row_kinds=raw["row_kinds"],
    )


def _block(block: Block) -> dict[str, Any]:
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Chart):
        return {"type": "chart", "title": block.title, "png": base64.b64encode(block.png).decode("ascii")}
    return {"type": "paragraph", "text": block.text, "style": block.style}


def _unblock(raw: dict[str, Any]) -> Block:
    if raw["type"] == "table":
        return _untable(raw)
    if raw["type"] == "chart":
        return Chart(raw["title"], base64.b64decode(raw["png"]))
    return Paragraph(raw["text"], raw["style"])


def to_json(document: Document) -> dict[str, Any]:
    return {
        "version": VERSION,
        "title": document.title,
        "subtitle": document.subtitle,
        "cover": [list(pair) for pair in document.cover],
        "sections": [
            {"heading": s.heading, "page_break": s.page_break, "blocks": [_block(b) for b in s.blocks]}
            for s in document.sections
        ],
        "sheets": [_table(t) for t in document.sheets],
        "tz": document.tz,
        "landscape_tables": document.landscape_tables,
        "contents": document.contents,
    }


def from_json(raw: dict[str, Any], *, charts: bool = True, records: bool = True) -> Document:
    """The stored document; ``charts=False`` / ``records=False`` leave out what a format does not show."""
    sections = []
    for s in raw["sections"]:
        blocks = [_unblock(b) for b in s["blocks"] if charts or b["type"] != "chart"]
        sections.append(Section(s["heading"], blocks, s["page_break"]))
    return Document(
        title=raw["title"],
        subtitle=raw["subtitle"],
        cover=[(label, value) for label, value in raw["cover"]],
        sections=sections,
        sheets=[_untable(t) for t in raw["sheets"]] if records else [],
        tz=raw["tz"],
        landscape_tables=raw["landscape_tables"],
        contents=raw["contents"],
    )
