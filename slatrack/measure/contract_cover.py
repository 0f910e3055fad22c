"""Contracts' cover of time, pure: a contract ending soon with no successor, and the days no contract covers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from slatrack.measure.budget import service_months

SUCCESSOR_LEAD_DAYS = 30


@dataclass(frozen=True)
class ContractSpan:
    code: str
    start: date
    end: date  # inclusive


def ending_without_successor(
    spans: Iterable[ContractSpan], today: date, lead_days: int = SUCCESSOR_LEAD_DAYS
) -> list[ContractSpan]:
    """Contracts ending within ``lead_days`` from ``today`` (inclusive) whose next day no other contract covers."""
    spans = list(spans)
    ending = []
    for span in spans:
        if not today <= span.end <= today + timedelta(days=lead_days):
            continue
        following = span.end + timedelta(days=1)
        if not any(other.start <= following <= other.end for other in spans if other is not span):
            ending.append(span)
    return sorted(ending, key=lambda span: span.end)


def uncovered_to_date(spans: Iterable[ContractSpan], year: int, today: date) -> list[tuple[date, date]]:
    """The days of ``year`` up to ``today`` that no contract covers (as inclusive ranges)."""
    gaps = service_months(year, [(span.start, span.end) for span in spans]).gaps
    return [(lo, min(hi, today)) for lo, hi in gaps if lo <= today]
