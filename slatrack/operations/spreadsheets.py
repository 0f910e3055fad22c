"""The one spreadsheet reader: .xlsx or .csv (UTF-8 or GB18030) → numbered rows keyed by their headers.

Used by every file import (tickets, survey responses). A row's number is the one the user sees in the
spreadsheet (the header is row 1); blank rows are skipped; cells keep their type from .xlsx (datetime,
number, text) and are text from .csv. A fault of the file as a whole is an OperationError naming the
file; faults of single cells are collected by the caller as ``RowError``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from slatrack.operations import OperationError

# The encodings a CSV file may come in: what Excel writes as "CSV UTF-8", and what it writes on a Chinese
# Windows (GBK, of which GB18030 is a superset).
CSV_ENCODINGS = ("utf-8-sig", "gb18030")

# Limits checked while a file is read, before it is all in memory: its size, the columns of its header, and
# its rows (blank rows count too, up to BLANK_ROWS_ALLOWED beyond the data rows, so that a sheet of a
# million empty rows is refused rather than walked).
MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_COLUMNS = 64
BLANK_ROWS_ALLOWED = 10_000


@dataclass(frozen=True)
class RowError:
    """One bad cell: the row as the spreadsheet numbers it (0 for the file as a whole), its column, why."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"第 {self.row} 行「{self.column}」：{self.reason}" if self.row else f"「{self.column}」：{self.reason}"


@dataclass
class ImportResult:
    """What a file import did: rows read, records created, rows skipped as already present, and the new
    records' ids (or numbers); ``errors`` lists every bad cell of a file that was refused as a whole."""

    created: int = 0
    skipped: int = 0
    rows: int = 0
    ids: list[int] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)  # cells stripped of control characters

    @property
    def ok(self) -> bool:
        return not self.errors


class MissingColumns(OperationError):
    """The header row lacks required columns; ``missing`` names them in the order required."""

    def __init__(self, missing: Sequence[str]) -> None:
        names = "、".join(missing)
        super().__init__(f"表头缺少必需的列：{names}", fields={"file": f"缺少列 {names}"})
        self.missing = list(missing)


def cell_text(value: Any) -> str:
    """A cell as trimmed text; whole numbers without a decimal point (Excel stores 522701 as 522701.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def decode_csv(data: bytes) -> str:
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise OperationError("无法识别 CSV 文件的编码，请保存为 UTF-8", fields={"file": "编码无法识别"})


def read_rows(
    stream: IO[bytes], filename: str, required: Sequence[str], *, max_rows: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number as the user sees it, {header: value}) for each non-empty data row of the first sheet.

    Refuses, naming the limit, a file over MAX_FILE_BYTES, a header wider than MAX_COLUMNS, and more than
    ``max_rows`` data rows, as soon as the limit is passed: rows are never all loaded first."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise OperationError(
            f"不支持的文件类型：{filename}，只支持 .xlsx 或 .csv 文件", fields={"file": "文件格式应为 .xlsx 或 .csv"}
        )
    _check_size(stream)
    rows = _xlsx_rows(stream, required) if suffix == ".xlsx" else _csv_rows(stream, required)
    data = 0
    for read, (number, values) in enumerate(rows, start=1):
        if read > max_rows + BLANK_ROWS_ALLOWED:
            raise _too_many_rows(max_rows)
        if values is None:  # a blank row
            continue
        data += 1
        if data > max_rows:
            raise _too_many_rows(max_rows)
        yield number, values


def _too_many_rows(max_rows: int) -> OperationError:
    return OperationError(f"一次最多导入 {max_rows} 行，请拆分文件后再导入", fields={"file": f"超过 {max_rows} 行"})


def _check_size(stream: IO[bytes]) -> None:
    if not stream.seekable():
        return
    start = stream.tell()
    size = stream.seek(0, io.SEEK_END) - start
    stream.seek(start)
    if size > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise OperationError(f"文件过大：最多 {limit} MB", fields={"file": f"超过 {limit} MB"})


def _width(names: Sequence[str]) -> int:
    """The header's columns up to its last named one; more than MAX_COLUMNS is refused."""
    width = max((index + 1 for index, name in enumerate(names) if name), default=0)
    if width > MAX_COLUMNS:
        raise OperationError(
            f"表头最多 {MAX_COLUMNS} 列，这个文件的第 1 行有 {width} 列", fields={"file": f"超过 {MAX_COLUMNS} 列"}
        )
    return width


def _headers(raw: Iterable[Any], required: Sequence[str]) -> tuple[list[str], int]:
    """The header names and the width to read (up to the last named column); too wide or missing columns
    are refused, the width first."""
    names = [cell_text(v).lstrip("\ufeff") for v in raw]
    width = _width(names)
    missing = [c for c in required if c not in names]
    if missing:
        raise MissingColumns(missing)
    return names[:width], width


def _blank(values: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _xlsx_rows(stream: IO[bytes], required: Sequence[str]) -> Iterator[tuple[int, dict[str, Any] | None]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise OperationError("无法读取 Excel 文件，请确认是 .xlsx 格式", fields={"file": "无法读取"}) from exc
    try:
        sheet = book.worksheets[0]
        first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), None)
        if first is None:
            raise OperationError("文件是空的", fields={"file": "没有表头"})
        names, width = _headers(first, required)
        # Bounded by the header's width: a stray cell in column XFD must not make every row 16,384 cells.
        for number, values in enumerate(sheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2):
            if values is None or _blank(values):
                yield number, None
                continue
            yield number, {name: value for name, value in zip(names, values, strict=False) if name}
    finally:
        book.close()


def _csv_rows(stream: IO[bytes], required: Sequence[str]) -> Iterator[tuple[int, dict[str, Any] | None]]:
    reader = csv.reader(io.StringIO(decode_csv(stream.read()), newline=""))
    first = next(reader, None)
    if first is None:
        raise OperationError("文件是空的", fields={"file": "没有表头"})
    names, width = _headers(first, required)
    for number, values in enumerate(reader, start=2):
        if _blank(values):
            yield number, None
            continue
        yield number, {name: value for name, value in zip(names, values[:width], strict=False) if name}
