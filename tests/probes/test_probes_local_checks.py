"""tcp, host and backup checkers against real sockets, the real machine and real files."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from conftest import make_spec

from probes.checks import check


def test_tcp_open_port_reports_connect_time() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        result = check(make_spec(kind="tcp", host="127.0.0.1", port=port, timeout_seconds=2))
    assert result.ok, result.detail
    assert result.latency_ms is not None and 0 <= result.latency_ms < 2000
    assert f"127.0.0.1:{port}" in result.detail


def test_tcp_closed_port_fails(unused_port: int) -> None:
    result = check(make_spec(kind="tcp", host="127.0.0.1", port=unused_port, timeout_seconds=2))
    assert not result.ok
    assert result.latency_ms is None
    assert "Connection refused" in result.detail


def test_host_within_thresholds_reports_metrics() -> None:
    result = check(make_spec(kind="host", cpu_max=100, memory_max=100, disk_max=100, load_max=10_000))
    assert result.ok, result.detail
    assert set(result.metrics) == {"cpu_percent", "memory_percent", "disk_percent", "load_1m"}
    assert 0 < result.metrics["memory_percent"] <= 100
    assert 0 < result.metrics["disk_percent"] <= 100


def test_host_above_thresholds_fails_naming_each(tmp_path: Path) -> None:
    result = check(make_spec(kind="host", cpu_max=100, memory_max=0, disk_max=0, load_max=0, path=str(tmp_path)))
    assert not result.ok
    assert "内存" in result.detail and f"磁盘 {tmp_path}" in result.detail
    assert "CPU" not in result.detail  # cannot exceed 100 %


def _backup(directory: Path, name: str, size: int, age_hours: float) -> Path:
    path = directory / name
    path.write_bytes(b"x" * size)
    stamp = time.time() - age_hours * 3600
    os.utime(path, (stamp, stamp))
    return path


def test_backup_fresh_newest_file_passes(tmp_path: Path) -> None:
    _backup(tmp_path, "db-1.dump", 1000, age_hours=50)
    _backup(tmp_path, "db-2.dump", 2048, age_hours=2)
    result = check(make_spec(kind="backup", path=str(tmp_path / "*.dump")))
    assert result.ok, result.detail
    assert "db-2.dump" in result.detail and "2.0 小时前" in result.detail and "2.0 KB" in result.detail
    assert result.metrics["size_bytes"] == 2048
    assert 1.99 < result.metrics["age_hours"] < 2.01


def test_backup_stale_file_fails(tmp_path: Path) -> None:
    _backup(tmp_path, "db-1.dump", 1000, age_hours=30)
    result = check(make_spec(kind="backup", path=str(tmp_path / "*.dump")))
    assert not result.ok
    assert "db-1.dump" in result.detail and "超过 26 小时" in result.detail
    assert check(make_spec(kind="backup", path=str(tmp_path / "*.dump"), max_age_hours=48)).ok


def test_backup_newest_too_small_fails_even_if_older_one_is_big(tmp_path: Path) -> None:
    _backup(tmp_path, "db-1.dump", 10_000, age_hours=20)
    _backup(tmp_path, "db-2.dump", 0, age_hours=1)
    result = check(make_spec(kind="backup", path=str(tmp_path / "*.dump")))
    assert not result.ok
    assert "db-2.dump" in result.detail and "小于最小大小 1 字节" in result.detail
    big_enough = check(make_spec(kind="backup", path=str(tmp_path / "*.dump"), min_bytes=0))
    assert big_enough.ok


def test_backup_without_matching_file_fails(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    _backup(tmp_path / "sub", "notes.txt", 10, age_hours=1)
    result = check(make_spec(kind="backup", path=str(tmp_path / "**" / "*.dump")))
    assert not result.ok and "没有与" in result.detail
    assert check(make_spec(kind="backup", path=str(tmp_path / "**" / "*.txt"))).ok


def test_backup_path_may_be_a_folder(tmp_path: Path) -> None:
    _backup(tmp_path, "a.tar.gz", 500, age_hours=40)
    _backup(tmp_path, "b.tar.gz", 600, age_hours=3)
    result = check(make_spec(kind="backup", path=str(tmp_path)))
    assert result.ok and "b.tar.gz" in result.detail
