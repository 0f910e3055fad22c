"""Build the light remote agent: one file, ``python slatrack-agent.pyz --server URL ...``.

The bundle holds only the ``probes`` package (a ``python -m zipapp`` archive). The county machines
install the agent's three dependencies and nothing of the server::

    python -m pip install requests psutil cryptography
    python slatrack-agent.pyz --server https://sla.example.cn --token T --config agent.toml

Build it from a checkout or an installed slatrack: ``python -m probes.bundle -o slatrack-agent.pyz``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import zipapp
from pathlib import Path

# What the agent imports beyond the standard library; kept in step with pyproject.toml.
AGENT_REQUIREMENTS = ("requests>=2.31", "psutil>=5.9", "cryptography>=42")


def build(target: Path) -> Path:
    """Write the agent archive to ``target`` and return its path."""
    package = Path(__file__).resolve().parent
    with tempfile.TemporaryDirectory() as staging:
        shutil.copytree(package, Path(staging) / "probes", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        zipapp.create_archive(
            staging, target, interpreter="/usr/bin/env python3", main="probes.__main__:run", compressed=True
        )
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m probes.bundle", description="打包轻量探针代理（单个 .pyz 文件）")
    parser.add_argument("-o", "--output", type=Path, default=Path("slatrack-agent.pyz"), help="输出文件")
    args = parser.parse_args(argv)
    path = build(args.output)
    print(f"已生成探针代理 {path}（{path.stat().st_size // 1024} KB）")
    print("在县市的机器上：python -m pip install " + " ".join(f'"{r}"' for r in AGENT_REQUIREMENTS))
    print(f"然后：python {path.name} --server URL --token TOKEN --config agent.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
