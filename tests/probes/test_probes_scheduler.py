"""ProbeScheduler: intervals, a hanging target that costs the others nothing, overruns, jitter."""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict

from conftest import make_spec
from probe_servers import HangingServer, ServerThread

from probes.result import CheckResult, utc_now
from probes.scheduler import ProbeScheduler
from probes.spec import TargetSpec


class Recorder:
    def __init__(self) -> None:
        self.results: list[tuple[float, CheckResult]] = []
        self.lock = threading.Lock()

    def __call__(self, result: CheckResult) -> None:
        with self.lock:
            self.results.append((time.monotonic(), result))

    def times(self, target: str) -> list[float]:
        with self.lock:
            return [at for at, result in self.results if result.target == target]

    def of(self, target: str) -> list[CheckResult]:
        with self.lock:
            return [result for _, result in self.results if result.target == target]


def spec(name: str, **fields: object) -> TargetSpec:
    return make_spec(**{**fields, "name": name})


def test_hanging_target_does_not_delay_others(web: ServerThread) -> None:
    hanging = HangingServer()
    fast = [
        spec(f"fast-{i}", kind="http", url=web.url + "/", interval_seconds=0.2, timeout_seconds=2) for i in range(3)
    ]
    slow = spec(
        "hanging", kind="http", url=f"http://127.0.0.1:{hanging.port}/", interval_seconds=0.3, timeout_seconds=1
    )
    recorder = Recorder()
    scheduler = ProbeScheduler([*fast, slow], recorder, max_workers=4, spread_first_runs=False)
    started = time.monotonic()
    scheduler.start()
    time.sleep(2.5)
    scheduler.stop()
    hanging.close()
    for target in fast:
        times = recorder.times(target.name)
        assert len(times) >= 8, (target.name, len(times))
        gaps = [later - earlier for earlier, later in zip([started, *times], times, strict=False)]
        assert max(gaps) < 0.8, gaps  # never held up by the hanging check (its timeout is 1 s)
        assert all(result.ok for result in recorder.of(target.name))
    hung = recorder.of("hanging")
    assert 1 <= len(hung) <= 3 and not any(result.ok for result in hung)
    assert all("超时" in result.detail for result in hung)
    assert scheduler.stats.skipped >= 2  # runs that came due while its check was in flight


def test_never_two_checks_of_one_target_in_flight() -> None:
    active: dict[str, int] = defaultdict(int)
    peak: dict[str, int] = defaultdict(int)
    lock = threading.Lock()

    def slow_checker(target: TargetSpec) -> CheckResult:
        with lock:
            active[target.name] += 1
            peak[target.name] = max(peak[target.name], active[target.name])
        time.sleep(0.25)
        with lock:
            active[target.name] -= 1
        return CheckResult(target.name, utc_now(), True, 1.0, "ok")

    targets = [spec(f"t{i}", kind="host", interval_seconds=0.05, timeout_seconds=5) for i in range(3)]
    recorder = Recorder()
    scheduler = ProbeScheduler(targets, recorder, max_workers=8, checker=slow_checker, spread_first_runs=False)
    scheduler.start()
    time.sleep(1.1)
    scheduler.stop(wait_seconds=1)
    assert dict(peak) == {"t0": 1, "t1": 1, "t2": 1}
    assert all(3 <= len(recorder.of(target.name)) <= 5 for target in targets)
    assert scheduler.stats.skipped > 20


def test_check_that_never_returns_is_reported_failed() -> None:
    release = threading.Event()
    returned: list[CheckResult] = []

    def stuck_checker(target: TargetSpec) -> CheckResult:
        release.wait(10)
        result = CheckResult(target.name, utc_now(), True, 1.0, "answered")
        returned.append(result)
        return result

    target = spec("stuck", kind="host", interval_seconds=0.3, timeout_seconds=0.2)
    recorder = Recorder()
    scheduler = ProbeScheduler([target], recorder, checker=stuck_checker, spread_first_runs=False, overrun_grace=0.1)
    scheduler.start()
    time.sleep(1.0)
    while_stuck = recorder.of("stuck")
    release.set()
    time.sleep(0.5)
    scheduler.stop()
    assert len(while_stuck) >= 3  # later runs that could not start are failures too, not silence
    assert not any(result.ok for result in while_stuck)
    assert "超时后仍未返回" in while_stuck[0].detail
    assert scheduler.stats.overruns >= len(while_stuck)
    delivered = {result.sample_id for result in recorder.of("stuck")}
    assert returned[0].sample_id not in delivered  # the late answer of the hung check is dropped
    assert any(result.ok for result in recorder.of("stuck"))  # and checking resumes once it returns


