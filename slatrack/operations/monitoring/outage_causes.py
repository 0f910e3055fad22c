"""An outage's cause (原因) and handling (处理情况): what the quarterly report lists for it.

A probe outage opens without either; the vendor or the bureau enters both afterwards (page or API). A
quarterly report whose outages lack them lists those under "待补充" and cannot be submitted
(operations/figures/report_checks.py).
"""

from __future__ import annotations

from slatrack import textsafety
from slatrack.extensions import db
from slatrack.models import Outage
from slatrack.operations import OperationError


def set_cause(outage: Outage, *, cause: str, handling: str) -> Outage:
    """Record (or correct) why the outage happened and what was done; both are required."""
    cause, handling = (cause or "").strip(), (handling or "").strip()
    problems: dict[str, str] = {}
    if not cause:
        problems["cause"] = "请填写停机原因"
    if not handling:
        problems["handling"] = "请填写处理情况"
    for name, value in (("cause", cause), ("handling", handling)):
        if len(value) > textsafety.TEXT_MAX:
            problems[name] = f"不能超过 {textsafety.TEXT_MAX} 个字"
    if problems:
        raise OperationError("；".join(problems.values()), fields=problems)
    outage.cause, outage.handling = cause, handling
    db.session.commit()
    return outage
