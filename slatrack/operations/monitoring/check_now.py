"""立即检查: one check of a target, run now by the server with the probes' own checkers.

A target the server checks itself (``in_process``) is checked as the probe runner would check it; while
it is active (not paused, not retired) the result is stored through the same ingestion as every other
result, so it is evidence and appears among the recent results. A paused target is checked but the result
is not stored (a paused target is not measured). A push target's results are heartbeats and a remote
agent's results come from the agent's own network: the server does not check those, and says so.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime

from slatrack import audit
from slatrack.extensions import db
from slatrack.models import Target, utcnow
from slatrack.operations import Conflict
from slatrack.operations.monitoring.ingest import ingest_results
from slatrack.operations.monitoring.targets import target_spec

# A check made while a person waits never takes longer than this, whatever the target's own timeout.
MAX_WAIT_SECONDS = 30.0


@dataclass(frozen=True)
class CheckOutcome:
    ok: bool
    observed_at: datetime
    latency_ms: float | None
    detail: str
    stored: bool


def not_checked_here(target: Target) -> str | None:
    """Why the server does not check this target itself (None when it does)."""
    if target.kind == "push":
        return "心跳推送类型的结果来自被监测系统自己发送的心跳，服务器不主动检查；请查看最近的探测结果。"
    if not target.in_process:
        return "该对象由远程探针检查，结果来自探针所在网络；服务器不代为检查，请查看探针最近发来的结果。"
    return None


def check_now(target: Target) -> CheckOutcome:
    """Check ``target`` once now; store the result when the target is active. Audited."""
    reason = not_checked_here(target)
    if reason is not None:
        raise Conflict(reason)
    if target.retired_at is not None and target.retired_at <= utcnow():
        raise Conflict("已停用的监测对象不再检查")
    from probes.checks import check  # loads the checkers (requests) only when a check is made

    spec = target_spec(target)
    if spec.timeout_seconds > MAX_WAIT_SECONDS:
        spec = dataclasses.replace(spec, timeout_seconds=MAX_WAIT_SECONDS)
    result = check(spec)
    stored = not target.paused
    if stored:
        item = {
            "target": target.id,
            "observed_at": result.observed_at.isoformat(),
            "ok": result.ok,
            "latency_ms": result.latency_ms,
            "detail": result.detail,
            "sample_id": f"now-{target.id}-{uuid.uuid4().hex}",
            "metrics": dict(result.metrics) or None,
        }
        ingest_results([item], commit=False)
    audit.record(
        "check_now",
        object_type="targets",
        object_id=str(target.id),
        outcome="success" if result.ok else "failure",
        detail=("" if stored else "（已暂停，结果未记录）") + result.detail[:200],
    )
    db.session.commit()
    return CheckOutcome(result.ok, result.observed_at, result.latency_ms, result.detail, stored)
