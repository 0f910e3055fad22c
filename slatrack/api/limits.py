"""Marshmallow fields that carry the input rules of slatrack.textsafety into the API schemas.

Each rule is both enforced and stated in the OpenAPI document: text has ``maxLength`` and the
control-character ``pattern``; integers have ``minimum``/``maximum``; dates and instants are limited to
2000..2099 (said in their description, since JSON schema has no date ranges). Ids in paths are
bounded by ``BoundedInt`` (to the 32-bit INTEGER id columns), so ``/tickets/9223372036854775808`` is a
404 before any query runs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from marshmallow import ValidationError, fields, validate
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from slatrack import textsafety as ts

NAME_MAX, SHORT_MAX, TEXT_MAX = ts.NAME_MAX, ts.SHORT_MAX, ts.TEXT_MAX


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
    """A database id: a non-negative 32-bit integer (the id columns are INTEGER)."""
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
    """``<int:...>`` in routes: an id past ``ID_MAX`` (2**31-1) is a 404 and never reaches the database.

    The 404 is raised from ``to_python`` rather than by a converter maximum: werkzeug answers a
    converter refusal with 405 when another method's rule shares the path.
    """

    def to_python(self, value: str) -> int:
        number = int(super().to_python(value))
        if not ts.in_id_range(number):
            raise NotFound()
        return number


def bounded_int_schema(converter: BoundedInt) -> dict[str, Any]:
    return {"type": "integer", "minimum": ts.ID_MIN, "maximum": ts.ID_MAX}


class NameOrId(fields.Field[str | int]):
    """A reference to a row by its name (text, at most ``NAME_MAX``) or by its id (a 32-bit integer)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {
            "oneOf": [
                {"type": "string", "minLength": 1, "maxLength": ts.NAME_MAX, "pattern": ts.SAFE_TEXT_PATTERN},
                {"type": "integer", "minimum": ts.ID_MIN, "maximum": ts.ID_MAX},
            ],
            **kwargs["metadata"],
        }
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | int:
        if isinstance(value, int) and not isinstance(value, bool):
            if not ts.in_id_range(value):
                raise ValidationError("应为有效的 id")
            return value
        if isinstance(value, str):
            if not 1 <= len(value) <= ts.NAME_MAX:
                raise ValidationError(f"长度应为 1 到 {ts.NAME_MAX} 个字")
            if ts.has_forbidden(value):
                raise ValidationError(ts.CONTROL_MESSAGE)
            return value
        raise ValidationError("应为名称（字符串）或 id（整数）")
