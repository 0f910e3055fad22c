"""The report files as downloads: validated format, bytes, Chinese file name, content type, and an audit record.

The API, the reports page and the command line all come through here, so each file produced is audited
the same way (``audit.record("download", ...)``, committed at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slatrack import audit
from slatrack.extensions import db
from slatrack.operations import OperationError
from slatrack.reports import quarterly, selfeval
from slatrack.reports.document import Document

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


def _render(document: Document, fmt: str, layout: str = "sheets") -> bytes:
    """The file of a document; python-docx and openpyxl are loaded only when a file is made."""
    if fmt == "docx":
        from slatrack.reports.docx_render import render_docx

        return render_docx(document)
    from slatrack.reports.xlsx_render import render_xlsx

    return render_xlsx(document, layout=layout)


def check_format(fmt: str | None) -> str:
    value = (fmt or "").strip().lower()
    if value not in FORMATS:
        raise OperationError(f"文件格式无效：{fmt!r}，应为 docx 或 xlsx", fields={"format": "应为 docx 或 xlsx"})
    return value


def _audited(kind: str, period: str, fmt: str, via: str) -> None:
    audit.record("download", object_type="report", object_id=f"{kind}:{period}", detail=f"{fmt}（{via}）")
    db.session.commit()


def quarterly_file(label: str, fmt: str | None, as_of: datetime | None = None, via: str = "api") -> ReportFile:
    """The quarterly report of ``label`` (``2025Q2``) as .docx or .xlsx."""
    chosen = check_format(fmt)
    label = label.strip().upper()
    if chosen == "docx":
        content = _render(quarterly.build(label, as_of, records=False), "docx")
    else:
        content = _render(quarterly.build(label, as_of, charts=False), "xlsx")
    _audited("quarterly", label, chosen, via)
    return ReportFile(content, quarterly.file_name(label, chosen), CONTENT_TYPES[chosen])


def self_evaluation_file(
    year: str | int, fmt: str | None, as_of: datetime | None = None, via: str = "api"
) -> ReportFile:
    """Both projects' self-evaluation forms of ``year`` in one .xlsx (a sheet each) or .docx (a section each)."""
    chosen = check_format(fmt)
    document = selfeval.build(year, as_of)
    content = _render(document, chosen, layout="forms")
    _audited("self-evaluation", str(year).strip(), chosen, via)
    return ReportFile(content, selfeval.file_name(int(str(year).strip()), chosen), CONTENT_TYPES[chosen])
