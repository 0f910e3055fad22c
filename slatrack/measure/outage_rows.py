"""The outages a scope lists (reports' outage tables), and merging one outage's rows across contract windows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class OutageRow:
    """One outage as reports list it: its span in the window, waiting and repair, and what removed it."""

    key: str
    target: str
    source: str
    start: datetime
    end: datetime | None
    cause: str
    measured_minutes: float
    excluded: bool


def merge_rows(rows: Iterable[OutageRow]) -> tuple[OutageRow, ...]:
    """One row per outage across contract windows, its measured minutes added up."""
    merged: dict[tuple[str, str, datetime], OutageRow] = {}
    for row in rows:
        key = (row.target, row.source, row.start)
        known = merged.get(key)
        if known is None:
            merged[key] = row
        else:
            merged[key] = OutageRow(
                key=known.key or row.key,
                target=row.target,
                source=row.source,
                start=row.start,
                end=row.end,
                cause=known.cause or row.cause,
                measured_minutes=known.measured_minutes + row.measured_minutes,
                excluded=known.excluded and row.excluded,
            )
    return tuple(sorted(merged.values(), key=lambda row: (row.start, row.target)))
