"""Importing a vendor's own service log through a mapping (see ``mapping.py``).

Each sheet's header is found (``spreadsheets.read_sheets``); each row is turned into slatrack's own row
(the columns of ``columns.COLUMNS``) by the mapping — columns joined, values mapped, defaults filled, times
read the many ways a log writes them — and then checked by the same ``RowChecker`` as slatrack's own
files, and stored by the same ``store_checked``: nothing is written while any fault remains, and each
fault names the row and the column as the file numbers and names them. Events keep the times the file
states (entered after the fact); the audit records say ``import``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from slatrack import clock
from slatrack.models import User
from slatrack.models.enums import TICKET_CATEGORIES
from slatrack.operations import OperationError, spreadsheets
from slatrack.operations.spreadsheets import ImportResult, RowError, Sheet, cell_text
from slatrack.operations.tickets.columns import MAX_ROWS
from slatrack.operations.tickets.importing import store_checked
from slatrack.operations.tickets.mapping import FIELDS, Mapping, guess, known_header
from slatrack.operations.tickets.row_checks import CheckedRow, RowChecker
from slatrack.operations.tickets.vendor_cells import read_moment
from slatrack.textsafety import clean_cells

PREVIEW_ROWS = 20
TITLE_LENGTH = 60


@dataclass
class VendorImport:
    """What checking (and perhaps importing) a vendor log gave: the mapping used, the sheets read, the
    first rows as they are (or would be) stored, and the result with every fault."""

    mapping: Mapping
    result: ImportResult
    sheets: list[Sheet] = field(default_factory=list)
    preview: list[dict[str, str]] = field(default_factory=list)


@dataclass
class _Origin:
    sheet: Sheet
    row: int
    labels: dict[str, str]


def _local(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(clock.local_zone()).strftime("%Y-%m-%d %H:%M")


def _shown(row: CheckedRow) -> dict[str, str]:
    timeline = row.timeline
    return {
        "工单编号": row.number or "（自动编号）",
        "单位": row.unit.name,
        "报告时间": _local(row.reported_at),
        "类别": TICKET_CATEGORIES.get(row.category, row.category),
        "优先级": row.priority,
        "渠道": row.channel,
        "方式": row.mode,
        "标题": row.title,
        "报告人": row.requester,
        "响应时间": _local(timeline.first_response_at),
        "解决时间": _local(timeline.resolved_at),
    }


class _Translator:
    """Turns a file's row into slatrack's own row; collects the faults of the cells it reads itself."""

    def __init__(self, mapping: Mapping, checker: RowChecker) -> None:
        self.mapping = mapping
        self.checker = checker
        self.zone = clock.local_zone()
        self.names = sorted((u.name, u) for key, u in checker.units.items() if key == u.name)
        self.several = False

    def labels(self, sheet: Sheet) -> dict[str, str]:
        found: dict[str, str] = {}
        for name, (label, column, _) in FIELDS.items():
            target = column or "描述"
            if name in self.mapping.columns:
                text = "、".join(sheet.column_label(h, several=self.several) for h in self.mapping.columns[name])
                found.setdefault(target, text)
            elif name in self.mapping.defaults:
                found.setdefault(target, f"默认值「{label}」")
        return found

    def unit(self, text: str) -> str:
        if text in self.checker.units:
            return text
        # A county written without its suffix (都匀 for 都匀市) is the one unit whose name starts so.
        matches = [u for name, u in self.names if text and name.startswith(text)]
        return matches[0].code if len(matches) == 1 else text

    def text(self, name: str, values: dict[str, Any]) -> str:
        parts = [cell_text(values.get(h)) for h in self.mapping.columns.get(name, [])]
        joined = " ".join(p for p in parts if p)
        joined = self.mapping.values.get(name, {}).get(joined, joined)
        return joined or self.mapping.defaults.get(name, "")

    def row(self, line: int, sheet: Sheet, values: dict[str, Any]) -> dict[str, Any] | None:
        mapped: dict[str, Any] = {}
        failed = False
        reported = None
        for name, (_, column, timed) in FIELDS.items():
            if not timed or name not in self.mapping.columns:
                continue
            cells = [values.get(h) for h in self.mapping.columns[name]]
            day = reported.astimezone(self.zone).date() if reported is not None else None
            try:
                moment = read_moment(cells, self.zone, sheet.year, day)
            except ValueError as exc:
                self.checker.fail(line, column or "", str(exc))
                failed = True
                continue
            if name == "reported_at":
                reported = moment
            mapped[column or ""] = moment
        for name, (_, column, timed) in FIELDS.items():
            if column is not None and not timed:
                mapped[column] = self.text(name, values)
        mapped["单位"] = self.unit(mapped["单位"])
        description = mapped["描述"]
        if "title" in self.mapping.columns and len(mapped["标题"]) > TITLE_LENGTH and description:
            # The title is the start of a long description; the whole text stays in the description.
            mapped["标题"] = mapped["标题"][:TITLE_LENGTH] + "…"
        extra = [f"{FIELDS[n][0]}：{t}" for n in ("engineer", "outcome") if (t := self.text(n, values))]
        mapped["描述"] = "\n".join([description, *extra] if description else extra)
        return None if failed else mapped


def check_vendor_file(
    stream: IO[bytes],
    filename: str,
    mapping: Mapping | None = None,
    *,
    encoding: str | None = None,
    user: User | None = None,
    write: bool = False,
    now: datetime | None = None,
) -> VendorImport:
    """Read the whole log through ``mapping`` (guessed from the first sheet's headers when None), check
    every row, and (``write``) import it in one transaction when no row has a fault."""
    checker = RowChecker(now or clock.utcnow())
    wanted = set(mapping.names()) if mapping is not None else set()
    header_row = mapping.header_row if mapping is not None else None

    def known(name: str) -> bool:
        return name in wanted or known_header(name)

    sheets: list[Sheet] = []
    origins: dict[int, _Origin] = {}
    rows: list[CheckedRow] = []
    sheet_errors: list[RowError] = []
    warnings: list[RowError] = []
    translator: _Translator | None = None
    usable = False
    labels: dict[str, str] = {}
    for sheet, number, values in spreadsheets.read_sheets(
        stream, filename, known, header_row=header_row, encoding=encoding, max_rows=MAX_ROWS
    ):
        if not sheets or sheet is not sheets[-1]:
            sheets.append(sheet)
            if mapping is None:
                mapping = guess(sheet.headers)
            if translator is None:
                translator = _Translator(mapping, checker)
            translator.several = Path(filename).suffix.lower() == ".xlsx"
            absent = sorted(mapping.names() - set(sheet.headers))
            usable = not absent
            if absent:
                sheet_errors.append(
                    RowError(
                        sheet.header_row, f"表头（工作表「{sheet.name}」）", f"没有映射中的列：{'、'.join(absent)}"
                    )
                )
            labels = translator.labels(sheet)
        if not usable:
            continue
        assert translator is not None
        for column, code in clean_cells(values):
            label = sheet.column_label(column, several=translator.several)
            warnings.append(RowError(number, label, f"已删除不允许的控制字符 {code}"))
        line = len(origins) + 1
        origins[line] = _Origin(sheet, number, labels)
        mapped = translator.row(line, sheet, values)
        if mapped is not None:
            checked = checker.row(line, mapped)
            if checked is not None:
                rows.append(checked)
    if mapping is None:
        raise OperationError("文件中没有数据行", fields={"file": "没有数据"})
    if (missing := mapping.missing()) and not sheet_errors:
        raise OperationError(
            f"映射缺少：{'、'.join(missing)}（请指定列或默认值）", fields={"mapping": "缺少必需的字段"}
        )
    if not origins and not sheet_errors:
        sheet_errors.append(RowError(0, "文件", "文件中没有数据行"))
    checker.errors.extend(RowError(-1, e.column, e.reason) for e in sheet_errors)
    result, stored = store_checked(checker, rows, user=user, write=write and not sheet_errors)
    result.rows = len(origins)
    result.warnings = warnings
    result.errors = [_in_file(e, origins) for e in result.errors]
    preview = [_shown(r) for r in sorted(stored, key=lambda r: r.line)[:PREVIEW_ROWS]]
    return VendorImport(mapping=mapping, result=result, sheets=sheets, preview=preview)


def _in_file(error: RowError, origins: dict[int, _Origin]) -> RowError:
    """An error on an internal line as the row and column of the file."""
    origin = origins.get(error.row)
    if error.row == -1 or origin is None:
        return error if error.row != -1 else RowError(0, error.column, error.reason)
    return RowError(origin.row, origin.labels.get(error.column, error.column), error.reason)


def import_vendor_file(
    path: str | Path, mapping: Mapping | None, *, encoding: str | None = None, user: User | None = None
) -> VendorImport:
    target = Path(path)
    if not target.is_file():
        raise OperationError(f"文件不存在：{target}", fields={"file": "文件不存在"})
    with target.open("rb") as stream:
        return check_vendor_file(stream, target.name, mapping, encoding=encoding, user=user, write=True)
