"""The words naming a shown period: 本季度/本年度 for the current one only, in the configured zone."""

from __future__ import annotations

from datetime import UTC, datetime

from slatrack.operations.figures.period_words import quarter_name, quarter_words, year_words


def test_quarter_and_year_words_follow_now_in_beijing() -> None:
    # 2025-12-31 17:00 UTC is already 2026-01-01 01:00 in Beijing: 2026Q1 is this quarter, 2025 is past.
    now = datetime(2025, 12, 31, 17, 0, tzinfo=UTC)
    assert quarter_words("2026Q1", now) == "本季度"
    assert quarter_words("2025Q4", now) == "2025年第4季度"
    assert quarter_words("2026Q2", now) == "2026年第2季度"
    assert year_words(2026, now) == "本年度"
    assert year_words(2025, now) == "2025年度"
    assert quarter_name("2027Q3") == "2027年第3季度"
