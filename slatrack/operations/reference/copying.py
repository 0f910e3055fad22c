"""Start a fiscal year from the previous one: its projects, budget lines and indicators, copied for editing.

The copies get the new year in their codes (YW-2025 → YW-2026, YW-2025-TAIL → YW-2026-TAIL; a code
without the year gets ``-<year>`` appended), the same amounts and targets to be edited afterwards, and no
contract on their budget lines (the new year's contract round is entered on its own). The previous year
is only read. A year that already has projects is refused, and so is a copy whose codes are taken.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import BudgetLine, Project
from slatrack.operations import Conflict, OperationError
from slatrack.operations.reference import fields as check
from slatrack.operations.reference.indicator_edits import EDITABLE, add_indicator, indicators_of
from slatrack.operations.reference.projects import budget_lines, list_projects, new_project


def renamed(code: str, previous: int, year: int) -> str:
    """A code for the new year: the previous year in it replaced, else the year appended."""
    new = code.replace(str(previous), str(year)) if str(previous) in code else f"{code}-{year}"
    if len(new) > 32:
        raise OperationError(f"复制后的编号过长：{new}", fields={"code": "超过 32 个字符"})
    return new


def copy_year(year: int, previous: int, only: Sequence[str] | None = None) -> list[Project]:
    """Copy ``previous``'s projects (or those named in ``only``) into ``year``; returns the new projects."""
    year = check.year(year, "year")
    previous = check.year(previous, "previous")
    if year == previous:
        raise OperationError("新年度不能与来源年度相同", fields={"year": "与来源年度相同"})
    sources = list_projects(previous)
    if only:
        unknown = sorted(set(only) - {p.code for p in sources})
        if unknown:
            raise OperationError(
                f"{previous} 年度没有项目：{'、'.join(unknown)}", status=404, fields={"projects": "未知项目"}
            )
        sources = [p for p in sources if p.code in set(only)]
    if not sources:
        raise OperationError(f"{previous} 年度没有预算项目可复制", status=404, fields={"previous": "无数据"})
    existing = list_projects(year)
    if existing:
        codes = "、".join(p.code for p in existing)
        raise Conflict(f"{year} 年度已有项目（{codes}），不能再复制", fields={"year": "已有项目"})
    try:
        created = [_copy(source, previous, year) for source in sources]
    except OperationError:
        db.session.rollback()  # the projects copied before the refusal are not kept
        raise
    db.session.commit()
    return created


def _copy(source: Project, previous: int, year: int) -> Project:
    code = renamed(source.code, previous, year)
    if db.session.scalar(select(Project.id).where(Project.code == code)) is not None:
        raise Conflict(f"项目编号已存在：{code}", fields={"code": "已存在"})
    lines = []
    for line in budget_lines(source):
        line_code = renamed(line.code, previous, year)
        if db.session.scalar(select(BudgetLine.id).where(BudgetLine.code == line_code)) is not None:
            raise Conflict(f"预算行编号已存在：{line_code}", fields={"budget_lines": f"{line_code} 已存在"})
        lines.append(
            {
                "code": line_code,
                "name": line.name,
                "amount": line.amount,
                "source": line.source,
                "condition": "",
                "contract": None,
            }
        )
    project = new_project(
        {
            "code": code,
            "fiscal_year": year,
            "name": _shift_year(source.name, previous, year),
            "department": source.department,
            "implementer": source.implementer,
            "overall_goal": _shift_year(source.annual_goal, previous, year),
            "budget_lines": lines,
        }
    )
    for indicator in indicators_of(source):
        values = {name: getattr(indicator, name) for name in EDITABLE}
        values["name"] = _shift_year(indicator.name, previous, year)
        values["target_text"] = _shift_year(indicator.target_text, previous, year)
        add_indicator(project, values)
    return project


_YEAR_IN_TEXT = re.compile(r"(?<!\d)(\d{4})(?=\s*年)")


def _shift_year(text: str, previous: int, year: int) -> str:
    """Years named in a text move with the fiscal year, keeping their distance to it.

    ``2025年12月底`` → ``2026年12月底``; the 2025 form's "开展2024年…年终抽查核验" (last year's review)
    becomes "开展2025年…" in 2026. Only a four-digit number followed by 年 and within ten years of the
    source year counts; codes and amounts stay as they were. The admin edits the copies afterwards.
    """
    step = year - previous

    def moved(match: re.Match[str]) -> str:
        named = int(match.group(1))
        return str(named + step) if abs(named - previous) <= 10 else match.group(1)

    return _YEAR_IN_TEXT.sub(moved, text) if text else text
