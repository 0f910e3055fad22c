"""Checks every target at its interval on a bounded thread pool.

A target never has two checks in flight: when its next run comes while the previous check is
still running, that run is skipped. A check that outlives its timeout (plus a grace period) is
reported as failed at once, so a hung checker still yields evidence; its late result is dropped.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from probes.checks import check
from probes.result import CheckResult, utc_now
from probes.spec import TargetSpec

log = logging.getLogger(__name__)

Sink = Callable[[CheckResult], None]

# First runs are spread over the interval in whole ticks of this length (see ProbeScheduler._first_run).
TICK_SECONDS = 1.0
# How long past its own timeout a check may run before the scheduler gives up on it.
OVERRUN_GRACE_SECONDS = 2.0


@dataclass
class _Flight:
    """One check in progress. ``overrun``: reported as failed already; ``finishing``: delivering."""

    spec: TargetSpec
    launched_at: datetime
    deadline: float
    overrun: bool = False
    finishing: bool = False


@dataclass(frozen=True)
class SchedulerStats:
    started: int
    skipped: int
    overruns: int


class ProbeScheduler:
    def __init__(
        self,
        targets: Iterable[TargetSpec],
        sink: Sink,
        max_workers: int = 16,
        *,
        spread_first_runs: bool = True,
        tick_seconds: float = TICK_SECONDS,
        rng: random.Random | None = None,
        checker: Callable[[TargetSpec], CheckResult] = check,
        overrun_grace: float = OVERRUN_GRACE_SECONDS,
    ) -> None:
        self._sink = sink
        self._checker = checker
        self._overrun_grace = overrun_grace
        self._max_workers = max_workers
        self._spread = spread_first_runs
        self._tick = tick_seconds
        self._rng = rng or random.Random()
        self._lock = threading.Condition()
        self._targets: dict[str, TargetSpec] = {}
        self._queue: list[tuple[float, int, str]] = []
        self._due: dict[str, tuple[float, int]] = {}
        self._seq = itertools.count()
        self._flights: dict[str, _Flight] = {}
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._started = self._skipped = self._overruns = 0
        self.replace_targets(targets)

    @property
    def stats(self) -> SchedulerStats:
        with self._lock:
            return SchedulerStats(self._started, self._skipped, self._overruns)

    def start(self) -> None:
        with self._lock:
            if self._thread is not None:
                raise RuntimeError("scheduler already started")
            self._stopping = False
            self._pool = ThreadPoolExecutor(self._max_workers, thread_name_prefix="probe-check")
            self._thread = threading.Thread(target=self._run, name="probe-scheduler", daemon=True)
            self._thread.start()

    def stop(self, wait_seconds: float = 0.0) -> None:
        """Stop scheduling; wait up to ``wait_seconds`` for checks in flight to deliver their results."""
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
            thread, pool = self._thread, self._pool
            self._thread = self._pool = None
        if thread is not None:
            thread.join()
        end = time.monotonic() + wait_seconds
        with self._lock:
            while self._flights and time.monotonic() < end:
                self._lock.wait(end - time.monotonic())
            # Whatever is still running now is abandoned: its result will not be delivered.
            self._flights.clear()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def replace_targets(self, targets: Iterable[TargetSpec]) -> None:
        """Swap the target list; unchanged targets keep their place in the schedule."""
        new = {spec.name: spec for spec in targets}
        now = time.monotonic()
        with self._lock:
            for name, spec in new.items():
                old = self._targets.get(name)
                due = self._due.get(name)
                if old is None or due is None:
                    first = self._first_run(now, spec.interval_seconds)
                    self._schedule(name, first)
                elif old.interval_seconds != spec.interval_seconds:
                    self._schedule(name, min(due[0], now + spec.interval_seconds))
            for name in set(self._due) - set(new):
                del self._due[name]  # its heap entries become stale and are skipped
            self._targets = new
            self._lock.notify_all()

    def _first_run(self, now: float, interval: float) -> float:
        """When a new target is first checked: a random whole tick within its first interval (on a grid of
        ticks shared by all targets), so the checks due in one tick run together and the threads wake once
        for them instead of once per check; an interval shorter than two ticks is spread evenly."""
        if not self._spread:
            return now
        slots = int(interval // self._tick) if self._tick > 0 else 0
        if slots < 2:
            return now + self._rng.uniform(0, interval)
        grid = math.ceil(now / self._tick) * self._tick
        return grid + self._rng.randrange(slots) * self._tick

    def _schedule(self, name: str, when: float) -> None:
        seq = next(self._seq)
        self._due[name] = (when, seq)
        heapq.heappush(self._queue, (when, seq, name))

    def _run(self) -> None:
        with self._lock:
            while not self._stopping:
                now = time.monotonic()
                self._report_overruns(now)
                while self._queue and self._queue[0][0] <= now:
                    when, seq, name = heapq.heappop(self._queue)
                    if self._due.get(name) != (when, seq):
                        continue
                    spec = self._targets[name]
                    # Fixed rate; after a long stall start again from now rather than firing a burst.
                    following = when + spec.interval_seconds
                    self._schedule(name, following if following > now else now + spec.interval_seconds)
                    self._launch(spec, now)
                wake = [self._queue[0][0]] if self._queue else []
                wake += [f.deadline for f in self._flights.values() if not (f.overrun or f.finishing)]
                timeout = max(0.0, min(wake) - time.monotonic()) if wake else None
                self._lock.wait(timeout)

    def _launch(self, spec: TargetSpec, now: float) -> None:
        flight = self._flights.get(spec.name)
        if flight is not None and flight.overrun:
            # Still hung long after its timeout: every run that cannot start counts as a failure,
            # otherwise a checker stuck for good would leave only unknown time behind.
            self._overruns += 1
            self._deliver_detached(CheckResult(spec.name, utc_now(), False, None, "上一次检查超时后仍未返回"))
            return
        if flight is not None:
            self._skipped += 1
            log.debug("skipping %s: previous check still running", spec.name)
            return
        assert self._pool is not None
        flight = _Flight(spec, utc_now(), now + spec.timeout_seconds + self._overrun_grace)
        self._flights[spec.name] = flight
        self._started += 1
        self._pool.submit(self._execute, flight)

    def _execute(self, flight: _Flight) -> None:
        result = self._checker(flight.spec)
        name = flight.spec.name
        with self._lock:
            # Not delivered when already reported as overrun, or abandoned by stop().
            deliver = not flight.overrun and self._flights.get(name) is flight
            flight.finishing = True
        if deliver:
            self._deliver(result)
        else:
            log.info("dropping late result of %s", name)
        with self._lock:
            # Only now is the target free again, so stop() can wait for the sink call to end.
            if self._flights.get(name) is flight:
                del self._flights[name]
            self._lock.notify_all()

    def _report_overruns(self, now: float) -> None:
        for flight in self._flights.values():
            if flight.overrun or flight.finishing or now < flight.deadline:
                continue
            flight.overrun = True
            self._overruns += 1
            spec = flight.spec
            detail = f"检查在 {spec.timeout_seconds:g} 秒超时后仍未返回"
            log.warning("check of %s overran its timeout", spec.name)
            self._deliver_detached(CheckResult(spec.name, flight.launched_at, False, None, detail))

    def _deliver_detached(self, result: CheckResult) -> None:
        # Called with the lock held; the sink may be slow (disk, database), so deliver from elsewhere.
        threading.Thread(target=self._deliver, args=(result,), daemon=True).start()

    def _deliver(self, result: CheckResult) -> None:
        try:
            self._sink(result)
        except Exception:
            log.exception("sink failed to store the result of %s", result.target)
