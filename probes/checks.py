"""One entry point for every kind: ``check(spec)`` never raises."""

from __future__ import annotations

import logging
from collections.abc import Callable

from probes.backup_check import check_backup
from probes.host_check import check_host
from probes.http_check import check_http
from probes.result import CheckResult, utc_now
from probes.spec import TargetSpec
from probes.tcp_check import check_tcp

log = logging.getLogger(__name__)

CHECKERS: dict[str, Callable[[TargetSpec], CheckResult]] = {
    "http": check_http,
    "tcp": check_tcp,
    "host": check_host,
    "backup": check_backup,
}


def check(spec: TargetSpec) -> CheckResult:
    """Check one target once; any error becomes a failed result."""
    observed_at = utc_now()
    checker = CHECKERS.get(spec.kind)
    if checker is None:
        return CheckResult(spec.name, observed_at, False, None, f"{spec.kind} 类型不由探针检查（由服务器接收推送）")
    try:
        return checker(spec)
    except Exception as exc:
        log.exception("checker for %s raised", spec.name)
        return CheckResult(spec.name, observed_at, False, None, f"检查出错：{type(exc).__name__}: {exc}"[:300])
