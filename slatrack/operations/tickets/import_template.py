"""The blank ticket import template (下载导入模板): the headers, Excel drop-down lists for the coded
columns (单位, 类别, 优先级, 渠道, 方式) and the help sheet.

The lists live on a hidden sheet 选项 (a list typed into the rule is limited to 255 characters, the units
are not); each coded column of the 工单 sheet takes its values from there, and Excel refuses anything else
with a Chinese message. The values are those the import accepts (a unit's name, a category's name).
"""

from __future__ import annotations

from typing import IO

from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import Unit
from slatrack.models.enums import CHANNELS, MODES, PRIORITIES, TICKET_CATEGORIES
from slatrack.operations.tickets.columns import COLUMN_WIDTHS, COLUMNS, HELP_ROWS

OPTIONS_SHEET = "选项"
# Rows of the 工单 sheet that carry the drop-down lists (a template is filled by hand).
LIST_ROWS = 2000


def coded_lists() -> dict[str, list[str]]:
    """For each coded column, the values its drop-down list offers (all of them accepted by the import)."""
    units = list(db.session.scalars(select(Unit.name).where(Unit.active.is_(True)).order_by(Unit.code)))
    return {
        "单位": units,
        "类别": list(TICKET_CATEGORIES.values()),
        "优先级": list(PRIORITIES),
        "渠道": list(CHANNELS),
        "方式": list(MODES),
    }


def write_template(stream: IO[bytes]) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "工单"
    sheet.append(list(COLUMNS))
    sheet.freeze_panes = "A2"
    for index, width in enumerate(COLUMN_WIDTHS):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    notes = book.create_sheet("填写说明")
    for name, text in HELP_ROWS:
        notes.append([name, text])
    notes.column_dimensions["A"].width = 36
    notes.column_dimensions["B"].width = 90
    options = book.create_sheet(OPTIONS_SHEET)
    options.sheet_state = "hidden"
    for number, (column, values) in enumerate(coded_lists().items(), start=1):
        letter = get_column_letter(number)
        options.cell(row=1, column=number, value=column)
        for row, value in enumerate(values, start=2):
            options.cell(row=row, column=number, value=value)
        last = max(len(values), 1) + 1
        rule = DataValidation(
            type="list",
            formula1=f"{quote_sheetname(OPTIONS_SHEET)}!${letter}$2:${letter}${last}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=f"{column}无效",
            error=f"请从下拉列表中选择{column}（列表见隐藏的“{OPTIONS_SHEET}”工作表）。",
            showInputMessage=True,
            promptTitle=column,
            prompt=f"请从下拉列表中选择{column}",
        )
        target = get_column_letter(COLUMNS.index(column) + 1)
        rule.add(f"{target}2:{target}{LIST_ROWS + 1}")
        sheet.add_data_validation(rule)
    book.save(stream)
