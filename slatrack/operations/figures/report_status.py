"""The life of a quarterly report: draft → submitted → accepted, and the figures frozen at submission.

Submitting stores the quarter's SLA figures with the report. Later changes to the records never alter
them: ``revisions`` recomputes the quarter at the same ``as_of`` and lists every figure that now
differs, so pages and the API can show "revised since submission" with the old and the new value.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from slatrack.clock import zone_name
from slatrack.extensions import db
from slatrack.measure.periods import Period, quarter_period
from slatrack.models import Report, User, utcnow
from slatrack.operations import Conflict, OperationError
from slatrack.operations.figures.report_checks import require_complete
from slatrack.operations.figures.sla import SlaQuery, parse_period, period_figures
from slatrack.operations.tickets.late_review import counts as late_entry_counts

STATUS_LABELS = {"draft": "草稿", "submitted": "已提交", "accepted": "已验收"}


def quarter_dates(label: str) -> tuple[str, str]:
    """The inclusive local dates of a quarter label such as ``2025Q2``; a clear error otherwise."""
    try:
        period = quarter_period(label, zone_name())
    except ValueError as exc:
        raise OperationError(str(exc), fields={"quarter": "应为 2025Q2 这样的季度"}) from None
    return period.first_day.isoformat(), period.last_day.isoformat()


def get_or_create(label: str) -> Report:
    quarter_dates(label)
    report = db.session.scalar(select(Report).where(Report.kind == "quarterly", Report.period == label))
    if report is None:
        report = Report(kind="quarterly", period=label, status="draft")
        db.session.add(report)
        db.session.flush()
    return report


def quarter_figures(label: str, as_of: datetime | None = None) -> dict[str, Any]:
    first, last = quarter_dates(label)
    return period_figures(SlaQuery(first, last, None, as_of))


def submit(
    label: str,
    user: User | None,
    now: datetime | None = None,
    *,
    freeze: Callable[[Report, datetime], None] | None = None,
) -> Report:
    """Mark the quarter's report submitted and freeze its figures (and, with ``freeze``, its document:
    operations/figures/submission.py), in one transaction."""
    report = get_or_create(label)
    if report.status != "draft":
        raise Conflict(f"{label} 季度报告已{STATUS_LABELS[report.status]}，不能重复提交")
    require_complete(report)
    now = now or utcnow()
    report.status = "submitted"
    report.submitted_at = now
    report.submitted_by_id = user.id if user else None
    db.session.flush()
    # Frozen after the status change, so the figures count this report among the submitted ones.
    report.frozen_figures = quarter_figures(label, now)
    if freeze is not None:
        freeze(report, now)
    db.session.commit()
    return report


def accept(label: str, user: User | None, now: datetime | None = None) -> Report:
    report = get_or_create(label)
    if report.status != "submitted":
        raise Conflict(f"{label} 季度报告当前为{STATUS_LABELS[report.status]}，只有已提交的报告可以验收")
    if user is not None and report.submitted_by_id == user.id:  # four eyes: the submitter does not accept
        raise Conflict(f"{label} 季度报告由您本人提交，须由另一位局方人员验收", fields={"user": "提交人不能验收"})
    report.status = "accepted"
    report.accepted_at = now or utcnow()
    report.accepted_by_id = user.id if user else None
    db.session.commit()
    return report


def _differences(old: Any, new: Any, path: str, found: dict[str, dict[str, Any]]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            if key == "as_of":
                continue
            _differences(old.get(key), new.get(key), f"{path}.{key}" if path else key, found)
    elif old != new:
        found[path] = {"submitted": old, "current": new}


def revisions(report: Report) -> dict[str, dict[str, Any]]:
    """Figures that changed since submission: ``{"contracts.OM-2025.breached": {"submitted": 1, "current": 2}}``."""
    frozen = report.frozen_figures
    if not frozen:
        return {}
    as_of = datetime.fromisoformat(str(frozen["as_of"]))
    found: dict[str, dict[str, Any]] = {}
    _differences(frozen, quarter_figures(report.period, as_of), "", found)
    return found


def status_json(label: str) -> dict[str, Any]:
    quarter_dates(label)
    report = db.session.scalar(select(Report).where(Report.kind == "quarterly", Report.period == label))
    if report is None:
        return {"period": label, "status": None, "frozen_figures": None, "revisions": {}, "revised": False}
    changes = revisions(report)
    return {
        "period": label,
        "status": report.status,
        "status_label": STATUS_LABELS[report.status],
        "submitted_at": report.submitted_at,
        "accepted_at": report.accepted_at,
        "frozen_figures": report.frozen_figures,
        "revisions": changes,
        "revised": bool(changes),
    }


def sla_json(query: SlaQuery) -> dict[str, Any]:
    """The SLA JSON of SPEC section 6; with a contract code, that contract's figures at the top level.

    For a period that is exactly a quarter whose report was submitted, ``submission`` says so and lists
    the figures revised since. ``late_entries`` counts the period's late entries (补记) by how they count:
    ``pending`` and ``rejected`` at their entry time, ``confirmed`` and ``bureau`` at their stated time.
    """
    body = period_figures(query)
    period = parse_period(query.first, query.last)
    body["late_entries"] = late_entry_counts(start=period.start, end=period.end)
    label = _quarter_label(period)
    if label is not None:
        body["submission"] = _submission(label)
    return body


def _quarter_label(period: Period) -> str | None:
    """The quarter (``2025Q2``) when the period is exactly one, else None."""
    first, last = period.first_day, period.last_day
    label = f"{first.year}Q{(first.month - 1) // 3 + 1}"
    quarters = period.quarters()
    if quarters == [label] and first.day == 1 and first.month % 3 == 1 and (last + timedelta(days=1)).month % 3 == 1:
        return label
    return None


def _submission(label: str) -> dict[str, Any] | None:
    """For a submitted quarter: its status and the figures revised since submission."""
    report = db.session.scalar(select(Report).where(Report.kind == "quarterly", Report.period == label))
    if report is None or report.frozen_figures is None:
        return None
    changes = revisions(report)
    return {
        "period": label,
        "status": report.status,
        "status_label": STATUS_LABELS[report.status],
        "submitted_at": report.submitted_at.isoformat() if report.submitted_at else None,
        "revised": bool(changes),
        "revisions": changes,
    }


def find_report(label: str) -> Report | None:
    return db.session.scalar(select(Report).where(Report.kind == "quarterly", Report.period == label))


def quarterly_reports(year: int) -> dict[str, Report]:
    """The stored quarterly reports of a year by quarter label."""
    query = select(Report).where(Report.kind == "quarterly", Report.period.like(f"{year}Q%"))
    return {r.period: r for r in db.session.scalars(query)}
