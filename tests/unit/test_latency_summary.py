"""Latency summaries: an hour's figures from its results, and a day of them packed and read back unchanged."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slatrack.measure.latency import (
    HostHour,
    HourLatency,
    merge_hours,
    pack_day,
    summarize_host,
    summarize_hour,
    unpack_day,
)

latency = st.floats(min_value=0, max_value=120_000, allow_nan=False, allow_infinity=False)


def _nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(share * len(ordered)) - 1]


def test_an_hour_of_results_gives_its_counts_and_latency_figures() -> None:
    latencies = [float(10 + i) for i in range(56)]  # 10.0 .. 65.0 ms
    hour = summarize_hour(7, 60, 4, latencies)
    assert (hour.hour, hour.checks, hour.failures, hour.measured) == (7, 60, 4, 56)
    assert hour.min_ms == 10.0 and hour.max_ms == 65.0
    assert hour.avg_ms == pytest.approx(statistics.mean(latencies), abs=0.005)
    assert hour.p50_ms == 37.0  # the 28th of 56
    assert hour.p95_ms == 63.0  # the 54th of 56


def test_an_hour_without_a_measured_latency_keeps_its_counts() -> None:
    hour = summarize_hour(0, 60, 60, [])
    assert unpack_day(pack_day([hour])) == [HourLatency(0, 60, 60, 0)]


@given(
    st.dictionaries(
        st.integers(0, 23),
        st.tuples(st.integers(0, 5000), st.integers(0, 5000), st.lists(latency, max_size=80)),
        max_size=24,
    )
)
def test_a_packed_day_reads_back_the_same_figures(hours: dict[int, tuple[int, int, list[float]]]) -> None:
    summaries = [summarize_hour(hour, checks, failures, values) for hour, (checks, failures, values) in hours.items()]
    assert unpack_day(pack_day(summaries)) == sorted(summaries, key=lambda item: item.hour)
    for item, (_, _, values) in zip(
        sorted(summaries, key=lambda item: item.hour), (hours[h] for h in sorted(hours)), strict=True
    ):
        if values:  # the figures are those of the results, to 0.01 ms
            assert item.min_ms == pytest.approx(min(values), abs=0.0051)
            assert item.max_ms == pytest.approx(max(values), abs=0.0051)
            assert item.p50_ms == pytest.approx(_nearest_rank(values, 0.5), abs=0.0051)
            assert item.p95_ms == pytest.approx(_nearest_rank(values, 0.95), abs=0.0051)
            assert item.avg_ms == pytest.approx(statistics.fmean(values), abs=0.011)


def test_hours_converted_from_the_old_rows_keep_mean_and_max() -> None:
    old = [HourLatency(3, 60, 2, None, avg_ms=41.23, max_ms=119.9), HourLatency(4, 12, 12, None)]
    assert unpack_day(pack_day(old)) == [old[0], HourLatency(4, 12, 12, 0)]


def test_a_day_of_minute_checks_takes_a_few_hundred_bytes() -> None:
    day = [summarize_hour(h, 60, 0, [8.0 + (i * 37 % 112) for i in range(60)]) for h in range(24)]
    assert len(pack_day(day)) <= 24 * 16


def test_merging_replaces_only_the_recomputed_hours() -> None:
    stored = [summarize_hour(h, 60, 0, [10.0]) for h in (1, 2, 3)]
    fresh = {2: summarize_hour(2, 30, 1, [20.0])}
    merged = merge_hours(stored, [2, 3], fresh)
    assert [(item.hour, item.checks) for item in merged] == [(1, 60), (2, 30)]


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="hour 24"):
        pack_day([HourLatency(24, 1, 0)])
    with pytest.raises(ValueError, match="given twice"):
        pack_day([HourLatency(1, 1, 0), HourLatency(1, 2, 0)])
    with pytest.raises(ValueError, match="format"):
        unpack_day(b"\x09\x00\x00\x00")
    with pytest.raises(ValueError, match="trailing"):
        unpack_day(pack_day([HourLatency(1, 1, 0)]) + b"\x00")


def test_a_host_checks_resource_use_is_kept_with_its_hour() -> None:
    metrics = [
        {"cpu_percent": 20.0, "memory_percent": 50.0, "disk_percent": 70.0},
        {"cpu_percent": 40.0, "memory_percent": 60.0},  # no disk figure: the disk mean is over one result
        {"load_1m": 0.5},  # no figure at all: not a sample
    ]
    host = summarize_host(metrics)
    assert host == HostHour(2, 30.0, 40.0, 55.0, 60.0, 70.0, 70.0)
    assert summarize_host([{"load_1m": 1.0}]) is None
    day = [summarize_hour(3, 3, 0, [12.5, 13.0, 14.0], host), summarize_hour(4, 2, 2, [], None)]
    assert unpack_day(pack_day(day)) == day


@given(st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=1, max_size=30))
def test_host_figures_round_trip_in_hundredths_of_a_percent(values: list[float]) -> None:
    host = summarize_host([{"cpu_percent": v} for v in values])
    assert host is not None and host.memory_avg is None and host.disk_max is None
    assert host.cpu_max == pytest.approx(max(values), abs=0.005)
    hour = summarize_hour(0, len(values), 0, [], host)
    assert unpack_day(pack_day([hour])) == [hour]
