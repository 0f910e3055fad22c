"""Field checks shared by the reference-data editors (contracts, projects, budget lines, indicators).

Every check raises an OperationError whose message and ``fields`` name the field at fault, in Chinese, so
the API, the pages and the CLI all answer the same way; nothing is written before every field is good.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from slatrack import textsafety
from slatrack.operations import OperationError

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
CALENDARS = {"7x24": "7×24 小时", "workdays": "工作日工作时间（含法定节假日与调休）"}
# A budget line's funding source as the API names it, and the text the line stores (the 批复表's wording;
# the self-evaluation's 项目资金 rows read it back: 本年财政拨款 / 上年结转资金 / 其他资金).
SOURCES = {"current": "本年财政拨款", "carryover": "上年结转", "other": "其他资金"}
SOURCE_LABELS = {"current": "本年财政拨款", "carryover": "上年结转资金", "other": "其他资金"}


def refuse(field: str, reason: str, label: str | None = None) -> OperationError:
    return OperationError(f"{label or field}：{reason}", fields={field: reason})


def code(values: dict[str, Any], field: str = "code", label: str = "编号") -> str:
    raw = values.get(field)
    text = "" if raw is None else str(raw).strip()
    if not CODE_PATTERN.match(text):
        raise refuse(field, "应为 1 到 32 个字母、数字、横线、点或下划线，以字母或数字开头", label)
    return text


def text(values: dict[str, Any], field: str, label: str, max_length: int, *, required: bool = True) -> str:
    raw = values.get(field)
    value = "" if raw is None else str(raw).strip()
    if required and not value:
        raise refuse(field, "不能为空", label)
    if len(value) > max_length:
        raise refuse(field, f"不能超过 {max_length} 个字", label)
    if textsafety.has_forbidden(value):
        raise refuse(field, textsafety.CONTROL_MESSAGE, label)
    return value


def amount(values: dict[str, Any], field: str, label: str, *, required: bool = True) -> Decimal | None:
    raw = values.get(field)
    if raw is None or raw == "":
        if required:
            raise refuse(field, "不能为空", label)
        return None
    if isinstance(raw, bool):
        raise refuse(field, "应为金额（元）", label)
    try:
        value = Decimal(str(raw).replace(",", "").strip())
    except InvalidOperation:
        raise refuse(field, "应为金额（元），例如 452000.00", label) from None
    if not value.is_finite() or value < 0 or value >= Decimal("1e12"):
        raise refuse(field, "应为不小于 0 的金额（元）", label)
    if value != value.quantize(Decimal("0.01")):
        raise refuse(field, "金额最多保留两位小数", label)
    return value.quantize(Decimal("0.01"))


def number(values: dict[str, Any], field: str, label: str, *, required: bool) -> Decimal | None:
    raw = values.get(field)
    if raw is None or raw == "":
        if required:
            raise refuse(field, "不能为空", label)
        return None
    if isinstance(raw, bool):
        raise refuse(field, "应为数字", label)
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise refuse(field, "应为数字", label) from None
    if not value.is_finite() or abs(value) >= Decimal("1e10"):
        raise refuse(field, "应为有限的数字", label)
    return value


def day(values: dict[str, Any], field: str, label: str) -> date:
    raw = values.get(field)
    if isinstance(raw, date):
        value = raw
    else:
        try:
            value = date.fromisoformat(str(raw or "").strip())
        except ValueError:
            raise refuse(field, "应为日期，例如 2026-01-01", label) from None
    if not textsafety.date_in_range(value):
        raise refuse(field, textsafety.DATE_MESSAGE, label)
    return value


def year(value: Any, field: str = "fiscal_year") -> int:
    if isinstance(value, bool):
        raise refuse(field, "年度应为 2000 到 2099 之间的整数", "年度")
    try:
        number_ = int(str(value).strip())
    except (TypeError, ValueError):
        raise refuse(field, "年度应为 2000 到 2099 之间的整数", "年度") from None
    if not 2000 <= number_ <= 2099:
        raise refuse(field, "年度应为 2000 到 2099 之间的整数", "年度")
    return number_


def source_key(stored: str) -> str:
    """The API's name (current/carryover/other) of a budget line's stored funding source text."""
    text_ = stored.strip()
    if "结转" in text_ or "结余" in text_:
        return "carryover"
    if text_.startswith("财政拨款") or text_.startswith("本年财政拨款"):
        return "current"
    return "other"


def source_text(values: dict[str, Any], field: str) -> str:
    raw = values.get("source", "current")
    if raw not in SOURCES:
        raise refuse(
            field, "资金来源应为 current（本年财政拨款）、carryover（上年结转）或 other（其他资金）", "资金来源"
        )
    return SOURCES[str(raw)]
