"""Records packed by column (measure/columns.py) and the latency day format 2 built on them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slatrack.measure.columns import pack_columns, unpack_columns
from slatrack.measure.latency import HostHour, pack_day, summarize_hour, unpack_day

records = st.lists(st.lists(st.integers(0, 2**62), max_size=16), max_size=24)


@given(records)
def test_records_read_back_unchanged(values: list[list[int]]) -> None:
    assert unpack_columns(pack_columns(values), len(values)) == values


def test_bad_bytes_are_refused() -> None:
    packed = pack_columns([[1, 2, 3], [4, 5]])
    with pytest.raises(ValueError, match=r"truncated|trailing"):
        unpack_columns(packed, 3)
    with pytest.raises(ValueError, match="trailing"):
        unpack_columns(packed, 1)
    with pytest.raises(ValueError, match=r"cannot be read|truncated"):
        unpack_columns(packed[:-2], 2)
    with pytest.raises(ValueError, match="negative"):
        pack_columns([[1, -1]])


@given(
    st.dictionaries(
        st.integers(0, 23),
        st.tuples(
            st.integers(0, 100),
            st.integers(0, 100),
            st.lists(st.floats(0, 60_000, allow_nan=False), max_size=30),
            st.booleans(),
        ),
        max_size=24,
    )
)
def test_both_formats_hold_the_same_hours(hours: dict[int, tuple[int, int, list[float], bool]]) -> None:
    host = HostHour(2, 12.5, 30.0, None, None, 71.25, 71.25)
    day = [
        summarize_hour(hour, checks, failures, values, host if with_host else None)
        for hour, (checks, failures, values, with_host) in sorted(hours.items())
    ]
    first, second, chosen = pack_day(day, 1), pack_day(day, 2), pack_day(day)
    assert (first[0], second[0]) == (1, 2)
    assert unpack_day(first) == unpack_day(second) == unpack_day(chosen) == day
    assert len(chosen) == min(len(first), len(second))


def test_a_day_of_minute_checks_is_a_quarter_smaller_by_column() -> None:
    day = [summarize_hour(h, 60, 0, [8.0 + (i * 37 * (h + 1) % 112) for i in range(60)]) for h in range(24)]
    assert len(pack_day(day)) < 0.8 * len(pack_day(day, 1))
    with pytest.raises(ValueError, match="format"):
        pack_day(day, 3)
    with pytest.raises(ValueError, match="trailing"):
        unpack_day(pack_day(day) + b"\x00")
