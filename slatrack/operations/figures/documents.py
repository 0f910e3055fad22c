"""The documents' data and files: one read function per document, then the file as a download.

``quarterly_data`` and ``self_evaluation_data`` read everything a document shows into the plain values of
reports/data.py; reports/ builds the document from them without touching the database. The files come
with a validated format, bytes, Chinese file name, content type and an audit record: the API, the reports
page and the command line all come through here, so each file produced is audited the same way
(``audit.record("download", ...)``, committed at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slatrack import audit
from slatrack.extensions import db
from slatrack.operations import OperationError
from slatrack.operations.figures.document_data import quarterly_data, self_evaluation_data
from slatrack.operations.figures.report_status import find_report
from slatrack.operations.figures.submission import frozen_document
from slatrack.reports import quarterly, quarterly_format, selfeval
from slatrack.reports.document import Document
from slatrack.reports.form import FormDocument

FORMATS = ("docx", "xlsx")
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class ReportFile:
    content: bytes
    filename: str
    mimetype: str


def _render(document: Document, fmt: str) -> bytes:
    """The file of a document; python-docx and openpyxl are loaded only when a file is made."""
    if fmt == "docx":
        from slatrack.reports.docx_render import render_docx

        return render_docx(document)
    from slatrack.reports.xlsx_render import render_xlsx

    return render_xlsx(document)


def check_format(fmt: str | None) -> str:
    value = (fmt or "").strip().lower()
    if not value:
        raise OperationError("请指定文件格式：docx 或 xlsx", fields={"format": "应为 docx 或 xlsx"})
    if value not in FORMATS:
        raise OperationError(f"文件格式无效：“{fmt}”，应为 docx 或 xlsx", fields={"format": "应为 docx 或 xlsx"})
    return value


def _audited(kind: str, period: str, fmt: str, via: str) -> None:
    how = {"page": "网页", "api": "API", "cli": "命令行"}.get(via, via)
    audit.record("download", object_type="report", object_id=f"{kind}:{period}", detail=f"{fmt} 文件（经{how}下载）")
    db.session.commit()


def quarterly_document(
    label: str, as_of: datetime | None = None, *, charts: bool = True, records: bool = True
) -> Document:
    """The quarterly report of ``label`` (``2025Q2``) at ``as_of`` (default now) as a plain document.

    ``charts=False`` leaves the charts out (the workbook does not show them), ``records=False`` the record
    sheets (the Word document does not show them): each format only pays for what it shows. A submitted or
    accepted quarter gives the document of its submission whatever ``as_of`` (operations/figures/submission.py).
    """
    stored = find_report(label)
    if stored is not None and stored.frozen_figures is not None:  # submitted: the document as submitted
        return frozen_document(stored, charts=charts, records=records)
    return quarterly.build(quarterly_data(label, as_of, records=records), charts=charts, records=records)


def self_evaluation_document(year: str | int, as_of: datetime | None = None) -> FormDocument:
    """Each project's 项目支出绩效自评表 of ``year``, one form per project."""
    return selfeval.build(self_evaluation_data(selfeval.parse_year(year), as_of))


def self_evaluation_preview(year: str | int, as_of: datetime | None = None) -> tuple[FormDocument, list[str]]:
    """The forms of ``year`` and what people still have to enter before filing them (for the page)."""
    data = self_evaluation_data(selfeval.parse_year(year), as_of)
    return selfeval.build(data), selfeval.missing_texts(data)


def quarterly_file(label: str, fmt: str | None, as_of: datetime | None = None, via: str = "api") -> ReportFile:
    """The quarterly report of ``label`` (``2025Q2``) as .docx or .xlsx."""
    chosen = check_format(fmt)
    label = label.strip().upper()
    if chosen == "docx":
        content = _render(quarterly_document(label, as_of, records=False), "docx")
    else:
        content = _render(quarterly_document(label, as_of, charts=False), "xlsx")
    _audited("quarterly", label, chosen, via)
    return ReportFile(content, quarterly_format.file_name(label, chosen), CONTENT_TYPES[chosen])


def self_evaluation_file(
    year: str | int, fmt: str | None, as_of: datetime | None = None, via: str = "api"
) -> ReportFile:
    """Each project's self-evaluation table of ``year`` in one .xlsx (a sheet each) or .docx (a page each)."""
    from slatrack.reports.form_render import render_form_docx, render_form_xlsx

    chosen = check_format(fmt)
    document = self_evaluation_document(year, as_of)
    content = render_form_docx(document) if chosen == "docx" else render_form_xlsx(document)
    _audited("self-evaluation", str(year).strip(), chosen, via)
    return ReportFile(content, selfeval.file_name(int(str(year).strip()), chosen), CONTENT_TYPES[chosen])
