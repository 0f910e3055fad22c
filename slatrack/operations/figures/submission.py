"""Submitting a quarterly report keeps its document as submitted, and every later download shows that one.

``submit`` is ``report_status.submit`` (status, checks, frozen figures) plus the document: built at the
moment of submission — 数据截至 and 编制日期 are the submission's — and stored as JSON with the report
(``Report.frozen_document``, reports/frozen.py). ``frozen_document`` gives it back for a download: the body
exactly as submitted, the cover's status as it is now (已提交 / 已验收), and, when records added or
corrected since have changed the quarter's figures, the appendix 附：提交后修订的数字 with each changed figure's
submitted and current value. A report submitted before documents were stored is rebuilt at its submission
time, with the same appendix.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from slatrack.models import Report, User
from slatrack.operations.figures import report_status
from slatrack.operations.figures.document_data import quarterly_data
from slatrack.reports import frozen, quarterly
from slatrack.reports.data import ReportState
from slatrack.reports.document import Document
from slatrack.reports.quarterly_sections import revisions_section


def submit(label: str, user: User | None, now: datetime | None = None) -> Report:
    """Mark the quarter's report submitted, freezing its figures and its document."""
    return report_status.submit(label, user, now, freeze=_freeze)


def _freeze(report: Report, now: datetime) -> None:
    data = quarterly_data(report.period, now, prepared_at=now)
    if data.report is not None:  # the appendix is added at download, against the figures of that day
        data = dataclasses.replace(data, report=dataclasses.replace(data.report, submitted=False, revisions={}))
    report.frozen_document = frozen.to_json(quarterly.build(data))


def frozen_document(report: Report, *, charts: bool = True, records: bool = True) -> Document:
    """The document of a submitted (or accepted) report as submitted, with today's status and revisions."""
    assert report.submitted_at is not None and report.frozen_figures is not None
    state = ReportState(
        status=report.status,
        status_label=report_status.STATUS_LABELS[report.status],
        problems=report.problems,
        next_plan=report.next_plan,
        submitted_at=report.submitted_at,
        submitted=True,
        revisions=report_status.revisions(report),
    )
    if report.frozen_document is None:  # submitted before documents were kept: rebuilt as of submission
        data = quarterly_data(report.period, report.submitted_at, records=records, prepared_at=report.submitted_at)
        return quarterly.build(dataclasses.replace(data, report=state), charts=charts, records=records)
    document = frozen.from_json(report.frozen_document, charts=charts, records=records)
    document.cover = [(k, state.status_label if k == "报告状态" else v) for k, v in document.cover]
    document.sections.append(revisions_section(state, document.tz))
    return document
