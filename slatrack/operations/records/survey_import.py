"""Import survey responses from a spreadsheet (.xlsx or .csv) with the Chinese headers 单位, 期间, 评分, 意见, 填报时间.

The whole file is checked first: one bad row means nothing is imported, and every bad row is reported
with its row number (as the spreadsheet numbers it, the header being row 1), column and reason.
Rows already in the database (same unit, period and 填报时间) are skipped, so importing a file twice
adds nothing the second time. Units are given by name or code; scores as 1-5 or their labels
(非常满意 ... 非常不满意); a 填报时间 without a time zone is local time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import IO, Any

from slatrack.clock import aware, local_zone, not_in_future, utcnow
from slatrack.extensions import db
from slatrack.models import User
from slatrack.operations import OperationError, spreadsheets
from slatrack.operations.records.common import text
from slatrack.operations.records.survey import (
    MAX_COMMENT,
    SCORE_LABELS,
    check_period,
    check_score,
    exists,
    new_response,
    validate_response,
)
from slatrack.operations.reference.units import find_unit
from slatrack.operations.spreadsheets import ImportResult, MissingColumns, RowError, cell_text
from slatrack.textsafety import clean_cells

HEADERS = {"单位": "unit", "期间": "period", "评分": "score", "意见": "comment", "填报时间": "responded_at"}
REQUIRED = ("单位", "期间", "评分", "填报时间")
COLUMN_OF = {value: key for key, value in HEADERS.items()}
MAX_ROWS = 10000
_LABEL_SCORES = {label: score for score, label in SCORE_LABELS.items()}


class SurveyImportRejected(OperationError):
    """The file has bad rows; nothing was imported. ``problems`` lists every one."""

    def __init__(self, problems: list[RowError]) -> None:
        shown = "；".join(str(p) for p in problems[:5])
        more = f"；另有 {len(problems) - 5} 处" if len(problems) > 5 else ""
        super().__init__(
            f"导入失败，未导入任何记录：{shown}{more}",
            fields={f"row {p.row}: {p.column}": p.reason for p in problems},
        )
        self.problems = problems


def read_rows(stream: IO[bytes], filename: str) -> list[tuple[int, dict[str, Any]]]:
    """The data rows of a .xlsx or .csv file as (row number, {header: value}); blank rows are left out."""
    try:
        return list(spreadsheets.read_rows(stream, filename, REQUIRED, max_rows=MAX_ROWS))
    except MissingColumns as exc:
        raise SurveyImportRejected([RowError(1, h, "缺少该列") for h in exc.missing]) from None


def _responded_at(value: Any) -> Any:
    zone = local_zone()
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time(), zone)
    cleaned = cell_text(value)
    if not cleaned:
        return None
    try:
        parsed = datetime.fromisoformat(cleaned.replace("/", "-"))
    except ValueError:
        return cleaned  # validate_response names the field
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)


def _score(value: Any) -> Any:
    cleaned = cell_text(value)
    if cleaned in _LABEL_SCORES:
        return _LABEL_SCORES[cleaned]
    return int(cleaned) if cleaned.isdigit() else cleaned


def _check_unit(value: Any, now: datetime) -> None:
    if not value:
        raise OperationError("缺少单位", fields={"unit": "请填写单位名称或代码"})
    find_unit(value)


def _check_time(value: Any, now: datetime) -> None:
    not_in_future(aware(value, "responded_at", "填报时间"), now, "responded_at", "填报时间")


_FIELD_CHECKS: dict[str, Callable[[Any, datetime], Any]] = {
    "unit": _check_unit,
    "period": lambda value, now: check_period(value),
    "score": lambda value, now: check_score(value),
    "comment": lambda value, now: text(value, "comment", "意见", MAX_COMMENT),
    "responded_at": _check_time,
}


def check_rows(rows: list[tuple[int, dict[str, Any]]], now: datetime) -> list[tuple[int, dict[str, Any]]]:
    """Validate every row; raise SurveyImportRejected listing all bad rows, else the values to store."""
    problems: list[RowError] = []
    checked: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[int, str, datetime], int] = {}
    for number, raw in rows:
        fields = {
            "unit": cell_text(raw.get("单位")),
            "period": cell_text(raw.get("期间")),
            "score": _score(raw.get("评分")),
            "comment": cell_text(raw.get("意见")),
            "responded_at": _responded_at(raw.get("填报时间")),
        }
        row_problems = []
        # Check each field on its own so one row reports all its bad cells.
        for name, check in _FIELD_CHECKS.items():
            try:
                check(fields[name], now)
            except OperationError as exc:
                row_problems.append(RowError(number, COLUMN_OF[name], exc.fields.get(name) or exc.message))
        if not row_problems:
            try:
                values = validate_response(**fields, now=now)
            except OperationError as exc:
                name = next(iter(exc.fields), "responded_at")
                row_problems.append(RowError(number, COLUMN_OF.get(name, name), exc.message))
            else:
                key = (values["unit"].id, values["period"], values["responded_at"])
                if key in seen:
                    row_problems.append(
                        RowError(number, "填报时间", f"与第 {seen[key]} 行重复（同一单位、期间和填报时间）")
                    )
                else:
                    seen[key] = number
                    checked.append((number, values))
        problems.extend(row_problems)
    if problems:
        raise SurveyImportRejected(problems)
    return checked


def import_responses(
    stream: IO[bytes], filename: str, user: User | None = None, now: datetime | None = None
) -> ImportResult:
    """Import a survey file: all rows or none. Rows already present are skipped."""
    now = now or utcnow()
    rows = read_rows(stream, filename)
    warnings = [
        RowError(line, COLUMN_OF.get(column, column), f"已删除不允许的控制字符 {code}")
        for line, values in rows
        for column, code in clean_cells(values)
    ]
    if not rows:
        raise OperationError("文件中没有数据行", fields={"file": "没有数据行"})
    checked = check_rows(rows, now)
    result = ImportResult(rows=len(checked), warnings=warnings)
    new = []
    for _, values in checked:
        if exists(values["unit"].id, values["period"], values["responded_at"]):
            result.skipped += 1
            continue
        new.append(new_response(values, user, now))
    db.session.add_all(new)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    result.created = len(new)
    result.ids = [r.id for r in new]
    return result
