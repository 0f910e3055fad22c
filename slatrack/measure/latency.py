"""Latency summaries: one target-day's hourly check counts and latency figures, packed into a few bytes.

Raw results are pruned after the retention period; what stays of their latency is, per UTC hour, the
number of checks and failures and, over the checks that measured a latency, min, mean, p50, p95 and max.
A day of them is stored as one value (``pack_day``), about 10 bytes an hour instead of a table row per hour.

The format (version 1): one version byte, three bytes naming the hours present (bit h of the 24-bit
little-endian number = hour h), then per present hour in order unsigned LEB128 varints: checks, failures,
then a form: 0 = no latency measured; 1 = mean and max only (hours converted from the old hourly rows,
which kept no more): mean, max - mean; 2 = measured count, min, mean - min, p50 - min, p95 - p50, max - p95.
Latencies are kept in units of 10 µs (0.01 ms): rounded once, exact from then on. p50 and p95 are
nearest-rank percentiles of the hour's measured latencies.

A host check's hour also keeps its resource use (CPU, memory and disk, percent: mean and peak) for the
quarterly report: the form byte then has bit 4 set, and after the latency figures follow the number of
results with metrics and six values (cpu mean, cpu peak, memory mean, memory peak, disk mean, disk peak),
each 0 when unknown or 1 + the value in units of 0.01 %.

Format 2 (issue 18; a day is written in whichever of formats 1 and 2 is shorter): the same version byte
and three bytes of hours, then the same integers of each hour (checks, failures, form, figures, resource
use) packed by column with ``measure.columns.pack_columns``: each figure as its difference from the
previous hour's, the whole compressed with raw DEFLATE. On bench_ingest's simulated year of minute checks
a day takes ~259 bytes instead of ~337 (23 % less).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from slatrack.measure.columns import pack_columns, unpack_columns

FORMAT_VERSION = 2  # the newest format; a day is written in the shorter of formats 1 and 2
HOURS = 24
# Stored latencies are integers of this many milliseconds.
UNIT_MS = 0.01

_NONE, _MEAN_MAX, _FULL = 0, 1, 2
_HOST = 4  # flag on the form byte: host resource use follows
# A host check's metrics as the agent and the probes name them, by the resource they measure.
HOST_METRICS = (("cpu", "cpu_percent"), ("memory", "memory_percent"), ("disk", "disk_percent"))
PERCENT_UNIT = 0.01


@dataclass(frozen=True, slots=True)
class HostHour:
    """An hour of a host check's resource use (percent): results with metrics, mean and peak of each."""

    samples: int
    cpu_avg: float | None = None
    cpu_max: float | None = None
    memory_avg: float | None = None
    memory_max: float | None = None
    disk_avg: float | None = None
    disk_max: float | None = None

    def values(self) -> tuple[float | None, ...]:
        return (self.cpu_avg, self.cpu_max, self.memory_avg, self.memory_max, self.disk_avg, self.disk_max)


def summarize_host(metrics: Iterable[Mapping[str, object]]) -> HostHour | None:
    """An hour's resource use from its results' metrics; None when no result carried a figure."""
    sums = {name: 0.0 for name, _ in HOST_METRICS}
    counts = {name: 0 for name, _ in HOST_METRICS}
    peaks: dict[str, float | None] = {name: None for name, _ in HOST_METRICS}
    samples = 0
    for item in metrics:
        counted = False
        for name, key in HOST_METRICS:
            value = item.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
                counted = True
                sums[name] += value
                counts[name] += 1
                peak = peaks[name]
                peaks[name] = float(value) if peak is None or value > peak else peak
        samples += counted
    if not samples:
        return None
    figures: list[float | None] = []
    for name, _ in HOST_METRICS:
        mean = sums[name] / counts[name] if counts[name] else None
        figures += [_percent(mean), _percent(peaks[name])]
    return HostHour(samples, *figures)


def _percent(value: float | None) -> float | None:
    """A percentage as it will be stored (0.01 % steps, never negative)."""
    return None if value is None else round(max(0, round(value / PERCENT_UNIT)) * PERCENT_UNIT, 2)


@dataclass(frozen=True, slots=True)
class HourLatency:
    """One hour of one target: checks, failures and the latency of the checks that measured one (ms)."""

    hour: int  # 0-23 of the UTC day
    checks: int
    failures: int
    measured: int | None = None  # checks with a latency; None when not known (converted hours)
    min_ms: float | None = None
    avg_ms: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    max_ms: float | None = None
    host: HostHour | None = None  # a host check's resource use in the hour


def _units(ms: float) -> int:
    return max(0, round(ms / UNIT_MS))


def _ms(units: int) -> float:
    return round(units * UNIT_MS, 2)


