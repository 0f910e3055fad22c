"""The host checker: CPU, memory, disk and load of the machine the probe runs on."""

from __future__ import annotations

import os

import psutil

from probes.result import CheckResult, utc_now
from probes.spec import TargetSpec

# psutil needs two samples to compute CPU use; a short window keeps a worker thread busy briefly.
CPU_SAMPLE_SECONDS = 0.2


def check_host(spec: TargetSpec) -> CheckResult:
    observed_at = utc_now()
    cpu = psutil.cpu_percent(interval=min(CPU_SAMPLE_SECONDS, spec.timeout_seconds / 2))
    memory = psutil.virtual_memory().percent
    disk = psutil.disk_usage(spec.disk_path).percent
    load_1m = os.getloadavg()[0]
    metrics = {"cpu_percent": cpu, "memory_percent": memory, "disk_percent": disk, "load_1m": round(load_1m, 2)}
    readings = [
        ("CPU", cpu, spec.cpu_max, "%"),
        ("内存", memory, spec.memory_max, "%"),
        (f"磁盘 {spec.disk_path}", disk, spec.disk_max, "%"),
    ]
    if spec.load_max is not None:
        readings.append(("负载", load_1m, spec.load_max, ""))
    over = [
        f"{label} {value:.1f}{unit} 超过上限 {limit:g}{unit}" for label, value, limit, unit in readings if value > limit
    ]
    if over:
        return CheckResult(spec.name, observed_at, False, None, "；".join(over), metrics=metrics)
    summary = f"CPU {cpu:.1f}%，内存 {memory:.1f}%，磁盘 {disk:.1f}%，负载 {load_1m:.2f}"
    return CheckResult(spec.name, observed_at, True, None, summary, metrics=metrics)
