"""Target specs and the agent's TOML configuration: defaults and errors that name the field."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from probes.config import ConfigError, load_config
from probes.spec import SpecError, StatusRange, TargetSpec

REPO = Path(__file__).resolve().parents[2]


def test_defaults_from_minimal_mapping() -> None:
    spec = TargetSpec.from_mapping({"name": " 门户 ", "kind": "http", "url": "https://example.cn/"})
    assert spec.name == "门户"
    assert (spec.interval_seconds, spec.timeout_seconds, spec.confirm_failures) == (60, 10, 3)
    assert spec.method == "GET" and spec.follow_redirects and spec.verify_tls
    assert spec.accepted_status == (StatusRange(200, 399),) and spec.cert_expiry_days == 14
    host = TargetSpec.from_mapping({"name": "h", "kind": "host"})
    assert (host.cpu_max, host.memory_max, host.disk_max, host.load_max, host.disk_path) == (95, 95, 90, None, "/")
    backup = TargetSpec.from_mapping({"name": "b", "kind": "backup", "path": "/b/*.gz"})
    assert (backup.max_age_hours, backup.min_bytes) == (26, 1)


def test_server_fields_and_nulls_are_accepted() -> None:
    spec = TargetSpec.from_mapping(
        {
            "id": 7,
            "name": "db",
            "kind": "tcp",
            "host": "10.0.0.5",
            "port": 5432,
            "url": None,
            "critical": True,
            "monitored_since": "2025-04-14T00:00:00+08:00",
        }
    )
    assert spec.port == 5432 and spec.critical and spec.url is None
    assert spec.monitored_since == datetime(2025, 4, 13, 16, tzinfo=UTC)


@pytest.mark.parametrize(
    ("mapping", "field"),
    [
        ({"kind": "tcp", "host": "h", "port": 1}, "name"),
        ({"name": "x", "kind": "ping"}, "kind"),
        ({"name": "x", "kind": "http"}, "url"),
        ({"name": "x", "kind": "http", "url": "ftp://a/"}, "url"),
        ({"name": "x", "kind": "tcp", "host": "h"}, "port"),
        ({"name": "x", "kind": "tcp", "host": "h", "port": 70000}, "port"),
        ({"name": "x", "kind": "tcp", "host": "h", "port": "80"}, "port"),
        ({"name": "x", "kind": "backup"}, "path"),
        ({"name": "x", "kind": "host", "interval_seconds": 0}, "interval_seconds"),
        ({"name": "x", "kind": "host", "timeout_seconds": "10"}, "timeout_seconds"),
        ({"name": "x", "kind": "host", "cpu_max": 120}, "cpu_max"),
        ({"name": "x", "kind": "host", "critical": "yes"}, "critical"),
        ({"name": "x", "kind": "host", "confirm_failures": 0}, "confirm_failures"),
        ({"name": "x", "kind": "host", "keyword": "ok"}, "keyword"),
        ({"name": "x", "kind": "host", "colour": "red"}, "colour"),
        ({"name": "x", "kind": "http", "url": "http://a/", "method": "POST"}, "method"),
        ({"name": "x", "kind": "http", "url": "http://a/", "accepted_status": ["2xx"]}, "accepted_status"),
        ({"name": "x", "kind": "http", "url": "http://a/", "accepted_status": ["399-200"]}, "accepted_status"),
        ({"name": "x", "kind": "http", "url": "http://a/", "method": "HEAD", "keyword": "k"}, "keyword"),
        ({"name": "x", "kind": "http", "url": "http://a/", "keyword_absent": True}, "keyword_absent"),
        ({"name": "x", "kind": "host", "monitored_since": "2025-04-14T00:00:00"}, "monitored_since"),
    ],
)
def test_bad_field_is_named(mapping: dict[str, Any], field: str) -> None:
    with pytest.raises(SpecError) as caught:
        TargetSpec.from_mapping(mapping)
    assert caught.value.field == field
    assert f"字段 {field}" in str(caught.value)
    assert isinstance(caught.value, ValueError)


GOOD = """
[[targets]]
name = "门户网站"
kind = "http"
url = "https://dk.example.cn/login"
keyword = "督考绩效"
interval_seconds = 30
accepted_status = [200, "301-302"]

[[targets]]
name = "数据库"
kind = "tcp"
host = "10.0.0.5"
port = 5432
critical = true
monitored_since = 2025-04-14T00:00:00+08:00

[[targets]]
name = "业务数据备份"
kind = "backup"
path = "/data/backup/*.dump"
max_age_hours = 30
"""


def test_good_config(tmp_path: Path) -> None:
    path = tmp_path / "agent.toml"
    path.write_text(GOOD, encoding="utf-8")
    targets = load_config(path)
    assert [spec.name for spec in targets] == ["门户网站", "数据库", "业务数据备份"]
    assert targets[0].accepted_status == (StatusRange(200, 200), StatusRange(301, 302))
    assert targets[0].interval_seconds == 30 and targets[1].critical
    assert targets[1].monitored_since == datetime(2025, 4, 13, 16, tzinfo=UTC)
    assert targets[2].max_age_hours == 30


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[targets]]\nname = 'a'\nkind = \n", "不是有效的 TOML"),
        ("", "没有监测对象"),
        ("[agent]\nx = 1\n", "未知的项：agent"),
        ("[[targets]]\nname = 'hb'\nkind = 'push'\n", "第 1 个 [[targets]]（hb） 字段 kind：push 类型"),
        (
            GOOD + "[[targets]]\nname = '数据库'\nkind = 'host'\n",
            "第 4 个 [[targets]]（数据库） 字段 name：名称 数据库 重复",
        ),
        ("[[targets]]\nname = 'db'\nkind = 'tcp'\nhost = 'h'\nport = 0\n", "第 1 个 [[targets]]（db） 字段 port"),
    ],
)
def test_config_errors_say_where(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "agent.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert expected in str(caught.value)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="无法读取配置文件"):
        load_config(tmp_path / "missing.toml")


def run_agent(tmp_path: Path, config: Path, spool: Path) -> subprocess.CompletedProcess[str]:
    server = ["--server", "http://127.0.0.1:9", "--token", "secret-token-1"]
    return subprocess.run(
        [sys.executable, "-m", "probes", *server, "--config", str(config), "--spool", str(spool)],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=tmp_path,
    )


def test_agent_refuses_bad_config_with_exit_code_2(tmp_path: Path) -> None:
    path = tmp_path / "agent.toml"
    path.write_text("[[targets]]\nname = 'hb'\nkind = 'push'\n", encoding="utf-8")
    spool = tmp_path / "spool.sqlite3"
    completed = run_agent(tmp_path, path, spool)
    assert completed.returncode == 2
    assert "配置错误" in completed.stderr and "push" in completed.stderr
    assert "secret-token-1" not in completed.stderr
    assert not spool.exists()


def test_agent_reports_an_unusable_spool_path(tmp_path: Path) -> None:
    path = tmp_path / "agent.toml"
    path.write_text("[[targets]]\nname = 'h'\nkind = 'host'\n", encoding="utf-8")
    completed = run_agent(tmp_path, path, tmp_path / "missing-dir" / "spool.sqlite3")
    assert completed.returncode == 2
    assert "无法打开本地缓存" in completed.stderr and "Traceback" not in completed.stderr