def test_first_runs_are_spread_over_the_interval() -> None:
    def instant(target: TargetSpec) -> CheckResult:
        return CheckResult(target.name, utc_now(), True, 0.0, "ok")

    targets = [spec(f"t{i}", kind="host", interval_seconds=10) for i in range(40)]
    spread, burst = Recorder(), Recorder()
    for recorder, flag in ((spread, True), (burst, False)):
        scheduler = ProbeScheduler(targets, recorder, checker=instant, spread_first_runs=flag, rng=random.Random(7))
        scheduler.start()
        time.sleep(1.5)
        scheduler.stop()
    assert len(burst.results) == 40
    assert 0 < len(spread.results) < 20  # the first one or two of ten ticks: about a fifth of them


def test_first_runs_fall_on_a_shared_grid_of_whole_ticks() -> None:
    def instant(target: TargetSpec) -> CheckResult:
        return CheckResult(target.name, utc_now(), True, 0.0, "ok")

    targets = [spec(f"t{i}", kind="host", interval_seconds=20) for i in range(40)]
    scheduler = ProbeScheduler(targets, Recorder(), checker=instant, rng=random.Random(3))
    scheduler.replace_targets([*targets, spec("late", kind="host", interval_seconds=20)])
    firsts = [when for when, _ in scheduler._due.values()]
    assert len(firsts) == 41
    assert all(abs(when - round(when)) < 1e-6 for when in firsts)  # checks due in one tick run together
    assert len({round(when) for when in firsts}) >= 10  # and still spread over the interval
    short = ProbeScheduler([spec("fast", kind="host", interval_seconds=1.5)], Recorder(), checker=instant)
    assert len(short._due) == 1  # an interval under two ticks is spread evenly instead


def test_replace_targets_adds_and_removes() -> None:
    def instant(target: TargetSpec) -> CheckResult:
        return CheckResult(target.name, utc_now(), True, 0.0, "ok")

    recorder = Recorder()
    old = spec("old", kind="host", interval_seconds=0.1)
    scheduler = ProbeScheduler([old], recorder, checker=instant, spread_first_runs=False)
    scheduler.start()
    time.sleep(0.35)
    scheduler.replace_targets([spec("new", kind="host", interval_seconds=0.1)])
    removed_at = time.monotonic()
    time.sleep(0.4)
    scheduler.stop()
    assert len(recorder.times("old")) >= 3
    assert all(at <= removed_at + 0.05 for at in recorder.times("old"))
    assert len(recorder.times("new")) >= 3


def test_failing_sink_does_not_stop_the_schedule() -> None:
    calls: list[str] = []

    def flaky_sink(result: CheckResult) -> None:
        calls.append(result.target)
        if len(calls) == 1:
            raise OSError("disk full")

    def instant(target: TargetSpec) -> CheckResult:
        return CheckResult(target.name, utc_now(), True, 0.0, "ok")

    scheduler = ProbeScheduler(
        [spec("a", kind="host", interval_seconds=0.1)], flaky_sink, checker=instant, spread_first_runs=False
    )
    scheduler.start()
    time.sleep(0.45)
    scheduler.stop()
    assert len(calls) >= 4


def test_stop_waits_until_results_in_hand_are_stored() -> None:
    events: list[float] = []

    def instant(target: TargetSpec) -> CheckResult:
        return CheckResult(target.name, utc_now(), True, 0.0, "ok")

    def slow_sink(result: CheckResult) -> None:
        events.append(time.monotonic())
        time.sleep(0.3)
        events.append(time.monotonic())

    scheduler = ProbeScheduler(
        [spec("a", kind="host", interval_seconds=0.05)], slow_sink, checker=instant, spread_first_runs=False
    )
    scheduler.start()
    while not events:  # a result is being stored right now
        time.sleep(0.01)
    scheduler.stop(wait_seconds=2)
    stopped = time.monotonic()
    time.sleep(0.4)
    assert len(events) == 2  # one result, stored while the next runs were skipped
    assert all(at <= stopped for at in events)  # nothing reaches the sink after stop() returns
