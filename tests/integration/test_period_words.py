"""The dashboard calls a quarter "本季度" only when it is the quarter it is now; a past quarter is named
("2025年第4季度") in the header line, on the cards, in the indicator table's heading and column."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from tests.integration.conftest import login


def _main(html: str) -> str:
    return html.split("<main", 1)[1]


def test_the_current_quarter_is_this_quarter_and_a_past_one_is_named(
    make_app: Callable[..., Flask], make_user: Callable[..., Any]
) -> None:
    app = make_app(NOW="2025-11-10T10:00:00+08:00")
    with app.app_context():
        client = app.test_client()
        make_user("words-admin", "admin")
        login(client, "words-admin")
        now = _main(client.get("/?year=2025&quarter=4").get_data(as_text=True))
        assert "2025 年度 · 本季度 2025Q4 ·" in now
        assert "绩效目标：本季度与年度累计" in now and '<th scope="col">本季度</th>' in now
        assert '<div class="quarter">本季度 2025Q4：' in now
        assert "2025年第4季度" not in now

        past = _main(client.get("/?year=2025&quarter=2").get_data(as_text=True))
        assert "2025 年度 · 2025年第2季度 ·" in past
        assert "绩效目标：2025年第2季度与年度累计" in past and '<th scope="col">2025年第2季度</th>' in past
        assert '<div class="quarter">2025年第2季度：' in past
        assert "本季度" not in past


def test_a_past_year_is_named_on_the_dashboard(make_app: Callable[..., Flask], make_user: Callable[..., Any]) -> None:
    app = make_app(NOW="2026-03-02T10:00:00+08:00")
    with app.app_context():
        client = app.test_client()
        make_user("words-vendor", "vendor")
        login(client, "words-vendor")
        html = _main(client.get("/?year=2025").get_data(as_text=True))
        assert "2025 年度 · 2025年第4季度 ·" in html and '<div class="quarter">2025年第4季度：' in html
        assert "本季度" not in html and "本年度" not in html
