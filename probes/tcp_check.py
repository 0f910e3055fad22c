"""The tcp checker: can a connection to host:port be opened, and how fast."""

from __future__ import annotations

import socket
import time

from probes.result import CheckResult, utc_now
from probes.spec import TargetSpec


def check_tcp(spec: TargetSpec) -> CheckResult:
    assert spec.host is not None and spec.port is not None
    observed_at = utc_now()
    started = time.monotonic()
    address = f"{spec.host}:{spec.port}"
    try:
        with socket.create_connection((spec.host, spec.port), timeout=spec.timeout_seconds):
            latency_ms = (time.monotonic() - started) * 1000
    except TimeoutError:
        return CheckResult(spec.name, observed_at, False, None, f"连接 {address} 超时（{spec.timeout_seconds:g} 秒）")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return CheckResult(spec.name, observed_at, False, None, f"无法连接 {address}：{reason}")
    return CheckResult(spec.name, observed_at, True, latency_ms, f"已连接 {address}，{latency_ms:.1f} ms")
