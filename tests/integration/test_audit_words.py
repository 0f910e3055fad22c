"""The audit page shows a changed value in words: figure keys by their names, a user column by the user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from slatrack.web.audit_words import audit_value


def test_a_stored_mapping_names_its_keys(app: Flask) -> None:
    with app.test_request_context():
        shown = audit_value(
            "frozen_figures", {"from": "2026-07-01", "service_minutes": 132480.0, "sha256": "df65", "bytes": 163493}
        )
    assert shown.startswith("开始日期：2026-07-01；")
    assert "service_minutes" not in shown and "sha256" not in shown and "bytes" not in shown
    assert "SHA-256 摘要：df65" in shown and "字节数：163493" in shown


def test_a_user_column_shows_the_user(app: Flask, make_user: Callable[..., Any]) -> None:
    with app.app_context():
        user = make_user("yanshou", "admin")
        with app.test_request_context():
            assert audit_value("accepted_by_id", user.id).startswith("yanshou")
            assert audit_value("accepted_by_id", 987654) == "已删除的用户 #987654"
