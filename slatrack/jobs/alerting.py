"""Alert jobs: the deadline alerts as a scheduled job (data, like the others), and the delivery worker.

The worker is a thread beside the scheduler, like the in-process probes: it sends only while it holds the
"alerts" lease, so with several schedulers exactly one sends. Every ``interval`` seconds it runs one
delivery pass (operations.notifications.delivery); a dead receiver only slows this thread, never a request,
an ingestion or a ticket write, which only add rows to the outbox.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from flask import Flask

from slatrack.audit import acting_as
from slatrack.jobs import claims
from slatrack.jobs.definitions import job

log = logging.getLogger(__name__)
LEASE_NAME = "alerts"


@job(
    "alert-deadlines",
    "到期提醒：工单时限、证书、备份、例行检查、季度报告、合同、预算（发往通知渠道）",
    timedelta(minutes=1),
)
def alert_deadlines() -> str:
    from slatrack.operations.notifications.deadlines import deadline_alerts

    counts = deadline_alerts()
    return "写入到期提醒：" + "，".join(f"{SOURCE_LABELS.get(name, name)} {count} 条" for name, count in counts.items())


SOURCE_LABELS = {
    "tickets": "工单时限",
    "tls": "证书",
    "backups": "备份",
    "inspections": "例行检查",
    "reports": "季度报告",
    "contracts": "合同",
    "budgets": "预算",
}


class AlertWorker:
    def __init__(self, app: Flask, holder: str, interval: float = 1.0, lease_seconds: float = 30.0) -> None:
        self.app = app
        self.holder = holder
        self.interval = interval
        self.lease_ttl = timedelta(seconds=lease_seconds)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="alert-delivery", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # keep the worker alive; the delivery log shows per-send failures
                log.exception("alert delivery pass failed")
            self._stop.wait(self.interval)
        with self.app.app_context():
            try:
                claims.release_lease(LEASE_NAME, self.holder)
            except Exception:
                log.exception("could not release the alerts lease")

    def run_once(self) -> str | None:
        """One pass if this process holds the lease; returns its summary, or None when another one sends."""
        from slatrack.extensions import db
        from slatrack.operations.notifications.delivery import deliver_pending

        with self.app.app_context(), acting_as("job:alert-delivery"):
            try:
                if not claims.hold_lease(LEASE_NAME, self.holder, self.lease_ttl):
                    return None
                return str(deliver_pending())
            finally:
                db.session.remove()


def start_alert_worker(app: Flask, holder: str) -> AlertWorker:
    worker = AlertWorker(app, holder)
    worker.start()
    return worker
