"""The texts people enter before generating a document, stored on ``Report`` rows (no new tables).

- Quarterly report: ``Report(kind="quarterly", period="2025Q2")``: ``problems`` (存在的问题) and
  ``next_plan`` (下季度工作计划), plain text.
- Self-evaluation: one ``Report(kind="self-evaluation", period="2025")`` for the year, shared by both
  projects: ``problems`` holds 年度总体目标完成情况 and ``next_plan`` the notes (其他需要说明的问题), each a
  JSON object keyed by project code (``{"YW-2025": "...", "DK-2025": "..."}``). A value that is not such an
  object (typed in by hand elsewhere) is read as the text of every project.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import Project, Report
from slatrack.operations import Conflict, OperationError
from slatrack.operations.figures.report_status import get_or_create
from slatrack.reports.data import ProjectTexts

MAX_TEXT = 20000


def _check(name: str, text: str) -> str:
    if len(text) > MAX_TEXT:
        raise OperationError(f"内容过长（不能超过 {MAX_TEXT} 个字）", fields={name: f"不能超过 {MAX_TEXT} 个字"})
    return text.strip()


def save_quarterly_texts(label: str, problems: str, next_plan: str) -> Report:
    """Store the quarter's problems found and next quarter's plan (creates the draft report if needed)."""
    report = get_or_create(label)
    if report.status != "draft":
        raise Conflict(f"{label} 季度报告已提交，存在的问题和下季度工作计划不能再修改")
    report.problems = _check("problems", problems)
    report.next_plan = _check("next_plan", next_plan)
    db.session.commit()
    return report


def _decode(raw: str, code: str) -> str:
    if not raw:
        return ""
    try:
        parsed = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(parsed, dict):
        return str(parsed.get(code, ""))
    return raw


def self_evaluation_report(year: int) -> Report | None:
    return db.session.scalar(select(Report).where(Report.kind == "self-evaluation", Report.period == str(year)))


def self_evaluation_texts(year: int) -> dict[str, ProjectTexts]:
    """The texts of each project of the year (empty strings when none were entered)."""
    report = self_evaluation_report(year)
    codes = db.session.scalars(select(Project.code).where(Project.fiscal_year == year).order_by(Project.code))
    return {
        code: ProjectTexts(
            _decode(report.problems, code) if report else "", _decode(report.next_plan, code) if report else ""
        )
        for code in codes
    }


def save_self_evaluation_texts(year: int, texts: dict[str, ProjectTexts]) -> Report:
    known = self_evaluation_texts(year)
    if not known:
        raise OperationError(f"{year} 年度没有预算项目", status=404, fields={"year": "无数据"})
    unknown = set(texts) - set(known)
    if unknown:
        raise OperationError(f"项目不存在：{'、'.join(sorted(unknown))}", fields={"project": "未知项目"})
    merged = {**known, **{code: ProjectTexts(_check("achieved", t.achieved), _check("notes", t.notes))
                          for code, t in texts.items()}}  # fmt: skip
    report = self_evaluation_report(year)
    if report is None:
        report = Report(kind="self-evaluation", period=str(year), status="draft")
        db.session.add(report)
    report.problems = json.dumps({code: t.achieved for code, t in merged.items()}, ensure_ascii=False)
    report.next_plan = json.dumps({code: t.notes for code, t in merged.items()}, ensure_ascii=False)
    db.session.commit()
    return report
