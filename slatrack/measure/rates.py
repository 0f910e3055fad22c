"""Percentages and two-decimal rounding shared by the figure modules.

A rate whose denominator is zero is ``None``: "no data" must never read as 0 % or 100 %.
Rounding is half-up on the decimal representation (what a person doing it by hand expects),
not Python's binary round-half-even.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_CENT = Decimal("0.01")


def round2(value: float) -> float:
    """Round to two decimals, half up (89.995 -> 90.0, 2.675 -> 2.68)."""
    return float(Decimal(repr(value)).quantize(_CENT, rounding=ROUND_HALF_UP))


def percent(numerator: float, denominator: float) -> float | None:
    """``numerator / denominator × 100`` rounded to two decimals; ``None`` when the denominator is zero."""
    if denominator == 0:
        return None
    return round2(numerator / denominator * 100)
