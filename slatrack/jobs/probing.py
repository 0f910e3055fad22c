"""In-process probing: the server checks its in_process targets itself, in one process at a time.

A ``ProbeRunner`` thread holds the "probes" lease (jobs/claims.py). While it holds it, a
``probes.scheduler.ProbeScheduler`` checks every active in_process target at its interval on a bounded
pool (a hanging target never delays the others; first runs are spread over the interval). Results are
queued and stored in batches, a batch being what arrives within ``flush_seconds`` of its first result (one
transaction per batch), through the same ingestion as the API (``ingest_results``). The lease is
renewed every few seconds; when it is lost the scheduler stops, and when the targets change they are
reloaded. Started by ``start_scheduler`` (``slatrack run`` and ``slatrack scheduler``), never by
create_app().
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from datetime import timedelta

from flask import Flask

from probes.result import CheckResult
from probes.scheduler import ProbeScheduler
from probes.spec import SpecError, TargetSpec
from slatrack.audit import acting_as
from slatrack.jobs import claims

log = logging.getLogger(__name__)

LEASE_NAME = "probes"
ACTOR = "job:probes"
# A batch that cannot be stored (database busy or down) is retried this many times, a second apart.
MAX_STORE_ATTEMPTS = 5


class ProbeRunner:
    def __init__(
        self,
        app: Flask,
        holder: str,
        *,
        renew_seconds: float = 5.0,
        lease_seconds: float = 20.0,
        flush_seconds: float = 2.0,
        batch_size: int = 500,
    ) -> None:
        self.app = app
        self.holder = holder
        self.renew_seconds = renew_seconds
        self.lease_ttl = timedelta(seconds=lease_seconds)
        self.flush_seconds = flush_seconds
        self.batch_size = batch_size
        self._results: queue.Queue[CheckResult] = queue.Queue()
        self._stop = threading.Event()
        self._scheduler: ProbeScheduler | None = None
        self._fingerprint: tuple[object, ...] | None = None
        self._lease_thread: threading.Thread | None = None
        self._writer_thread: threading.Thread | None = None
        self.stored = 0
        self._failures = 0

    @property
    def leading(self) -> bool:
        return self._scheduler is not None

    def start(self) -> None:
        self._stop.clear()
        self._lease_thread = threading.Thread(target=self._lease_loop, name="probe-lease", daemon=True)
        self._writer_thread = threading.Thread(target=self._writer_loop, name="probe-writer", daemon=True)
        self._writer_thread.start()
        self._lease_thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._lease_thread is not None:
            self._lease_thread.join()
        if self._writer_thread is not None:
            self._writer_thread.join()
        self._lease_thread = self._writer_thread = None

    # The sink of the ProbeScheduler: never touches the database itself.
    def collect(self, result: CheckResult) -> None:
        self._results.put(result)

    def _lease_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick()
            except Exception:
                log.exception("本机探测：租约续期失败")
                self._stop_scheduler()
            self._stop.wait(self.renew_seconds)
        self._stop_scheduler()
        with self.app.app_context():
            try:
                claims.release_lease(LEASE_NAME, self.holder)
            except Exception:
                log.exception("本机探测：无法释放租约")

    def _tick(self) -> None:
        with self.app.app_context(), acting_as(ACTOR):
            from slatrack.extensions import db

            try:
                held = claims.hold_lease(LEASE_NAME, self.holder, self.lease_ttl)
            except Exception:
                db.session.rollback()
                raise
            if not held:
                if self._scheduler is not None:
                    log.info("本机探测：租约已由其他进程持有，停止本机探测")
                self._stop_scheduler()
                return
            from slatrack.operations.monitoring.targets import active_in_process_fingerprint

            # The targets' rows as plain values first: the specs are rebuilt only when they changed.
            fingerprint = active_in_process_fingerprint()
            changed = self._scheduler is None or fingerprint != self._fingerprint
            specs = self._load_specs() if changed else []
            db.session.remove()
        if self._scheduler is None:
            log.info("本机探测：持有租约，检查 %d 个监测对象", len(specs))
            max_workers = int(self.app.config.get("PROBE_WORKERS", 16))
            self._scheduler = ProbeScheduler(specs, self.collect, max_workers=max_workers)
            self._scheduler.start()
            self._fingerprint = fingerprint
        elif changed:
            self._scheduler.replace_targets(specs)
            self._fingerprint = fingerprint

    def _load_specs(self) -> list[TargetSpec]:
        from slatrack.operations.monitoring.targets import active_in_process_targets, target_spec

        specs: list[TargetSpec] = []
        for target in active_in_process_targets():
            try:
                specs.append(target_spec(target))
            except SpecError as exc:
                log.error("监测对象 %s 无法检查：%s", target.name, exc)
        return specs

    def _stop_scheduler(self) -> None:
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.stop(wait_seconds=1.0)

    def _writer_loop(self) -> None:
        while True:
            batch: list[CheckResult] = []
            try:
                batch.append(self._results.get(timeout=self.flush_seconds))
            except queue.Empty:
                if self._stop.is_set() and (self._lease_thread is None or not self._lease_thread.is_alive()):
                    return
                continue
            # The results of one tick (what arrives within flush_seconds of the first) go in one transaction:
            # the ingestion's fixed cost (target lookup, locks, reads of the last segments, commit) is paid
            # once for all of them.
            closes = time.monotonic() + self.flush_seconds
            while len(batch) < self.batch_size and not self._stop.is_set():
                left = closes - time.monotonic()
                if left <= 0:
                    break
                try:
                    batch.append(self._results.get(timeout=left))
                except queue.Empty:
                    break
            self._store(batch)

    def _store(self, batch: list[CheckResult]) -> None:
        from slatrack.operations import OperationError
        from slatrack.operations.monitoring.ingest import ingest_results

        with self.app.app_context(), acting_as(ACTOR):
            from slatrack.extensions import db

            try:
                self.stored += ingest_results([result.to_payload() for result in batch]).accepted
            except OperationError as exc:
                db.session.rollback()
                # A target retired or renamed between the check and the write: store the others.
                log.warning("本机探测结果被拒绝（%s），逐条保存", exc.message)
                for result in batch:
                    try:
                        self.stored += ingest_results([result.to_payload()]).accepted
                    except OperationError:
                        db.session.rollback()
            except Exception:
                db.session.rollback()
                self._failures += 1
                if self._failures <= MAX_STORE_ATTEMPTS and not self._stop.is_set():
                    log.warning("本机探测结果 %d 条保存失败，稍后重试", len(batch), exc_info=True)
                    for result in batch:
                        self._results.put(result)
                    self._stop.wait(1.0)
                else:
                    log.exception("本机探测结果 %d 条无法保存，已丢弃", len(batch))
                    self._failures = 0
            else:
                self._failures = 0
            finally:
                db.session.remove()


def start_probing(app: Flask, holder: str) -> ProbeRunner:
    runner = ProbeRunner(app, holder)
    runner.start()
    return runner
