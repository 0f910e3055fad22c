"""The ticket spreadsheet format: its Chinese columns, the help sheet, and how cells are read (times in the
many ways people type them, or Excel serials, local time).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from slatrack.models.enums import CHANNELS, MODES, TICKET_CATEGORIES
from slatrack.operations.spreadsheets import cell_text

COLUMNS: tuple[str, ...] = (
    "工单编号",
    "单位",
    "报告时间",
    "类别",
    "优先级",
    "渠道",
    "方式",
    "标题",
    "描述",
    "报告人",
    "响应时间",
    "挂起记录",
    "解决时间",
    "关闭时间",
    "取消时间",
    "取消原因",
    "状态",
)
REQUIRED = ("单位", "报告时间", "类别", "优先级", "渠道", "方式", "标题")
# 状态 is written for readers and ignored on import: the state follows from the times.
HELP_ROWS: tuple[tuple[str, str], ...] = (
    ("工单编号", "可选。留空则按报告时间所在年份自动编号（YW-年份-序号）。"),
    ("单位", "必填。单位名称或代码，例如 都匀市 或 522701。"),
    ("报告时间", "必填。例如 2025/5/10 9:30、2025-05-10 09:30:00，或 Excel 日期时间单元格（北京时间）。"),
    ("类别", "必填。中文名称或代码：" + "、".join(f"{v}({k})" for k, v in TICKET_CATEGORIES.items())),
    ("优先级", "必填。P1、P2、P3 或 P4。"),
    ("渠道", "必填。" + "、".join(CHANNELS)),
    ("方式", "必填。" + "、".join(MODES)),
    ("标题", "必填。不超过 200 字。"),
    ("描述 / 报告人", "可选。"),
    ("响应时间 / 解决时间 / 关闭时间 / 取消时间", "可选。不得早于报告时间，不得晚于当前时间。"),
    ("挂起记录", "可选。每段“开始~结束”，多段用分号分隔；仍在挂起的最后一段可不写结束时间。"),
    ("取消原因", "填写取消时间时必填。"),
    ("状态", "导出时填写，导入时忽略（由各时间推算）。"),
)
MAX_ROWS = 100_000
# Column widths (characters) in the written workbooks, one per column of COLUMNS.
COLUMN_WIDTHS = (14, 12, 18, 10, 7, 7, 7, 30, 40, 10, 18, 30, 18, 18, 18, 16, 8)
_EXCEL_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 - Excel serials are naive local wall times
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M",
    "%Y年%m月%d日 %H时%M分",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y年%m月%d日",
)


# ---------------------------------------------------------------- parsing cells


def parse_time(value: Any, zone: Any) -> datetime:
    """A cell as an aware instant; naive values are local wall time. Raises ValueError (Chinese)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo is not None else value.replace(tzinfo=zone)).astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), zone).astimezone(UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial(float(value), zone)
    text = cell_text(value)
    if not text:
        raise ValueError("不能为空")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _serial(float(text), zone)
    try:
        parsed = datetime.fromisoformat(text.replace("/", "-")) if "T" in text else None
    except ValueError:
        parsed = None
    if parsed is not None:
        return (parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)).astimezone(UTC)
    for form in _DATE_FORMATS:
        try:
            naive = datetime.strptime(text, form)  # noqa: DTZ007 - local wall time, zone attached below
        except ValueError:
            continue
        return naive.replace(tzinfo=zone).astimezone(UTC)
    raise ValueError(f"无法识别的时间：{text}，例如 2025/5/10 9:30 或 2025-05-10 09:30:00")


def _serial(serial: float, zone: Any) -> datetime:
    if not 1 <= serial < 2958466:
        raise ValueError(f"无法识别的时间：{serial:g}")
    naive = _EXCEL_EPOCH + timedelta(days=serial)
    # Excel keeps seconds as a fraction of a day: round to the nearest second.
    naive = (naive + timedelta(microseconds=500_000)).replace(microsecond=0)
    return naive.replace(tzinfo=zone).astimezone(UTC)
