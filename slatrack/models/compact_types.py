"""Column types that keep machine data small: instants as integer microseconds since the Unix epoch.

The evidence segments are kept for good, hundreds a target-year; an instant as an integer takes 8 bytes
on SQLite instead of a 26-character text, and the ORM and Core queries still see timezone-aware UTC
datetimes (comparisons, ``max()`` and bound parameters go through the type).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger
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
