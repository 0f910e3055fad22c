"""The ticket import template (下载导入模板) carries Excel drop-down lists for its coded columns, each
listing exactly the values the import accepts; a template filled from those lists imports."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask import Flask
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

from slatrack.audit import acting_as
from slatrack.extensions import db
from slatrack.models import Ticket, Unit
from slatrack.models.enums import CHANNELS, MODES, TICKET_CATEGORIES
from slatrack.operations.tickets.columns import COLUMNS
from slatrack.operations.tickets.importing import import_tickets
from tests.integration.conftest import login


def _listed(sheet: Worksheet, book: Any) -> dict[str, list[str]]:
    """For each column of the 工单 sheet with a list rule: the values the rule offers."""
    found: dict[str, list[str]] = {}
    for rule in sheet.data_validations.dataValidation:
        assert rule.type == "list" and rule.showErrorMessage and rule.error  # Excel refuses other values
        assert "下拉列表" in rule.error
        sheet_name, cells = rule.formula1.split("!")
        values = [c.value for row in book[sheet_name.strip("'")][cells.replace("$", "")] for c in row]
        for cell_range in rule.sqref.ranges:
            assert cell_range.min_row == 2 and cell_range.max_row >= 1000
            assert cell_range.min_col == cell_range.max_col
            found[COLUMNS[cell_range.min_col - 1]] = values
    return found


def test_the_template_offers_drop_down_lists_for_the_coded_columns(app: Flask, make_user: Callable[..., Any]) -> None:
    make_user("boss", "admin")
    client = app.test_client()
    login(client, "boss")
    answer = client.get("/tickets/template.xlsx")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.data))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    assert book.worksheets[1].title == "填写说明"
    assert book["选项"].sheet_state == "hidden"
    lists = _listed(sheet, book)
    units = list(db.session.scalars(select(Unit.name).where(Unit.active.is_(True)).order_by(Unit.code)))
    assert len(units) >= 10 and "都匀市" in units
    assert lists == {
        "单位": units,
        "类别": list(TICKET_CATEGORIES.values()),
        "优先级": ["P1", "P2", "P3", "P4"],
        "渠道": list(CHANNELS),
        "方式": list(MODES),
    }

    # A row filled from the lists (the last value of each) imports as it reads.
    row = dict.fromkeys(COLUMNS, None)
    row.update({name: values[-1] for name, values in lists.items()})
    row.update({"报告时间": "2025/5/10 9:30", "标题": "从模板导入"})
    sheet.append([row[name] for name in COLUMNS])
    filled = io.BytesIO()
    book.save(filled)
    filled.seek(0)
    with acting_as("test"):
        result = import_tickets(filled, "模板.xlsx")
    assert result.errors == [] and result.created == 1
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.unit.name == units[-1] and ticket.category == list(TICKET_CATEGORIES)[-1]
    assert (ticket.priority, ticket.channel, ticket.mode) == ("P4", CHANNELS[-1], MODES[-1])
