"""Every request's text and numbers checked against slatrack.textsafety before a view runs.

One ``before_request`` hook for the API and the pages alike:
- path parts, query parameters and form fields holding a control character (other than tab, newline,
  carriage return), a lone surrogate or U+FFFE/U+FFFF are refused with 422 naming the field;
- a JSON body is refused with 400 when it is nested deeper than ``JSON_MAX_DEPTH``, is not UTF-8, holds
  ``NaN``/``Infinity`` or an integer of thousands of digits, and with 422 naming the field when a string
  in it holds a refused character (``"\\ud800"`` included);
- a form field longer than ``TEXT_MAX`` is refused with 422 (the API's schemas state each field's length);
- on pages, the numeric and date query parameters the views read leniently (``page``, ``year``, ``from``, ...)
  are range-checked, since the API's schemas do not guard them.

The API answers ``{"error": {...}}``, pages the Chinese error page.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from flask import Flask, request
from flask.typing import ResponseReturnValue

from slatrack import textsafety as ts

# Page query parameters read as numbers or dates by the views: name -> (minimum, maximum, message).
PAGE_NUMBERS: dict[str, tuple[int, int, str]] = {
    "page": (1, ts.PAGE_MAX, f"页码超出范围：应为 1 到 {ts.PAGE_MAX}"),
    "year": (ts.YEAR_MIN, ts.YEAR_MAX, f"年度超出范围：应为 {ts.YEAR_MIN} 到 {ts.YEAR_MAX}"),
    "days": (1, 3660, "天数超出范围：应为 1 到 3660"),
    "per_page": (1, 500, "每页条数超出范围：应为 1 到 500"),
}
PAGE_DATES = ("from", "to", "as_of", "start", "end")
# Chinese names of the page forms' fields, so a refusal names the field as the form shows it.
FIELD_LABELS = {
    "title": "标题",
    "description": "描述",
    "requester": "报告人",
    "note": "备注",
    "comment": "意见",
    "reason": "理由",
    "findings": "检查发现",
    "performed_by": "检查人",
    "deviation_reason": "偏差原因",
    "improvement": "改进措施",
    "voucher": "凭证号",
    "amount": "金额",
    "quantity": "数量",
    "period": "期间",
    "month": "月份",
    "unit": "单位",
    "username": "用户名",
    "display_name": "姓名或说明",
    "name": "名称",
    "password": "密码",
    "q": "搜索",
}
_INTEGER = re.compile(r"[+-]?\d+")


def _refuse(status: int, message: str, fields: dict[str, str]) -> ResponseReturnValue:
    from slatrack.api import errors

    if errors.wants_json():
        return errors.json_error(status, message, fields)
    return errors.error_page(status, message)


def _label(field: str) -> str:
    label = FIELD_LABELS.get(field)
    return f"{label}（{field}）" if label else field


def _control(field: str, value: str) -> ResponseReturnValue:
    detail = f"{ts.CONTROL_MESSAGE}：{ts.describe_forbidden(value)}"
    return _refuse(422, f"{_label(field)}：{detail}", {field: detail})


def _reject_constant(name: str) -> Any:
    raise ValueError(f"not JSON: {name}")


def _json_body() -> ResponseReturnValue | None:
    raw = request.get_data(cache=True)
    if not raw:
        return None
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _refuse(400, "请求体不是 UTF-8 编码的 JSON", {"body": "应为 UTF-8 编码"})
    if ts.json_depth(body) > ts.JSON_MAX_DEPTH:
        message = f"JSON 嵌套层数超过 {ts.JSON_MAX_DEPTH} 层"
        return _refuse(400, message, {"body": message})
    try:
        data = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return _refuse(400, "请求体不是有效的 JSON", {"body": "应为有效的 JSON"})
    found = ts.forbidden_in(data)
    if found is not None:
        return _control(*found)
    return None


def _page_value(name: str, value: str) -> ResponseReturnValue | None:
    text = value.strip()
    if name in PAGE_NUMBERS and _INTEGER.fullmatch(text):
        low, high, message = PAGE_NUMBERS[name]
        if not low <= int(text) <= high:
            return _refuse(422, message, {name: message})
    if name in PAGE_DATES and text:
        try:
            day = date.fromisoformat(text[:10])
        except ValueError:
            return None
        if not ts.date_in_range(day):
            return _refuse(422, ts.DATE_MESSAGE, {name: ts.DATE_MESSAGE})
    return None


def check_request() -> ResponseReturnValue | None:
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and ts.has_forbidden(value):
            return _control(name, value)
    api = request.path.startswith("/api/")
    for name, values in request.args.lists():
        if ts.has_forbidden(name):
            return _control("query", name)
        for value in values:
            if ts.has_forbidden(value):
                return _control(name, value)
            if not api:
                refused = _page_value(name, value)
                if refused is not None:
                    return refused
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.is_json:
            return _json_body()
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for name, values in request.form.lists():
                for value in values:
                    if ts.has_forbidden(name) or ts.has_forbidden(value):
                        return _control(name, value)
                    if len(value) > ts.TEXT_MAX:
                        message = f"长度不能超过 {ts.TEXT_MAX} 个字"
                        return _refuse(422, f"{_label(name)}：{message}", {name: message})
    return None


def install(app: Flask) -> None:
    app.before_request(check_request)
