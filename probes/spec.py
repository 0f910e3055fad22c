"""Target specifications, built from a mapping in the API's field names."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

KINDS = ("http", "tcp", "host", "backup", "push")

# Fields the server keeps about a target that mean nothing to a checker; accepted and dropped so a
# target copied from GET /api/v1/targets can be used as is.
SERVER_ONLY_FIELDS = frozenset({"id", "created_at", "updated_at", "retired_at", "description", "contract"})

# Options that only make sense for one kind (besides the address fields).
KIND_OPTIONS: dict[str, frozenset[str]] = {
    "http": frozenset(
        {
            "method",
            "accepted_status",
            "keyword",
            "keyword_absent",
            "max_latency_ms",
            "follow_redirects",
            "verify_tls",
            "cert_expiry_days",
        }
    ),
    "tcp": frozenset(),
    "host": frozenset({"cpu_max", "memory_max", "disk_max", "load_max"}),
    "backup": frozenset({"max_age_hours", "min_bytes"}),
    "push": frozenset(),
}
ADDRESS_FIELDS = {"http": {"url"}, "tcp": {"host", "port"}, "host": {"path"}, "backup": {"path"}, "push": set()}
COMMON_FIELDS = frozenset(
    {"name", "kind", "interval_seconds", "timeout_seconds", "confirm_failures", "critical", "monitored_since"}
)
ALL_FIELDS = COMMON_FIELDS | {"url", "host", "port", "path"} | frozenset().union(*KIND_OPTIONS.values())


class SpecError(ValueError):
    """A target specification is invalid; ``field`` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"字段 {field}：{message}")
        self.field = field
        self.reason = message


@dataclass(frozen=True)
class StatusRange:
    low: int
    high: int

    def __contains__(self, code: object) -> bool:
        return isinstance(code, int) and self.low <= code <= self.high

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


@dataclass(frozen=True)
class TargetSpec:
    name: str
    kind: str
    url: str | None = None
    host: str | None = None
    port: int | None = None
    path: str | None = None
    interval_seconds: float = 60.0
    timeout_seconds: float = 10.0
    confirm_failures: int = 3
    critical: bool = False
    monitored_since: datetime | None = None
    # http
    method: str = "GET"
    accepted_status: tuple[StatusRange, ...] = (StatusRange(200, 399),)
    keyword: str | None = None
    keyword_absent: bool = False
    max_latency_ms: float | None = None
    follow_redirects: bool = True
    verify_tls: bool = True
    cert_expiry_days: float = 14.0
    # host
    cpu_max: float = 95.0
    memory_max: float = 95.0
    disk_max: float = 90.0
    load_max: float | None = None
    # backup
    max_age_hours: float = 26.0
    min_bytes: int = 1

    @property
    def disk_path(self) -> str:
        return self.path or "/"

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> TargetSpec:
        """Validate ``data`` (API field names) and build a spec; raises SpecError naming the field."""
        if not isinstance(data, Mapping):
            raise SpecError("targets", "每个监测对象必须是一个表（键值对）")
        values = {key: value for key, value in data.items() if value is not None and key not in SERVER_ONLY_FIELDS}
        for key in values:
            if key not in ALL_FIELDS:
                raise SpecError(str(key), "未知字段")
        name = values.get("name")
        if not isinstance(name, str) or not name.strip():
            raise SpecError("name", "必填，且不能为空")
        kind = values.get("kind")
        if kind not in KINDS:
            raise SpecError("kind", f"必须是 {', '.join(KINDS)} 之一")
        allowed = COMMON_FIELDS | ADDRESS_FIELDS[kind] | KIND_OPTIONS[kind]
        for key in values:
            if key not in allowed:
                raise SpecError(key, f"不适用于 {kind} 类型")
        fields: dict[str, Any] = {"name": name.strip(), "kind": kind}
        for key, value in values.items():
            if key in ("name", "kind"):
                continue
            fields[key] = _PARSERS[key](key, value)
        _check_required(kind, fields)
        return cls(**fields)