def _rank(ordered: Sequence[int], share: float) -> int:
    """Nearest-rank percentile of sorted values: the smallest value with at least ``share`` of them at or below."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summarize_hour(
    hour: int, checks: int, failures: int, latencies: Iterable[float], host: HostHour | None = None
) -> HourLatency:
    """An hour's summary from its results' counts and the latencies measured (in ms), as they will be stored."""
    ordered = sorted(_units(value) for value in latencies)
    if not ordered:
        return HourLatency(hour, checks, failures, 0, host=host)
    return HourLatency(
        hour,
        checks,
        failures,
        len(ordered),
        _ms(ordered[0]),
        _ms(round(sum(ordered) / len(ordered))),
        _ms(_rank(ordered, 0.50)),
        _ms(_rank(ordered, 0.95)),
        _ms(ordered[-1]),
        host,
    )


def _varint(value: int, out: bytearray) -> None:
    if value < 0:
        raise ValueError(f"a stored latency figure is negative: {value}")
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _hour_values(item: HourLatency) -> list[int]:
    """An hour's stored integers, in the order of format 1: checks, failures, form, then the form's figures."""
    flag = _HOST if item.host is not None else 0
    values = [item.checks, item.failures]
    if item.measured and None not in (item.min_ms, item.avg_ms, item.p50_ms, item.p95_ms, item.max_ms):
        low, mean, p50, p95, high = (
            _units(value)  # type: ignore[arg-type]
            for value in (item.min_ms, item.avg_ms, item.p50_ms, item.p95_ms, item.max_ms)
        )
        values += [_FULL | flag, item.measured, low, mean - low, p50 - low, p95 - p50, high - p95]
    elif item.avg_ms is not None and item.max_ms is not None:
        mean, high = _units(item.avg_ms), _units(item.max_ms)
        values += [_MEAN_MAX | flag, mean, high - mean]
    else:
        values.append(_NONE | flag)
    if item.host is not None:
        values.append(item.host.samples)
        values += [0 if figure is None else 1 + max(0, round(figure / PERCENT_UNIT)) for figure in item.host.values()]
    if any(value < 0 for value in values):
        raise ValueError(f"a stored latency figure is negative: {values}")
    return values


def pack_day(hours: Iterable[HourLatency], version: int | None = None) -> bytes:
    """One day's hours (at most one per hour 0-23) as the stored bytes: in format 2, or 1 when that is shorter
    (a day of a few hours; ``version`` forces one, e.g. 1 for the code before format 2)."""
    by_hour: dict[int, HourLatency] = {}
    for item in hours:
        if not 0 <= item.hour < HOURS or item.hour in by_hour:
            raise ValueError(f"hour {item.hour} is out of range or given twice")
        by_hour[item.hour] = item
    present = sum(1 << hour for hour in by_hour)
    records = [_hour_values(by_hour[hour]) for hour in sorted(by_hour)]
    mask = present.to_bytes(3, "little")
    if version not in (None, 1, 2):
        raise ValueError(f"unknown latency summary format {version}")
    columns = b"" if version == 1 else bytes([2, *mask]) + pack_columns(records)
    if version == 2:
        return columns
    out = bytearray([1, *mask])
    for record in records:
        for value in record:
            _varint(value, out)
    return bytes(out) if version == 1 or len(out) <= len(columns) else columns


def _read_hour(hour: int, read: Callable[[], int]) -> HourLatency:
    checks, failures, form = read(), read(), read()
    flag, form = form & _HOST, form & ~_HOST
    if form == _FULL:
        measured, low = read(), read()
        mean, p50 = low + read(), low + read()
        p95 = p50 + read()
        high = p95 + read()
        item = HourLatency(hour, checks, failures, measured, _ms(low), _ms(mean), _ms(p50), _ms(p95), _ms(high))
    elif form == _MEAN_MAX:
        mean = read()
        item = HourLatency(hour, checks, failures, None, avg_ms=_ms(mean), max_ms=_ms(mean + read()))
    else:
        item = HourLatency(hour, checks, failures, 0)
    if flag:
        samples = read()
        figures = [read() for _ in range(6)]
        host = HostHour(samples, *(None if v == 0 else round((v - 1) * PERCENT_UNIT, 2) for v in figures))
        item = replace(item, host=host)
    return item


def unpack_day(data: bytes) -> list[HourLatency]:
    """The hours stored in ``pack_day``'s bytes (either format), in hour order."""
    if not data or data[0] not in (1, 2):
        raise ValueError("unknown latency summary format")
    present = int.from_bytes(data[1:4], "little")
    hours_present = [hour for hour in range(HOURS) if present >> hour & 1]
    if data[0] == 2:
        hours: list[HourLatency] = []
        for hour, record in zip(hours_present, unpack_columns(data[4:], len(hours_present)), strict=True):
            values = iter(record)
            try:
                hours.append(_read_hour(hour, values.__next__))
            except StopIteration:
                raise ValueError("latency summary is truncated") from None
            if next(values, None) is not None:
                raise ValueError("latency summary has trailing bytes")
        return hours
    position = 4

    def read() -> int:
        nonlocal position
        value = shift = 0
        while True:
            byte = data[position]
            position += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7

    hours = [_read_hour(hour, read) for hour in hours_present]
    if position != len(data):
        raise ValueError("latency summary has trailing bytes")
    return hours


def merge_hours(
    stored: Sequence[HourLatency], replaced: Iterable[int], new: Mapping[int, HourLatency]
) -> list[HourLatency]:
    """A day's hours with the hours in ``replaced`` taken from ``new`` (absent there: dropped)."""
    gone = set(replaced)
    kept = {item.hour: item for item in stored if item.hour not in gone}
    kept.update({hour: item for hour, item in new.items() if hour in gone})
    return [kept[hour] for hour in sorted(kept)]
