"""The record every checker returns, and its wire form for POST /api/v1/probe-results."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_sample_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class CheckResult:
    """One observation of one target.

    ``observed_at`` is when the check started (aware, UTC); ``latency_ms`` is None when there is
    no meaningful latency (no answer at all, or a kind without one).
    """

    target: str
    observed_at: datetime
    ok: bool
    latency_ms: float | None
    detail: str
    sample_id: str = field(default_factory=new_sample_id)
    metrics: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.observed_at.tzinfo is None:
            raise ValueError("observed_at must be timezone-aware")

    def to_payload(self) -> dict[str, Any]:
        """The JSON item the server's probe-results endpoint takes."""
        return {
            "target": self.target,
            "observed_at": self.observed_at.astimezone(UTC).isoformat(),
            "ok": self.ok,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 3),
            "detail": self.detail,
            "sample_id": self.sample_id,
            "metrics": dict(self.metrics),
        }
