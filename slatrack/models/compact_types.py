"""Storage that keeps data small: instants as integer microseconds since the Unix epoch; compact JSON text.

The evidence segments are kept for good, hundreds a target-year; an instant as an integer takes 8 bytes
on SQLite instead of a 26-character text, and the ORM and Core queries still see timezone-aware UTC
datetimes (comparisons, ``max()`` and bound parameters go through the type).

JSON columns (the audit log's before and after values, kept for good) are written as UTF-8 without
``\\uXXXX`` escapes or spaces: a Chinese character takes 3 bytes instead of 6; the values read back are
the same (and the audit chain hashes the values, not the stored text).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Integer, SmallInteger
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def to_micros(value: datetime) -> int:
    """Microseconds since the Unix epoch of an aware instant (exact)."""
    if value.tzinfo is None:
        raise ValueError(f"timestamps must be timezone-aware datetimes, got {value!r}")
    return (value - EPOCH) // _MICRO


def from_micros(value: int) -> datetime:
    """The aware UTC instant ``value`` microseconds after the Unix epoch."""
    return EPOCH + timedelta(microseconds=value)


class EpochMicros(TypeDecorator[datetime]):
    """An instant stored as a BIGINT of microseconds since the Unix epoch; refuses naive datetimes."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise ValueError(f"timestamps must be timezone-aware datetimes, got {value!r}")
        return to_micros(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else from_micros(int(value))


def compact_json(value: Any) -> str:
    """The engine's JSON serializer: the same values as ``json.dumps``, in fewer bytes."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_STATE_CODES = {"up": 0, "fail": 1}
_STATE_NAMES = {code: name for name, code in _STATE_CODES.items()}


class SegmentState(TypeDecorator[str]):
    """An evidence segment's state, 'up' or 'fail', stored as 0 or 1 (no payload byte at all on SQLite)."""

    impl = SmallInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if value not in _STATE_CODES:
            raise ValueError(f"unknown segment state {value!r}")
        return _STATE_CODES[value]

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else _STATE_NAMES[int(value)]


_EPOCH_DAY = date(1970, 1, 1)


class EpochDay(TypeDecorator[date]):
    """A calendar day stored as an INTEGER: days since 1970-01-01 (3 bytes on SQLite instead of 10 of text)."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ValueError(f"a day must be a date, got {value!r}")
        return (value - _EPOCH_DAY).days

    def process_result_value(self, value: Any, dialect: Dialect) -> date | None:
        return None if value is None else _EPOCH_DAY + timedelta(days=int(value))
