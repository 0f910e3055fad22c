"""Records of small non-negative integers packed by column: the n-th values of all records together.

Used for a day of latency summaries (measure/latency.py, format 2): the same figure of consecutive hours
(checks, failures, min, p95 - p50, ...) is close from hour to hour, so each column is written as
differences from the value above it (zigzag varints), and the whole is compressed with raw DEFLATE
(zlib, no header). Records may have different lengths; their lengths are written first, as a column.

The layout, before compression: the records' lengths as varints, then for k = 0, 1, ... the k-th value
of every record longer than k, in record order, each as the zigzag varint of its difference from the
previous such value of column k (the first from 0).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

_WBITS = -15  # raw DEFLATE: no zlib header or checksum (the row's few bytes do not need them)
_LEVEL = 9


def _varint(value: int, out: bytearray) -> None:
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def pack_columns(records: Sequence[Sequence[int]]) -> bytes:
    """The records (lists of integers >= 0) packed column by column and compressed."""
    out = bytearray()
    for record in records:
        _varint(len(record), out)
    width = max((len(record) for record in records), default=0)
    for column in range(width):
        previous = 0
        for record in records:
            if len(record) > column:
                value = record[column]
                if value < 0:
                    raise ValueError(f"a packed value is negative: {value}")
                delta = value - previous
                _varint(delta * 2 if delta >= 0 else -delta * 2 - 1, out)
                previous = value
    compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, _WBITS)
    return compressor.compress(bytes(out)) + compressor.flush()


def unpack_columns(data: bytes, count: int) -> list[list[int]]:
    """The ``count`` records packed by ``pack_columns``; ValueError when the bytes are not that."""
    try:
        decompressor = zlib.decompressobj(_WBITS)
        raw = decompressor.decompress(data) + decompressor.flush()
    except zlib.error as error:
        raise ValueError(f"packed columns cannot be read: {error}") from error
    if not decompressor.eof or decompressor.unused_data:
        raise ValueError("packed columns are truncated or have trailing bytes")
    values: list[int] = []
    value = shift = 0
    for byte in raw:
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            values.append(value)
            value = shift = 0
        else:
            shift += 7
    if shift:
        raise ValueError("packed columns are truncated")
    lengths = values[:count]
    if len(lengths) < count:
        raise ValueError("packed columns are truncated")
    if sum(lengths) != len(values) - count:
        raise ValueError("packed columns are truncated or have trailing bytes")
    records: list[list[int]] = [[] for _ in range(count)]
    position = count
    for column in range(max(lengths, default=0)):
        previous = 0
        for length, record in zip(lengths, records, strict=True):
            if length > column:
                coded = values[position]
                position += 1
                previous += -((coded + 1) >> 1) if coded & 1 else coded >> 1
                record.append(previous)
    return records
