"""The backup checker: is the newest backup file fresh and big enough."""

from __future__ import annotations

import glob
import os
from datetime import UTC, datetime

from probes.result import CheckResult, utc_now
from probes.spec import TargetSpec


def check_backup(spec: TargetSpec) -> CheckResult:
    assert spec.path is not None
    observed_at = utc_now()
    # A plain folder means "the files in it".
    pattern = os.path.join(spec.path, "*") if os.path.isdir(spec.path) else spec.path
    newest: tuple[float, int, str] | None = None
    for name in glob.iglob(pattern, recursive=True):
        try:
            stat = os.stat(name)
        except OSError:
            continue  # removed between listing and stat, e.g. by backup rotation
        if os.path.isfile(name) and (newest is None or stat.st_mtime > newest[0]):
            newest = (stat.st_mtime, stat.st_size, name)
    if newest is None:
        return CheckResult(spec.name, observed_at, False, None, f"没有与 {spec.path} 匹配的备份文件")
    mtime, size, name = newest
    age_hours = (observed_at - datetime.fromtimestamp(mtime, UTC)).total_seconds() / 3600
    metrics = {"age_hours": round(age_hours, 3), "size_bytes": float(size)}
    summary = f"最新备份 {name}，{_age_text(age_hours)}，{_size_text(size)}"
    problems = []
    if age_hours > spec.max_age_hours:
        problems.append(f"已超过 {spec.max_age_hours:g} 小时未更新")
    if size < spec.min_bytes:
        problems.append(f"小于最小大小 {spec.min_bytes} 字节")
    if problems:
        return CheckResult(spec.name, observed_at, False, None, f"{summary}：{'，'.join(problems)}", metrics=metrics)
    return CheckResult(spec.name, observed_at, True, None, summary, metrics=metrics)


def _age_text(hours: float) -> str:
    if hours < 0:
        return "修改时间在未来"
    return f"{hours * 60:.0f} 分钟前" if hours < 1 else f"{hours:.1f} 小时前"


def _size_text(size: int) -> str:
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} 字节"
