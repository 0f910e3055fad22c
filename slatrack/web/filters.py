"""Jinja filters that show instants, money and rates the way Chinese users read them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import Flask

from slatrack import labels
from slatrack.clock import local_zone


def local_time(value: datetime | None, with_time: bool = True) -> str:
    """``2025年5月10日 09:30`` in the configured time zone."""
    if value is None:
        return "—"
    return labels.datetime_text(value.astimezone(local_zone()), with_time)


def money(value: Decimal | float | int | None) -> str:
    """``¥452,000.00``"""
    if value is None:
        return "—"
    return f"¥{Decimal(str(value)):,.2f}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}%"


def number(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:,.0f}"


def install(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["number"] = number
    # The one label table (slatrack/labels/): internal keys and durations as a person reads them.
    app.jinja_env.filters["minutes"] = labels.duration_text
    app.jinja_env.filters["table_label"] = labels.table_label
    app.jinja_env.filters["field_label"] = labels.field_label
    app.jinja_env.filters["figure_label"] = labels.figure_label
    app.jinja_env.filters["zone_label"] = labels.zone_label
    app.jinja_env.globals["figure_value"] = labels.figure_value
