"""JSON errors for the API: ``{"error": {"code", "message", "fields"}}``, and Chinese pages elsewhere."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from slatrack.labels import field_path_label
from slatrack.operations import OperationError

MESSAGES = {
    400: "请求格式有误",
    401: "未认证：请提供有效的访问令牌",
    403: "无权访问",
    404: "资源不存在",
    405: "不支持的请求方法",
    409: "与当前状态冲突",
    413: "上传内容过大",
    422: "数据校验失败",
    500: "服务器内部错误",
}
# A page form whose CSRF token is missing, expired or from another session.
STALE_FORM = "页面已过期或表单令牌无效，请返回并刷新页面后重新提交。"
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    500: "internal_error",
}


def flatten_fields(messages: Any, prefix: str = "") -> dict[str, str]:
    """Turn webargs/marshmallow nested messages into ``{"field.path": "message"}``."""
    fields: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            # webargs nests by location ("json", "query"); the field path is what a client needs.
            name = "" if key in ("json", "query", "form", "files", "view_args", "_schema") and not prefix else str(key)
            path = f"{prefix}.{name}" if prefix and name else (name or prefix)
            fields.update(flatten_fields(value, path))
    elif isinstance(messages, list | tuple):
        if all(isinstance(item, str) for item in messages):
            fields[prefix or "body"] = "；".join(messages)
        else:
            for index, item in enumerate(messages):
                fields.update(flatten_fields(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        fields[prefix or "body"] = str(messages)
    return fields


def error_body(status: int, message: str | None = None, fields: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "error": {
            "code": CODES.get(status, "error"),
            "message": message or MESSAGES.get(status, "请求失败"),
            "fields": fields or {},
        }
    }


UNKNOWN_FIELD = "未知字段"
REQUEST_PARTS = {"body": "请求体", "json": "请求体", "_schema": "请求体", "query": "查询参数", "form": "表单"}


def validation_message(fields: dict[str, str], shown: int = 5) -> str:
    """``数据校验失败：年度：应为整数；…``: the faulty fields by their names (the keys stay in ``fields``)."""
    named = [(k, v) for k, v in fields.items() if v != UNKNOWN_FIELD]
    parts = [f"{REQUEST_PARTS.get(k) or field_path_label(k)}：{v}" for k, v in named[:shown]]
    unknown = len(fields) - len(named)
    if unknown:
        parts.append(f"另有 {unknown} 个不接受的字段")
    return "数据校验失败：" + "；".join(parts)


def json_error(status: int, message: str | None = None, fields: dict[str, str] | None = None) -> Response:
    response = jsonify(error_body(status, message, fields))
    response.status_code = status
    return response


def from_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    fields = flatten_fields(data.get("messages") or data.get("errors") or {})
    message = data.get("message")
    if status == 400 and fields:
        # A body that is not JSON at all: say so in Chinese, keep webargs' detail in fields.
        message = message or "请求体不是有效的 JSON"
    if status == 422 and fields:
        message = message or validation_message(fields)
    response = json_error(status, message, fields)
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    return response


def from_operation_error(error: OperationError) -> Response:
    return json_error(error.status, error.message, error.fields)


def error_page(status: int, message: str | None = None) -> tuple[str, int]:
    return (
        render_template("error.html", status=status, message=message or MESSAGES.get(status, "请求失败")),
        status,
    )


def wants_json() -> bool:
    return request.path.startswith("/api/")
