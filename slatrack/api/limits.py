"""Marshmallow fields that carry the input rules of slatrack.textsafety into the API schemas.

Each rule is both enforced and stated in the OpenAPI document: text has ``maxLength`` and the
control-character ``pattern``; integers have ``minimum``/``maximum``; dates and instants are limited to
2000..2099 (said in their description, since JSON schema has no date ranges). Ids in paths are
bounded by ``BoundedInt``, so ``/tickets/9223372036854775808`` is a 404 before any query runs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from marshmallow import ValidationError, fields, validate
from werkzeug.routing import IntegerConverter, Map

from slatrack import textsafety as ts


class SafeText(validate.Regexp):
    """Refuses control characters, lone surrogates and U+FFFE/U+FFFF; documented as the JSON-schema ``pattern``."""

    def __init__(self) -> None:
        super().__init__(ts.SAFE_TEXT_PATTERN, error=ts.CONTROL_MESSAGE)

    def __call__(self, value: str) -> str:  # type: ignore[override]
        if ts.has_forbidden(value):
            raise ValidationError(f"{ts.CONTROL_MESSAGE}：{ts.describe_forbidden(value)}")
        return value


def _merge(metadata: dict[str, Any] | None, note: str) -> dict[str, Any]:
    meta = dict(metadata or {})
    meta["description"] = f"{meta['description']}；{note}" if meta.get("description") else note
    return meta


def text(max_length: int = ts.TEXT_MAX, *, min_length: int = 0, **kwargs: Any) -> fields.String:
    """A text field: at most ``max_length`` characters (at least ``min_length``), no control characters."""
    error = f"长度应为 {min_length} 到 {max_length} 个字" if min_length else f"长度不能超过 {max_length} 个字"
    validators: list[Any] = [validate.Length(min=min_length or None, max=max_length, error=error), SafeText()]
    extra = kwargs.pop("validate", None)
    if extra is not None:
        validators.append(extra)
    return fields.String(validate=validators, **kwargs)


def integer(minimum: int, maximum: int, *, error: str | None = None, **kwargs: Any) -> fields.Integer:
    """An integer in [minimum, maximum], both stated in the schema."""
    message = error or f"应为 {minimum} 到 {maximum} 之间的整数"
    return fields.Integer(validate=validate.Range(min=minimum, max=maximum, error=message), **kwargs)


def identifier(**kwargs: Any) -> fields.Integer:
    """A database id: a non-negative 64-bit integer."""
    return integer(ts.ID_MIN, ts.ID_MAX, error="应为有效的 id", **kwargs)


def year(**kwargs: Any) -> fields.Integer:
    return integer(ts.YEAR_MIN, ts.YEAR_MAX, error=f"年度应为 {ts.YEAR_MIN} 到 {ts.YEAR_MAX} 之间的整数", **kwargs)


def page(**kwargs: Any) -> fields.Integer:
    return integer(1, ts.PAGE_MAX, error=f"页码应为 1 到 {ts.PAGE_MAX}", **kwargs)


def _date_in_range(value: date) -> None:
    if not ts.date_in_range(value):
        raise ValidationError(ts.DATE_MESSAGE)


def _moment_in_range(value: datetime) -> None:
    if not ts.moment_in_range(value):
        raise ValidationError(ts.MOMENT_MESSAGE)


def day(**kwargs: Any) -> fields.Date:
    """A calendar date between 2000-01-01 and 2099-12-31."""
    kwargs["metadata"] = _merge(kwargs.get("metadata"), ts.DATE_MESSAGE)
    return fields.Date(validate=_date_in_range, **kwargs)


def moment(**kwargs: Any) -> fields.AwareDateTime:
    """An ISO 8601 instant with its offset, in the years 2000..2099."""
    kwargs["metadata"] = _merge(kwargs.get("metadata"), ts.MOMENT_MESSAGE)
    return fields.AwareDateTime(validate=_moment_in_range, **kwargs)


class BoundedInt(IntegerConverter):
    """``<int:...>`` in routes: at most 2**63-1, so an id past 64 bits is a 404 and never reaches the database."""

    def __init__(
        self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = None, signed: bool = False
    ) -> None:
        super().__init__(map, fixed_digits, min, ts.ID_MAX if max is None else max, signed)


def bounded_int_schema(converter: BoundedInt) -> dict[str, Any]:
    return {"type": "integer", "minimum": ts.ID_MIN, "maximum": converter.max}
