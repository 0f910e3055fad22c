"""How a page names the period it shows: "本季度" / "本年度" only for the quarter and year it is now (in the
configured zone), else the period's own name ("2025年第4季度", "2025年度"), so a past quarter is never called
this quarter."""

from __future__ import annotations

from datetime import datetime

from slatrack.clock import local_zone


def quarter_name(label: str) -> str:
    """``2025Q4`` → ``2025年第4季度``."""
    year, _, quarter = label.partition("Q")
    return f"{year}年第{quarter}季度"


def quarter_words(label: str, now: datetime) -> str:
    """``本季度`` when ``label`` (``2025Q4``) is the quarter ``now`` falls in, else the quarter's name."""
    local = now.astimezone(local_zone())
    current = f"{local.year}Q{(local.month - 1) // 3 + 1}"
    return "本季度" if label == current else quarter_name(label)


def year_words(year: int, now: datetime) -> str:
    """``本年度`` when ``year`` is the year ``now`` falls in, else ``2025年度``."""
    return "本年度" if now.astimezone(local_zone()).year == year else f"{year}年度"
