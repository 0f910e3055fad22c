"""A workbook laid out like the seed's approval forms (/work/shared/seeds/approval-forms-2025.md): one sheet per
form, built from the 2025 reference data, for the import tests and the browser's upload page."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path

from openpyxl import Workbook

from slatrack.operations.reference.loading import DEFAULT_FILE

SEED = tomllib.loads(Path(DEFAULT_FILE).read_text(encoding="utf-8"))
FUNDING = {"DK-2025": 338700, "YW-2025": 670000}


def _form(book: Workbook, code: str, year: int, blank_value_at: int | None = None) -> None:
    """One sheet as the bureau's form: title, labelled cells, then the indicator table with merged levels."""
    project = next(p for p in SEED["projects"] if p["code"] == code)
    sheet = book.create_sheet(code)
    sheet.append(["项目支出绩效目标批复表"])
    sheet.append([f"({year}年度)"])
    sheet.append(["项目名称", None, project["name"]])
    sheet.append(["主管部门及代码", None, project["department"], "实施单位", project["implementer"]])
    sheet.append(["资金来源", None, "年度资金情况"])
    money = FUNDING[code]
    for label, amount in (("资金总额(元):", money), ("财政拨款", money), ("其中: 上级补助", 0), ("本级安排", money),
                          ("其他资金", 0)):  # fmt: skip
        sheet.append([None, None, label, f"{amount:,}"])
    sheet.append(["年度总体目标", None, project["annual_goal"]])
    sheet.append(["绩效指标", "一级指标", "二级指标", "三级指标", "指标值", "说明"])
    previous = ("", "")
    rows = [i for i in SEED["indicators"] if i["project"] == code]
    for position, item in enumerate(rows):
        level1 = item["level1"] if item["level1"] != previous[0] else None
        level2 = item["level2"] if (item["level1"], item["level2"]) != previous else None
        value = None if position == blank_value_at else item["target_text"]
        sheet.append([None, level1, level2, item["name"], value, item.get("explanation", "")])
        cell = sheet.cell(row=sheet.max_row, column=5)
        cell.data_type = "s"  # "=1次" is text in the form, not a formula
        previous = (item["level1"], item["level2"])
    first = 13
    sheet.merge_cells(start_row=first, start_column=1, end_row=first + len(rows) - 1, end_column=1)


def approval_workbook(year: int = 2025, blank_value_at: int | None = None) -> bytes:
    book = Workbook()
    assert book.active is not None
    book.remove(book.active)
    _form(book, "DK-2025", year)
    _form(book, "YW-2025", year, blank_value_at)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()
