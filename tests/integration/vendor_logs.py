"""Vendor service logs shaped as vendors keep them (issue 19): a title row merged across the sheet, one
sheet a month, date and time in separate columns, county names, 现场 for 上门, no category or priority."""

# Excel cells hold naive local wall times, so these helpers build naive datetimes on purpose.
# ruff: noqa: DTZ001

from __future__ import annotations

import io
from datetime import datetime, time
from typing import Any

from openpyxl import Workbook

HEADER = ["序号", "日期", "时间", "单位", "联系人", "来源", "问题描述", "处理方式", "处理结果", "处理人", "响应时间"]

# The mapping a user would write for these logs (the page and `--mapping` take the same file).
MAPPING = """
[columns]
reported_at = ["日期", "时间"]
unit = "单位"
requester = "联系人"
channel = "来源"
title = "问题描述"
description = "问题描述"
mode = "处理方式"
outcome = "处理结果"
engineer = "处理人"
responded_at = "响应时间"

[values.mode]
"现场" = "上门"

[values.unit]
"州直" = "522700"

[defaults]
category = "guidance"
priority = "P3"
"""

# May: real Excel date and time cells, an Excel serial, 2025/5/6 text; the response is a time of day.
MAY: list[list[Any]] = [
    [
        1,
        datetime(2025, 5, 6),
        time(9, 30),
        "都匀市",
        "张三",
        "电话",
        "无法登录系统",
        "远程",
        "已重置密码",
        "王工",
        time(9, 45),
    ],
    [2, 45783, "14:05", "荔波", "李四", "微信", "报表导出失败", "现场", "已修复", "赵工", "2025/5/7 15:00"],
    [3, "2025/5/8", "8:10", "州直", "", "电话", "咨询账号权限", "远程", "", "王工", ""],
]
# June: 2025年6月9日 and 6月10日 (the year from the title row).
JUNE: list[list[Any]] = [
    [1, "2025年6月9日", "10:00", "贵定县", "周五", "现场", "打印机驱动", "现场", "已安装", "赵工", "10:20"],
    [2, "6月10日", "16:30", "522725", "吴六", "电话", "数据核对", "远程", "", "王工", "6月11日 9:00"],
]


def vendor_xlsx(may: list[list[Any]] = MAY, june: list[list[Any]] = JUNE) -> bytes:
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "5月"
    second = book.create_sheet("6月")
    for sheet, title, rows in ((first, "2025年5月运维服务记录", may), (second, "2025年6月运维服务记录", june)):
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
        sheet.append([])
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
    notes = book.create_sheet("说明")
    notes.append(["本表由运维公司填写"])
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def vendor_csv(rows: list[list[str]], encoding: str = "gbk") -> bytes:
    lines = ["2025年7月服务记录", ",".join(HEADER)] + [",".join(r) for r in rows]
    return "\r\n".join(lines).encode(encoding)


JULY = [
    ["1", "7月1日", "9:00", "都匀市", "郑七", "电话", "邮箱无法收信", "远程", "已处理", "王工", "9:20"],
    ["2", "2025-07-02", "11:15", "福泉", "钱八", "现场", "电脑蓝屏", "现场", "", "赵工", "13:00"],
]
