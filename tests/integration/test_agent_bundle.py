"""The light agent: ``python -m probes.bundle`` makes one ``.pyz`` file that runs in an environment holding
only the agent's own dependencies (no Flask, no pandas, no slatrack), and its results reach a live server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from probes.bundle import AGENT_REQUIREMENTS
from slatrack.extensions import db
from slatrack.models import ProbeResult, utcnow
from slatrack.operations.monitoring.targets import create_target
from tests.integration.monitoring_helpers import free_port, http_target
from tests.integration.test_agent_e2e import _server


@pytest.fixture(scope="module")
def agent_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with the agent's requirements and nothing else."""
    folder = tmp_path_factory.mktemp("agent-venv")
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = folder / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *AGENT_REQUIREMENTS],
        check=True,
        timeout=600,
    )
    return python


@pytest.mark.timeout(900)
def test_bundled_agent_runs_without_the_server_packages(
    agent_python: Path,
    make_app: Callable[..., Flask],
    make_token: Callable[..., str],
    database_url: str,
    tmp_path: Path,
) -> None:
    bundle = tmp_path / "slatrack-agent.pyz"
    built = subprocess.run(
        [sys.executable, "-m", "probes.bundle", "-o", str(bundle)], capture_output=True, text=True, check=True
    )
    assert "已生成探针代理" in built.stdout
    assert bundle.stat().st_size < 200_000
    for module in ("flask", "sqlalchemy", "pandas", "slatrack"):
        absent = subprocess.run([str(agent_python), "-c", f"import {module}"], capture_output=True, cwd=tmp_path)
        assert absent.returncode != 0, f"{module} is importable in the agent's environment"

    app = make_app()
    with http_target() as url, app.app_context():
        create_target(
            {
                "name": "portal",
                "kind": "http",
                "url": url,
                "interval_seconds": 30,
                "timeout_seconds": 2,
                "in_process": False,
                "critical": True,
                "monitored_since": utcnow() - timedelta(minutes=5),
            }
        )
        token = make_token(None)
        db.session.remove()
        config = tmp_path / "agent.toml"
        config.write_text(f'[[targets]]\nname = "portal"\nkind = "http"\nurl = "{url}"\nkeyword = "正常"\n', "utf-8")
        env = {
            **os.environ,
            "SLATRACK_INSTANCE_PATH": str(tmp_path / "instance"),
            "SLATRACK_DATABASE_URL": database_url,
            "SLATRACK_SECRET_KEY": "bundle-secret-key-0123456789",
        }
        port = free_port()
        with _server(env, port, tmp_path / "server.log"):
            agent = subprocess.run(
                [
                    str(agent_python), str(bundle),
                    "--server", f"http://127.0.0.1:{port}",
                    "--token", token,
                    "--config", str(config),
                    "--spool", str(tmp_path / "spool.sqlite3"),
                    "--once",
                ],
                cwd=tmp_path,
                env={"PATH": os.environ.get("PATH", ""), "SLATRACK_PROBE_TOKEN": ""},
                capture_output=True,
                text=True,
                timeout=120,
            )  # fmt: skip
        assert agent.returncode == 0, agent.stderr
        stored = db.session.scalars(select(ProbeResult)).all()
        assert len(stored) == 1
        assert stored[0].ok
