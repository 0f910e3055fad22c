"""The one label table: table names, fields, figure keys and durations as a person reads them."""

from __future__ import annotations

import pytest

from slatrack.labels import (
    FIELDS,
    TABLES,
    duration_text,
    field_label,
    figure_label,
    figure_value,
    table_label,
)
from slatrack.models import Base


def test_every_table_and_column_has_a_label() -> None:
    tables = set(Base.metadata.tables)
    assert tables - set(TABLES) == set()
    columns = {column.name for table in Base.metadata.tables.values() for column in table.columns}
    assert columns - set(FIELDS) == set()


def test_tables_and_fields() -> None:
    assert table_label("api_tokens") == "API 令牌"
    assert table_label("ticket_events") == "工单处理记录"
    assert table_label("report") == table_label("reports") == "运维报告"
    assert field_label("reported_at") == "报告时间"
    assert field_label("downtime_minutes") == "停机时间"
    assert table_label("something_new") == "something_new"  # shown as it is, never dropped


def test_figure_keys_read_as_words() -> None:
    assert figure_label("contracts.OM-2025.downtime_minutes") == "合同 OM-2025：停机时间"
    assert figure_label("tickets") == "工单数"
    assert figure_label("response_rate") == "服务响应率"
    assert figure_value("contracts.OM-2025.unknown_minutes", 128631.22) == "89 天 7 小时 51 分钟"
    assert figure_value("response_rate", 97.5) == "97.50%"
    assert figure_value("tickets", 12) == "12"
    assert figure_value("failure_rate", None) == "—"


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (None, "—"),
        (0, "0 分钟"),
        (0.2, "不足 1 分钟"),
        (59.6, "1 小时"),
        (61, "1 小时 1 分钟"),
        (1440, "1 天"),
        (1500, "1 天 1 小时"),
        (128631.22, "89 天 7 小时 51 分钟"),
        (-90, "负 1 小时 30 分钟"),
    ],
)
def test_durations_in_days_hours_minutes(minutes: float | None, text: str) -> None:
    assert duration_text(minutes) == text
