"""The one spreadsheet reader: .xlsx or .csv (UTF-8 or GB18030) → numbered rows keyed by their headers.

Used by every file import (tickets, survey responses). A row's number is the one the user sees in the
spreadsheet (the header is row 1); blank rows are skipped; cells keep their type from .xlsx (datetime,
number, text) and are text from .csv. A fault of the file as a whole is an OperationError naming the
file; faults of single cells are collected by the caller as ``RowError``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
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


def decode_csv(data: bytes, encoding: str | None = None) -> str:
    """The text of a CSV file in ``encoding``, or in the first of ``CSV_ENCODINGS`` that decodes it."""
    if encoding:
        try:
            return data.decode("utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding)
        except LookupError as exc:
            raise OperationError(f"未知的编码：{encoding}", fields={"encoding": "未知的编码"}) from exc
        except UnicodeDecodeError as exc:
            raise OperationError(
                f"文件不是 {encoding} 编码（第 {exc.start + 1} 个字节无法解码）", fields={"encoding": "编码不符"}
            ) from exc
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise OperationError("无法识别 CSV 文件的编码，请保存为 UTF-8", fields={"file": "编码无法识别"})


def read_rows(
    stream: IO[bytes], filename: str, required: Sequence[str], *, max_rows: int, encoding: str | None = None
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
    rows = _xlsx_rows(stream, required) if suffix == ".xlsx" else _csv_rows(stream, required, encoding)
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


def _csv_rows(
    stream: IO[bytes], required: Sequence[str], encoding: str | None = None
) -> Iterator[tuple[int, dict[str, Any] | None]]:
    reader = csv.reader(io.StringIO(decode_csv(stream.read(), encoding), newline=""))
    first = next(reader, None)
    if first is None:
        raise OperationError("文件是空的", fields={"file": "没有表头"})
    names, width = _headers(first, required)
    for number, values in enumerate(reader, start=2):
        if _blank(values):
            yield number, None
            continue
        yield number, {name: value for name, value in zip(names, values[:width], strict=False) if name}


# ---------------------------------------------------------------- logs in a foreign layout

HEADER_SCAN = 30  # rows searched for the header at the top of each sheet


@dataclass(frozen=True)
class Sheet:
    """One sheet of a foreign log: its name, header row (as the spreadsheet numbers it), column names
    (in order, "" for an unnamed column), and the year its title or name states, if any."""

    name: str
    header_row: int
    headers: tuple[str, ...]
    year: int | None

    def column_label(self, header: str, *, several: bool) -> str:
        """A column as the user finds it in the file: its name and letter, and the sheet when there are several."""
        from openpyxl.utils import get_column_letter

        letter = get_column_letter(self.headers.index(header) + 1) if header in self.headers else "?"
        where = f"{header}（{letter} 列"
        return f"{where}，工作表「{self.name}」）" if several else f"{where}）"


def find_header(rows: Sequence[Sequence[Any]], known: Callable[[str], bool], header_row: int | None) -> int:
    """The index in ``rows`` of the header: the given one, else the first row with the most cells naming
    known columns (at least two); title rows, blank rows and merged cells (one value, the rest empty) above
    it do not qualify. Raises OperationError when none does."""
    if header_row is not None:
        if not 1 <= header_row <= len(rows):
            raise OperationError(f"表头行 {header_row} 超出了文件的范围", fields={"header_row": "超出范围"})
        return header_row - 1
    best, best_score = -1, 1
    for index, values in enumerate(rows):
        texts = [cell_text(v).lstrip("\ufeff") for v in values]
        score = sum(1 for t in texts if t and known(t))
        if score > best_score:
            best, best_score = index, score
    if best < 0:
        raise OperationError(
            f"在前 {HEADER_SCAN} 行中找不到表头，请在映射中指定表头所在的行（header_row）",
            fields={"header_row": "找不到表头"},
        )
    return best


def _year_in(texts: Iterable[str]) -> int | None:
    for text in texts:
        found = re.search(r"(20\d{2})\s*年", text) or re.search(r"(?<!\d)(20\d{2})(?!\d)", text)
        if found:
            return int(found.group(1))
    return None


def read_sheets(
    stream: IO[bytes],
    filename: str,
    known: Callable[[str], bool],
    *,
    header_row: int | None = None,
    encoding: str | None = None,
    max_rows: int,
) -> Iterator[tuple[Sheet, int, dict[str, Any]]]:
    """(sheet, row number as the spreadsheet shows it, {header: value}) for each non-empty data row of
    every sheet in turn (a .csv file is one sheet). Each sheet's header is found by ``find_header``;
    a sheet with no header at all (a notes sheet) is skipped, unless no sheet has one. The limits of
    ``read_rows`` hold: file size, MAX_COLUMNS columns read, ``max_rows`` data rows (blank rows counted
    up to BLANK_ROWS_ALLOWED beyond them), refused as soon as passed."""
    data = read = 0
    for sheet, number, values in _all_sheets(stream, filename, known, header_row, encoding):
        read += 1
        if read > max_rows + BLANK_ROWS_ALLOWED:
            raise _too_many_rows(max_rows)
        if values is None:
            continue
        data += 1
        if data > max_rows:
            raise _too_many_rows(max_rows)
        yield sheet, number, values


def _all_sheets(
    stream: IO[bytes], filename: str, known: Callable[[str], bool], header_row: int | None, encoding: str | None
) -> Iterator[tuple[Sheet, int, dict[str, Any] | None]]:
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".csv", ".xlsx"):
        _check_size(stream)
    if suffix == ".csv":
        reader = csv.reader(io.StringIO(decode_csv(stream.read(), encoding), newline=""))
        yield from _sheet_rows(Path(filename).stem, reader, known, header_row, strict=True)
        return
    if suffix != ".xlsx":
        raise OperationError(
            f"不支持的文件类型：{filename}，只支持 .xlsx 或 .csv 文件", fields={"file": "文件格式应为 .xlsx 或 .csv"}
        )
    from openpyxl import load_workbook

    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise OperationError("无法读取 Excel 文件，请确认是 .xlsx 格式", fields={"file": "无法读取"}) from exc
    try:
        found = False
        sheets = [s for s in book.worksheets if getattr(s, "sheet_state", "visible") == "visible"]
        for number, worksheet in enumerate(sheets):
            last = number == len(sheets) - 1
            # At most MAX_COLUMNS columns: a stray cell in column XFD must not make every row 16,384 cells.
            cells = worksheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
            for item in _sheet_rows(worksheet.title, cells, known, header_row, strict=last and not found):
                found = True
                yield item
    finally:
        book.close()


def _sheet_rows(
    name: str, rows: Iterable[Sequence[Any]], known: Callable[[str], bool], header_row: int | None, *, strict: bool
) -> Iterator[tuple[Sheet, int, dict[str, Any] | None]]:
    iterator = iter(rows)
    top: list[Sequence[Any]] = []
    for values in iterator:
        top.append(tuple(values or ()))
        if len(top) >= max(HEADER_SCAN, header_row or 0):
            break
    if not top:
        if strict:
            raise OperationError("文件是空的", fields={"file": "没有表头"})
        return
    try:
        index = find_header(top, known, header_row)
    except OperationError:
        if strict:
            raise
        return
    names = [cell_text(v).lstrip("\ufeff") for v in top[index]]
    headers = tuple(names[: _width(names)])
    above = [cell_text(v) for values in top[:index] for v in values if v is not None]
    sheet = Sheet(name=name, header_row=index + 1, headers=headers, year=_year_in([name, *above]))

    def numbered() -> Iterator[tuple[int, Sequence[Any]]]:
        yield from enumerate(top[index + 1 :], start=index + 2)
        yield from enumerate(iterator, start=len(top) + 1)

    for number, values in numbered():
        if values is None or _blank(values[: len(headers)]):
            yield sheet, number, None
            continue
        yield sheet, number, {h: v for h, v in zip(headers, values, strict=False) if h}


def read_grid(stream: IO[bytes], filename: str, *, max_rows: int) -> Iterator[tuple[str, int, tuple[Any, ...]]]:
    """(sheet name, row number, cells) of every non-blank row of every visible sheet of an .xlsx file, for forms
    laid out as a grid (labels beside their values) rather than under one header row. The limits of
    ``read_rows`` hold: file size, MAX_COLUMNS columns, ``max_rows`` rows, refused as soon as passed."""
    if Path(filename or "").suffix.lower() != ".xlsx":
        raise OperationError(f"不支持的文件类型：{filename}，只支持 .xlsx 文件", fields={"file": "文件格式应为 .xlsx"})
    _check_size(stream)
    from openpyxl import load_workbook

    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise OperationError("无法读取 Excel 文件，请确认是 .xlsx 格式", fields={"file": "无法读取"}) from exc
    read = 0
    try:
        for worksheet in book.worksheets:
            if getattr(worksheet, "sheet_state", "visible") != "visible":
                continue
            for number, values in enumerate(worksheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
                read += 1
                if read > max_rows + BLANK_ROWS_ALLOWED:
                    raise _too_many_rows(max_rows)
                if values and not _blank(values):
                    yield worksheet.title, number, tuple(values)
    finally:
        book.close()
