"""Monitoring months (系统运行监控次数) from the monthly inspections.

A month counts when it has at least one passed security check (安全检查) and at least one
passed backup check (备份核验) recorded for it; a failed check next to a passed one of the
same kind does not undo it (the re-check passed). The months considered are those the period
touches up to ``as_of``; inspections performed after ``as_of`` are ignored. Each month that
does not count is listed with the kinds it lacks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from slatrack.measure.periods import Period, parse_month, require_aware

KINDS: dict[str, str] = {"security": "安全检查", "backup": "备份核验"}


@dataclass(frozen=True)
class Inspection:
    month: str
    kind: str
    passed: bool
    performed_at: datetime

    def __post_init__(self) -> None:
        parse_month(self.month)
        if self.kind not in KINDS:
            raise ValueError(f"检查类型 {self.kind!r} 无效，应为 security（安全检查）或 backup（备份核验）")
        object.__setattr__(self, "performed_at", require_aware(self.performed_at, "检查时间"))


@dataclass(frozen=True)
class MonitoringFigures:
    months: tuple[str, ...]
    monitored: tuple[str, ...]
    count: int
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)


def monitoring_months(inspections: Iterable[Inspection], period: Period, as_of: datetime) -> MonitoringFigures:
    """Months of the period (cut at ``as_of``) with both checks passed, and what the others lack."""
    cut = require_aware(as_of, "as_of")
    months = tuple(period.cut(cut).months()) if cut > period.start else ()
    passed: dict[str, set[str]] = {month: set() for month in months}
    for inspection in inspections:
        if inspection.passed and inspection.performed_at <= cut and inspection.month in passed:
            passed[inspection.month].add(inspection.kind)
    monitored = tuple(m for m in months if passed[m] == set(KINDS))
    missing = {m: tuple(k for k in KINDS if k not in passed[m]) for m in months if passed[m] != set(KINDS)}
    return MonitoringFigures(months=months, monitored=monitored, count=len(monitored), missing=missing)
