"""The rules for text that comes in and text that goes out, in one place.

Coming in (API bodies and queries, page forms, imported files): control characters other than tab,
newline and carriage return, lone surrogates and the Unicode non-characters U+FFFE/U+FFFF are refused
(they cannot be stored in PostgreSQL, break XML-based exports and hide text from reviewers); numbers,
ids and dates are range-checked before they reach the database; text fields have stated lengths.

Going out (CSV and XLSX exports, report workbooks, the audit export): the OWASP rule against formula
injection, a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading
``'``; characters XML cannot carry are dropped so one bad value never breaks an export.

This module is pure (no Flask, no SQLAlchemy): the API schemas (slatrack.api.limits), the page guard
(slatrack.web.input_guard), the importers and the export writers all call it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

# Refused on input: C0 controls except \t \n \r, DEL and the C1 controls, lone surrogates, U+FFFE/U+FFFF.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# The same rule as a JSON-schema pattern (ECMA-262 syntax; surrogates cannot be written in UTF-8 JSON at all).
SAFE_TEXT_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]*$"
# Dropped on output: what XML 1.0 (and so .xlsx and .docx) cannot carry.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The OWASP CSV-injection rule: these first characters make a spreadsheet evaluate the cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Ranges checked before anything reaches the database.
ID_MIN, ID_MAX = 0, 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL
PAGE_MAX = 1_000_000
YEAR_MIN, YEAR_MAX = 2000, 2099
DATE_MIN, DATE_MAX = date(YEAR_MIN, 1, 1), date(YEAR_MAX, 12, 31)
MOMENT_MIN = datetime(YEAR_MIN, 1, 1, tzinfo=UTC)
MOMENT_MAX = datetime(YEAR_MAX + 1, 1, 1, tzinfo=UTC)
JSON_MAX_DEPTH = 32

# Lengths of text fields (characters). Stated in the API schema and enforced on pages and imports.
NAME_MAX = 64  # names, usernames, requesters, codes
SHORT_MAX = 200  # titles, reasons, vouchers, causes
TEXT_MAX = 4000  # descriptions, notes, comments, findings, deviation reasons

CONTROL_MESSAGE = "含有不允许的控制字符或无效字符（只允许制表符和换行）"
DATE_MESSAGE = f"日期应在 {DATE_MIN.isoformat()} 到 {DATE_MAX.isoformat()} 之间"
MOMENT_MESSAGE = f"时间应在 {YEAR_MIN} 年到 {YEAR_MAX} 年之间"


def has_forbidden(text: str) -> bool:
    """True if ``text`` holds a character refused on input."""
    return _FORBIDDEN.search(text) is not None


def strip_forbidden(text: str) -> str:
    """``text`` without the characters refused on input (for imported files, which warn instead)."""
    return _FORBIDDEN.sub("", text)


def describe_forbidden(text: str) -> str:
    """The first refused character as U+XXXX, for messages."""
    found = _FORBIDDEN.search(text)
    return "" if found is None else f"U+{ord(found.group()):04X}"


def forbidden_in(value: Any, path: str = "") -> tuple[str, str] | None:
    """(path such as ``a.0.b``, the text) of the first string or key holding a refused character, else None."""
    if isinstance(value, str):
        return (path or "body", value) if has_forbidden(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and has_forbidden(key):
                return path or "body", key
            found = forbidden_in(item, name)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = forbidden_in(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKETS = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in a JSON text, without parsing it (strings are skipped)."""
    depth = deepest = 0
    for bracket in _JSON_BRACKETS.findall(_JSON_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def in_id_range(value: int) -> bool:
    return ID_MIN <= value <= ID_MAX


def date_in_range(value: date) -> bool:
    if isinstance(value, datetime):
        return moment_in_range(value)
    return DATE_MIN <= value <= DATE_MAX


def moment_in_range(value: datetime) -> bool:
    if value.tzinfo is None:
        return DATE_MIN <= value.date() <= DATE_MAX
    try:
        return MOMENT_MIN <= value <= MOMENT_MAX
    except OverflowError:  # a far offset at datetime.min or max cannot be compared in UTC
        return False


# ---------------------------------------------------------------- output


def xml_safe(text: str) -> str:
    """``text`` without the characters XML cannot carry (vertical tab, NUL, lone surrogates, ...)."""
    return _XML_ILLEGAL.sub("", text)


def safe_text(text: str) -> str:
    """The OWASP rule for one text cell: a leading ``'`` if it would start a formula; XML-illegal characters dropped."""
    clean = xml_safe(text)
    return "'" + clean if clean.startswith(FORMULA_STARTS) else clean


def safe_cell(value: Any) -> Any:
    """One cell value for any export: text made safe by ``safe_text``; numbers, dates, booleans and None as they are."""
    return safe_text(value) if isinstance(value, str) else value


def clean_cells(values: dict[str, Any]) -> list[tuple[str, str]]:
    """Strip refused characters from an imported row's text cells, in place.

    Returns (column, the first removed character as U+XXXX) for each cell changed, so the importer can
    warn naming the cell: a file is cleaned and imported rather than refused for an invisible character.
    """
    changed: list[tuple[str, str]] = []
    for column, value in values.items():
        if isinstance(value, str) and has_forbidden(value):
            changed.append((column, describe_forbidden(value)))
            values[column] = strip_forbidden(value)
    return changed
