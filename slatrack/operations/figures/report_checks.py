"""What a quarterly report must hold before it can be marked submitted (issue 13).

A submitted report is what the bureau files, so it never carries a gap: the texts people write — 存在的问题
and 下季度工作计划 — must be there. ``missing_texts`` names what is missing (in Chinese, for the page and the
API's error); ``require_complete`` refuses the submission with that list and changes nothing.
"""

from __future__ import annotations

from slatrack.models import Report
from slatrack.operations import OperationError

REQUIRED_TEXTS = (("problems", "存在的问题"), ("next_plan", "下季度工作计划"))


def missing_texts(report: Report) -> dict[str, str]:
    """Field name → label of every required text still empty."""
    return {name: label for name, label in REQUIRED_TEXTS if not (getattr(report, name) or "").strip()}


def require_complete(report: Report) -> None:
    missing = missing_texts(report)
    if missing:
        raise OperationError(
            f"{report.period} 季度报告尚缺：{'、'.join(missing.values())}，填写后才能提交",
            fields=dict.fromkeys(missing, "提交前必须填写"),
        )