def _check_required(kind: str, fields: dict[str, Any]) -> None:
    if kind == "http" and "url" not in fields:
        raise SpecError("url", "http 类型必须填写 url")
    if kind == "tcp":
        for key in ("host", "port"):
            if key not in fields:
                raise SpecError(key, f"tcp 类型必须填写 {key}")
    if kind == "backup" and "path" not in fields:
        raise SpecError("path", "backup 类型必须填写备份文件的路径或通配符")
    if fields.get("keyword_absent") and "keyword" not in fields:
        raise SpecError("keyword_absent", "必须同时填写 keyword")
    if fields.get("method") == "HEAD" and "keyword" in fields:
        raise SpecError("keyword", "HEAD 请求没有正文，无法检查关键字")


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SpecError(key, "必须是非空字符串")
    return value.strip()


def _url(key: str, value: Any) -> str:
    text = _text(key, value)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SpecError(key, "必须是 http:// 或 https:// 开头的完整地址")
    return text


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SpecError(key, "必须是 true 或 false")
    return value


def _number(key: str, value: Any, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SpecError(key, "必须是数字")
    if value < 0 or (positive and value == 0):
        raise SpecError(key, "必须大于 0" if positive else "不能为负数")
    return float(value)


def _positive(key: str, value: Any) -> float:
    return _number(key, value, positive=True)


def _non_negative(key: str, value: Any) -> float:
    return _number(key, value)


def _percent(key: str, value: Any) -> float:
    number = _number(key, value)
    if number > 100:
        raise SpecError(key, "百分比不能超过 100")
    return number


def _integer(key: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        bound = f"{low}–{high} 之间" if high is not None else f"不小于 {low}"
        raise SpecError(key, f"必须是{bound}的整数")
    return value


def _port(key: str, value: Any) -> int:
    return _integer(key, value, 1, 65535)


def _confirm(key: str, value: Any) -> int:
    return _integer(key, value, 1)


def _min_bytes(key: str, value: Any) -> int:
    return _integer(key, value, 0)


def _method(key: str, value: Any) -> str:
    method = _text(key, value).upper()
    if method not in ("GET", "HEAD"):
        raise SpecError(key, "只支持 GET 或 HEAD")
    return method


def _status(key: str, value: Any) -> tuple[StatusRange, ...]:
    items = value if isinstance(value, list | tuple) else [value]
    if not items:
        raise SpecError(key, "至少给出一个状态码")
    ranges = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool):
            low = high = item
        elif isinstance(item, str) and item.strip():
            low_text, _, high_text = item.strip().partition("-")
            try:
                low = int(low_text)
                high = int(high_text) if high_text else low
            except ValueError:
                raise SpecError(key, f'无法识别的状态码 {item!r}，应写作 200 或 "200-399"') from None
        else:
            raise SpecError(key, f'无法识别的状态码 {item!r}，应写作 200 或 "200-399"')
        if not 100 <= low <= high <= 599:
            raise SpecError(key, f"状态码范围 {item!r} 无效")
        ranges.append(StatusRange(low, high))
    return tuple(ranges)


def _instant(key: str, value: Any) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise SpecError(key, "必须是带时区的 ISO 8601 时间") from None
    if isinstance(value, date) and not isinstance(value, datetime):
        raise SpecError(key, "必须是带时区的时间，而不是日期")
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise SpecError(key, "必须是带时区的 ISO 8601 时间")
    return value.astimezone(UTC)


_PARSERS: dict[str, Callable[[str, Any], Any]] = {
    "url": _url,
    "host": _text,
    "port": _port,
    "path": _text,
    "interval_seconds": _positive,
    "timeout_seconds": _positive,
    "confirm_failures": _confirm,
    "critical": _bool,
    "monitored_since": _instant,
    "method": _method,
    "accepted_status": _status,
    "keyword": _text,
    "keyword_absent": _bool,
    "max_latency_ms": _positive,
    "follow_redirects": _bool,
    "verify_tls": _bool,
    "cert_expiry_days": _non_negative,
    "cpu_max": _percent,
    "memory_max": _percent,
    "disk_max": _percent,
    "load_max": _non_negative,
    "max_age_hours": _positive,
    "min_bytes": _min_bytes,
}
