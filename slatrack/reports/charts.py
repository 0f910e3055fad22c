"""Bar charts with Chinese labels, drawn off-screen (Agg) without touching matplotlib's global settings.

The Noto Sans CJK font file is registered with matplotlib's font manager once (so that the family name
resolves); everything else is set per drawing inside ``rc_context`` and on a private ``Figure``, never
through ``pyplot``, so nothing leaks into other code using matplotlib in the same process.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from pathlib import Path

from matplotlib import font_manager, rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

FONT_FAMILY = "Noto Sans CJK SC"
FONT_FILES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc"),
)
_LOCK = threading.Lock()
_registered = False
BAR_COLOR = "#2f6f9f"


def _register_font() -> None:
    global _registered
    with _LOCK:
        if _registered:
            return
        known = {entry.name for entry in font_manager.fontManager.ttflist}
        if FONT_FAMILY not in known:
            for path in FONT_FILES:
                if path.exists():
                    font_manager.fontManager.addfont(str(path))
                    break
        _registered = True


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    ylabel: str,
    *,
    percent: bool = False,
    ylim: tuple[float, float] | None = None,
    horizontal: bool = False,
) -> bytes:
    """A PNG bar chart; ``None`` values are drawn as missing (no bar, labelled 无数据)."""
    _register_font()
    with rc_context({"font.family": [FONT_FAMILY, "sans-serif"], "axes.unicode_minus": False, "font.size": 10}):
        height = 3.2 if not horizontal else max(2.6, 0.32 * len(labels) + 1.2)
        figure = Figure(figsize=(6.4, height), dpi=130)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        numbers = [0.0 if v is None else float(v) for v in values]
        positions = list(range(len(labels)))
        bars = (
            axes.barh(positions, numbers, color=BAR_COLOR)
            if horizontal
            else axes.bar(positions, numbers, color=BAR_COLOR, width=0.6)
        )
        texts = ["无数据" if v is None else (f"{float(v):.2f}%" if percent else f"{float(v):g}") for v in values]
        if ylim is not None and not horizontal:  # a fixed axis (availability: at most 100 %): labels inside the bars
            axes.bar_label(bars, labels=texts, label_type="center", fontsize=8, color="white")
        else:
            axes.bar_label(bars, labels=texts, padding=2, fontsize=8)
        if horizontal:
            axes.set_yticks(positions, labels=list(labels))
            axes.invert_yaxis()
            axes.set_xlabel(ylabel)
            top = max(numbers, default=0.0)
            axes.set_xlim(0, top * 1.18 + 1)
        else:
            axes.set_xticks(positions, labels=list(labels))
            axes.set_ylabel(ylabel)
            if ylim is not None:
                axes.set_ylim(*ylim)
            else:
                top = max(numbers, default=0.0)
                axes.set_ylim(0, top * 1.18 + 1)
        axes.set_title(title)
        axes.spines[["top", "right"]].set_visible(False)
        if not labels:
            axes.text(0.5, 0.5, "无数据", transform=axes.transAxes, ha="center", va="center", fontsize=14)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
