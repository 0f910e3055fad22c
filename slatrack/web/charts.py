"""Charts drawn on the server as inline SVG: readable without JavaScript, printable, and accessible.

Every chart is an ``<svg role="img">`` with an ``aria-label`` summing it up, a ``<title>`` per mark for
tooltips, and its values written as text beside the marks, so nothing depends on hovering or scripts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

OK_COLOUR = "#1e7d32"
BAD_COLOUR = "#b3261e"
WARN_COLOUR = "#a15c00"
BAR_COLOUR = "#0b5cad"
GRID_COLOUR = "#d9e2ec"
TEXT_COLOUR = "#1f2933"
MUTED_COLOUR = "#52606d"
FONT = 'font-family="Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"'


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    text: str = ""  # the value as shown; defaults to the number
    colour: str = BAR_COLOUR


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def horizontal_bars(bars: Sequence[Bar], *, title: str, unit: str = "", label_width: int = 96) -> Markup:
    """One bar per row, its label at the left and its value at the end of the bar."""
    row, width = 26, 440
    height = max(row * len(bars), row) + 8
    top = max((bar.value or 0.0 for bar in bars), default=0.0) or 1.0
    span = width - label_width - 70
    summary = "；".join(f"{bar.label} {bar.text or _fmt(bar.value or 0)}{unit}" for bar in bars) or "无数据"
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{escape(title)}：{escape(summary)}" {FONT} font-size="13">'
    ]
    if not bars:
        parts.append(f'<text x="8" y="20" fill="{MUTED_COLOUR}">无数据</text>')
    for index, bar in enumerate(bars):
        y = 4 + index * row
        value = bar.value or 0.0
        length = max(value / top * span, 1.0 if bar.value else 0.0)
        shown = bar.text or (_fmt(value) + unit)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 17}" text-anchor="end" fill="{TEXT_COLOUR}">'
            f"{escape(bar.label)}</text>"
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row - 10}" rx="2" fill="{bar.colour}">'
            f"<title>{escape(bar.label)}：{escape(shown)}</title></rect>"
            f'<text x="{label_width + length + 6:.1f}" y="{y + 17}" fill="{TEXT_COLOUR}">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def availability_columns(
    points: Sequence[tuple[str, float | None]], *, title: str, floor: float = 95.0, goal: float | None = None
) -> Markup:
    """Columns of availability in percent between ``floor`` and 100, with an optional goal line.

    A month without data shows a grey stub labelled 无数据; one below the floor is drawn at the floor, in red.
    """
    width, height, left, bottom, top_pad = 440, 200, 44, 28, 22
    plot_h = height - bottom - top_pad
    slot = (width - left - 8) / max(len(points), 1)
    low = min([floor, *[(p or 100.0) for _, p in points]])
    low = max(0.0, min(low, floor))

    def y_of(value: float) -> float:
        return top_pad + (100.0 - value) / (100.0 - low) * plot_h if low < 100 else top_pad

    summary = "；".join(f"{label} {'无数据' if value is None else f'{value:.2f}%'}" for label, value in points)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{escape(title)}：{escape(summary)}" {FONT} font-size="12">'
    ]
    for tick in (low, (low + 100) / 2, 100.0):
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" x2="{width - 4}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID_COLOUR}"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED_COLOUR}">{_fmt(tick)}%</text>'
        )
    if goal is not None and low <= goal <= 100:
        y = y_of(goal)
        parts.append(
            f'<line x1="{left}" x2="{width - 4}" y1="{y:.1f}" y2="{y:.1f}" stroke="{WARN_COLOUR}" '
            f'stroke-dasharray="5 4"><title>目标 {_fmt(goal)}%</title></line>'
        )
    for index, (label, value) in enumerate(points):
        x = left + index * slot + slot * 0.2
        bar_w = slot * 0.6
        centre = x + bar_w / 2
        if value is None:
            parts.append(
                f'<rect x="{x:.1f}" y="{height - bottom - 4}" width="{bar_w:.1f}" height="4" fill="{GRID_COLOUR}"/>'
                f'<text x="{centre:.1f}" y="{height - bottom - 10}" text-anchor="middle" '
                f'fill="{MUTED_COLOUR}">无数据</text>'
            )
        else:
            y = y_of(max(value, low))
            colour = OK_COLOUR if goal is None or value >= goal else BAD_COLOUR
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{height - bottom - y:.1f}" '
                f'fill="{colour}"><title>{escape(label)}：{value:.2f}%</title></rect>'
                f'<text x="{centre:.1f}" y="{y - 5:.1f}" text-anchor="middle" fill="{TEXT_COLOUR}">{value:.2f}%</text>'
            )
        parts.append(
            f'<text x="{centre:.1f}" y="{height - 8}" text-anchor="middle" fill="{TEXT_COLOUR}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
