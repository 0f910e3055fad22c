"""The remote agent: check targets, spool every result durably, send them in batches."""

from __future__ import annotations

import logging
import random
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from probes.checks import check
from probes.delivery import FlushReport, Uploader, flush
from probes.result import CheckResult
from probes.scheduler import ProbeScheduler
from probes.spec import TargetSpec
from probes.spool import Spool

log = logging.getLogger(__name__)

# On shutdown: how long checks in flight may still finish, and how long the last send may take.
SHUTDOWN_CHECK_WAIT_SECONDS = 3.0
SHUTDOWN_FLUSH_SECONDS = 10.0
FIRST_BACKOFF_SECONDS = 1.0
STOP_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class AgentSettings:
    server: str
    token: str
    spool_path: Path
    batch_size: int = 100
    flush_interval: float = 5.0
    max_backoff: float = 60.0
    max_workers: int = 16


class SpoolInUseError(RuntimeError):
    pass


def lock_spool(path: Path) -> IO[str]:
    """Hold an exclusive lock beside the spool for the agent's lifetime (released by the OS on any exit).

    POSIX takes ``flock``; Windows locks the file's first byte with ``msvcrt``. Either way a second agent
    on the same spool is refused at once instead of waiting."""
    handle = open(f"{path}.lock", "a+")  # noqa: SIM115 - kept open on purpose: the open file is the lock
    try:
        _lock_exclusive(handle)
    except OSError:
        handle.close()
        raise SpoolInUseError(f"另一个探针代理正在使用 {path}") from None
    return handle


if sys.platform == "win32":
    import msvcrt

    def _lock_exclusive(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _lock_exclusive(handle: IO[str]) -> None:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


class Agent:
    def __init__(self, targets: list[TargetSpec], settings: AgentSettings, spool: Spool) -> None:
        self._targets = targets
        self._settings = settings
        self._spool = spool
        self._uploader = Uploader(settings.server, settings.token, timeout=SHUTDOWN_FLUSH_SECONDS)
        self._wake = threading.Event()
        self._stop_requested = False
        self._unsent = 0
        self._counter_lock = threading.Lock()

    def request_stop(self) -> None:
        """Safe in a signal handler: only sets a flag. Setting an Event there could deadlock, since
        the handler runs in the main thread, possibly while that thread holds the Event's lock."""
        self._stop_requested = True

    def _stopping(self) -> bool:
        return self._stop_requested

    def store(self, result: CheckResult) -> None:
        """The scheduler's sink: commit to disk first; wake the sender when a batch is full."""
        self._spool.add(result)
        with self._counter_lock:
            self._unsent += 1
            full = self._unsent >= self._settings.batch_size
        if full:
            self._wake.set()

    def run(self) -> int:
        scheduler = ProbeScheduler(self._targets, self.store, max_workers=self._settings.max_workers)
        scheduler.start()
        log.info("agent started: %d targets, server %s", len(self._targets), self._uploader.url)
        try:
            self._send_loop()
        finally:
            scheduler.stop(wait_seconds=SHUTDOWN_CHECK_WAIT_SECONDS)
        self._final_flush()
        return 0  # a clean stop; whatever is unsent stays in the spool for the next run

    def run_once(self) -> int:
        """Check every target once, send, and exit; 0 when everything was delivered."""
        with ThreadPoolExecutor(self._settings.max_workers) as pool:
            for result in pool.map(check, self._targets):
                self._spool.add(result)
        return self._final_flush()

    def _send_loop(self) -> None:
        backoff = 0.0
        next_attempt = time.monotonic()  # leftovers from an earlier run go out right away
        while not self._stop_requested:
            # Short slices, so a stop request is seen quickly (see request_stop).
            self._wake.wait(min(STOP_POLL_SECONDS, max(0.0, next_attempt - time.monotonic())))
            if self._stop_requested:
                break
            now = time.monotonic()
            if now < next_attempt and (backoff > 0 or not self._wake.is_set()):
                self._wake.clear()  # a full batch cuts the flush interval short, not a backoff
                continue
            self._wake.clear()
            if self._flush(None, interrupt=self._stopping).drained:
                backoff = 0.0
                next_attempt = time.monotonic() + self._settings.flush_interval
            else:
                backoff = min(self._settings.max_backoff, max(FIRST_BACKOFF_SECONDS, backoff * 2))
                next_attempt = time.monotonic() + backoff * random.uniform(0.8, 1.2)
                log.info("retrying in %.1f s; %d results waiting", backoff, self._spool.pending_count())

    def _flush(self, deadline: float | None, interrupt: Callable[[], bool] | None = None) -> FlushReport:
        with self._counter_lock:
            self._unsent = 0
        report = flush(self._spool, self._uploader, self._settings.batch_size, deadline, interrupt)
        if report.dead_lettered:
            log.error("%d results refused by the server were moved to dead_letters", report.dead_lettered)
        return report

    def _final_flush(self) -> int:
        report = self._flush(time.monotonic() + SHUTDOWN_FLUSH_SECONDS)
        self._uploader.close()
        pending = self._spool.pending_count()
        if pending:
            log.warning("stopping with %d unsent results kept in %s", pending, self._settings.spool_path)
        else:
            log.info("stopping; every result delivered")
        return 0 if report.drained else 1
