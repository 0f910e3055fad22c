"""The 项目支出绩效自评表 as the official single table per project (issue 13), read back from both files.

Checked on the 2025 Q2 data of test_reports.py: the labels and merged cells of the published layout, money
in 万元 with two decimals, 分值 summing to exactly 100.00 per project, 总分 equal to the sum of the printed
row scores, the figures equal to GET /api/v1/indicators, no formula cell, A4 fit-to-width page setup, and no
placeholder, internal code or field name anywhere. Also the quarterly files' presentation: the workbook
opens clean (no formula, A4 page setup, no field names), the Word file uses one date and number format.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from docx import Document as read_docx
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from slatrack.reports.document import chinese_punctuation
from tests.integration.conftest import login
from tests.integration.test_reports import AS_OF, _api, _download, _load_q2

TITLE = "项目支出绩效自评表（2025年度）"
INDICATOR_HEADER = [
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    "偏差原因分析及改进措施",
]
FUNDING_HEADER = ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
FORBIDDEN = ("未填写", "待填写", "尚无实际值", "YW-2025", "DK-2025", "项目编码", "单位（", "None", "nan")
FIELD_NAME = re.compile(r"\b[a-z]+_[a-z_]+\b")


def _cents(value: Any) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value())


def _setup(client: FlaskClient, make_user: Callable[..., Any], make_token: Callable[..., str]) -> str:
    _load_q2()
    make_user("boss", "admin")
    login(client, "boss")
    texts = {"achieved-YW-2025": "系统全年稳定运行，季度报告按时提交。", "achieved-DK-2025": "=专项督查按计划完成。"}
    assert client.post("/reports/self-evaluation/2025/texts", data=texts).status_code == 302
    return make_token("admin")


def test_the_workbook_is_the_official_table(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], make_token: Callable[..., str]
) -> None:
    token = _setup(client, make_user, make_token)
    rows = _api(client, token, "/api/v1/indicators", year="2025", as_of=AS_OF.isoformat())
    summary = {p["project"]: p for p in _api(client, token, "/api/v1/indicators/summary", year="2025",
                                               as_of=AS_OF.isoformat())}  # fmt: skip
    book = load_workbook(io.BytesIO(_download(client, token, "/api/v1/reports/self-evaluation/2025", "xlsx")))
    assert sorted(book.sheetnames) == sorted(summary)
    for sheet in book.worksheets:
        project = summary[sheet.title]
        grid = [[c.value for c in row] for row in sheet.iter_rows()]
        # No formula, every text a string cell; "=1套" stays text.
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    assert not any(word in cell.value for word in FORBIDDEN), cell.value
                    assert not FIELD_NAME.search(cell.value), cell.value
        assert grid[0][0] == TITLE
        labels = {value for row in grid for value in row if isinstance(value, str)}
        for label in ["项目名称", "主管部门", "实施单位", "项目资金（万元）", "年度资金总额", "其中：本年财政拨款",
                      "上年结转资金", "其他资金", "年度总体目标", "预期目标", "实际完成情况", "总分",
                      *INDICATOR_HEADER, *FUNDING_HEADER]:  # fmt: skip
            assert label in labels, label
        assert "单位" not in labels
        merged = {sheet.cell(r.min_row, r.min_col).value: r for r in sheet.merged_cells.ranges}
        assert merged[TITLE].max_col == 8 and merged["项目资金（万元）"].size["rows"] == 5
        assert merged["年度总体目标"].size["rows"] == 2
        funding = next(row for row in grid if row[1] == "年度资金总额")
        assert funding[5] == 10 and _cents(funding[7]) == _cents(project["budget_points"])
        assert abs(funding[3] - project["budget"] / 10000) < 0.005 and abs(funding[4] - project["paid"] / 10000) < 0.005
        if project["project_code"] == "YW-2025":
            assert funding[2] == 67.0 and sheet.cell(5, 3).number_format == "#,##0.00"
            assert "系统全年稳定运行，季度报告按时提交。" in labels
        header = next(i for i, row in enumerate(grid) if row[0] == "一级指标")
        end = next(i for i, row in enumerate(grid) if row[0] == "总分")
        body = grid[header + 1 : end]
        mine = [r for r in rows if r["project_code"] == project["project_code"]]
        assert [r[2] for r in body] == [chinese_punctuation(r["name"]) for r in mine]  # full-width marks
        for printed, api in zip(body, mine, strict=True):
            assert printed[3] == chinese_punctuation(api["target_text"]) and _cents(printed[5]) == _cents(api["weight"])
            assert (printed[6] is None) == (api["score"] is None)
        # Every 一级指标 cell is merged over its rows and labelled with its points.
        groups = {sheet.cell(r.min_row, 1).value for r in sheet.merged_cells.ranges if r.min_col == 1}
        assert "产出指标（50分）" in groups and "效益指标（30分）" in [r[0] for r in body]
        assert "满意度指标（10分）" in [r[0] for r in body]
        output = merged["产出指标（50分）"]
        assert output.size["rows"] == sum(1 for r in mine if r["level1"] != "效益指标" and r["level1"] != "满意度指标")
        # Arithmetic a reader can redo: 分值 100.00 exactly, 总分 the sum of the printed scores.
        weights = sum(_cents(r[5]) for r in body) + _cents(funding[5])
        assert weights == 10000 and _cents(grid[end][5]) == 10000
        scores = sum(_cents(r[6]) for r in body if r[6] is not None) + _cents(funding[7])
        assert _cents(grid[end][6]) == scores == _cents(project["total"])
        assert grid[end][7] == f"自评等级：{project['grade']}"
        assert str(grid[end + 1][0]).startswith("填报人：") and "填报日期：" in grid[end + 1][0]
        assert "联系电话：" in grid[end + 1][0]
        setup = sheet.page_setup
        assert int(setup.paperSize) == 9 and setup.fitToWidth == 1 and setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert sheet.print_title_rows == "$1:$1"
    # People's text keeps the OWASP export rule (a leading '); program text such as "=1套" does not.
    dk = book[next(name for name in summary if "督查考评事务" in name)]
    assert "'=专项督查按计划完成。" in {c.value for row in dk.iter_rows() for c in row}
    yw = book[next(name for name in summary if "运维" in name)]
    texts = {c.value for row in yw.iter_rows() for c in row if isinstance(c.value, str)}
    assert "=1套" in texts and "=12月" in texts and "=100%" in texts


def test_the_word_file_holds_one_merged_table_per_project(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], make_token: Callable[..., str]
) -> None:
    token = _setup(client, make_user, make_token)
    summary = _api(client, token, "/api/v1/indicators/summary", year="2025", as_of=AS_OF.isoformat())
    document = read_docx(io.BytesIO(_download(client, token, "/api/v1/reports/self-evaluation/2025", "docx")))
    assert len(document.tables) == len(summary)
    titles = [p.text for p in document.paragraphs if p.text == TITLE]
    assert len(titles) == len(summary)
    for table, project in zip(document.tables, summary, strict=True):
        cells = [[cell.text for cell in row.cells] for row in table.rows]
        assert cells[0][0] == "项目名称" and cells[0][1] == project["project"] == cells[0][7]  # merged across
        assert cells[1][0] == "主管部门" and cells[1][4] == "实施单位"
        assert cells[2][0] == "项目资金（万元）" and cells[2][2:] == FUNDING_HEADER
        assert [row[0] for row in cells[2:7]] == ["项目资金（万元）"] * 5
        assert [row[1] for row in cells[3:7]] == ["年度资金总额", "其中：本年财政拨款", "上年结转资金", "其他资金"]
        header = next(i for i, row in enumerate(cells) if row[0] == "一级指标")
        end = next(i for i, row in enumerate(cells) if row[0] == "总分")
        assert cells[header] == INDICATOR_HEADER
        body = cells[header + 1 : end]
        # Merged 一级指标: the same cell (one <w:tc>) over the group's rows.
        first = table.rows[header + 1].cells[0]
        assert first.text == "产出指标（50分）"
        assert table.rows[header + 2].cells[0]._tc is first._tc
        printed = [row[5] for row in body] + [cells[3][5]]
        assert all(re.fullmatch(r"\d{1,3}(,\d{3})*\.\d{2}", value) for value in printed), printed
        assert sum(_cents(value) for value in printed) == 10000 and cells[end][5] == "100.00"
        scores = [row[6] for row in body if row[6]] + [cells[3][7]]
        assert cells[end][6] == f"{sum(_cents(v) for v in scores) / 100:,.2f}" == f"{project['total']:,.2f}"
        assert re.fullmatch(r"\d{1,3}(,\d{3})*\.\d{2}", cells[3][2]) and re.fullmatch(r"\d+\.\d{2}%", cells[3][6])
        text = "\n".join("".join(row) for row in cells)
        assert not any(word in text for word in FORBIDDEN) and not FIELD_NAME.search(text)
    footer = [p.text for p in document.paragraphs if p.text.startswith("填报人：")]
    assert len(footer) == len(summary) and all(re.search(r"填报日期：\d{4}年[1-9]\d?月[1-9]\d?日$", f) for f in footer)


def test_the_page_shows_the_table_and_what_is_still_missing(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], make_token: Callable[..., str]
) -> None:
    _load_q2()
    make_user("boss", "admin")
    login(client, "boss")
    page = client.get("/reports/self-evaluation/2025").get_data(as_text=True)
    assert TITLE in page and 'rowspan="5"' in page and "产出指标（50分）" in page
    assert "报送前尚需填写" in page and "年度总体目标实际完成情况" in page


def test_the_quarterly_workbook_opens_clean(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], make_token: Callable[..., str]
) -> None:
    token = _setup(client, make_user, make_token)
    book = load_workbook(io.BytesIO(_download(client, token, "/api/v1/reports/quarterly/2025Q2", "xlsx")))
    targets: set[str] = set()
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert int(setup.paperSize) == 9 and setup.fitToWidth == 1 and setup.fitToHeight == 0, sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True and sheet.print_title_rows
        wide = sum(sheet.column_dimensions[c].width or 0 for c in sheet.column_dimensions) > 100
        assert setup.orientation == ("landscape" if wide else "portrait"), sheet.title
        header = [c.value for c in next(sheet.iter_rows(max_row=1))]
        assert "字段" not in header and "指标编码" not in header
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    targets.add(cell.value)
                    assert not re.fullmatch(r"[a-z]+(_[a-z]+)+", cell.value), (sheet.title, cell.value)
    assert {"=1套", "=12月", "=100%"} <= targets


def test_the_quarterly_word_file_has_one_date_and_number_format(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], make_token: Callable[..., str]
) -> None:
    token = _setup(client, make_user, make_token)
    document = read_docx(io.BytesIO(_download(client, token, "/api/v1/reports/quarterly/2025Q2", "docx")))
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    joined = "\n".join(texts)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", joined), "ISO dates"
    assert not re.search(r"年0\d月|月0\d日", joined), "zero-padded dates"
    assert "2025年4月10日 10:00" in joined
    # A draft names what is still to be supplied (the probe's outages have no cause yet), never "未填写".
    assert "未填写" not in joined and "待补充" in joined
    # April's security and backup checks both found nothing: said once.
    assert "未发现异常；未发现异常" not in joined and "未发现异常" in joined
    # No caption over an empty table: an empty list is one sentence.
    captions = [p.text[2:] for p in document.paragraphs if p.text.startswith("表：")]
    assert len(captions) == len(document.tables) - 1  # the cover's table has no caption
    # 目录 after the cover, listing every section; the 甲方/乙方 sign-off block at the end.
    paragraphs = [p.text for p in document.paragraphs]
    contents = paragraphs.index("目　录")
    assert paragraphs[contents + 1] == "一、概述" and "十四、报告确认" in paragraphs[contents + 1 : contents + 16]
    sign_off = document.tables[captions.index("报告确认") + 1]
    cells = [[c.text for c in row.cells] for row in sign_off.rows]
    assert cells[0][1:] == ["甲方（服务对象）", "乙方（运维单位）"] and cells[2][0] == "负责人（签字）"
    # Numbers of four digits and more carry thousands separators (131,040.00, not 131040.00).
    assert not re.search(r"(?<![\d,.])\d{4,}\.\d{2}(?!\d)", joined.replace("2025", "")), "ungrouped numbers"
