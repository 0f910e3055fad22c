"""``python -m probes --server URL --token T --config FILE [--spool PATH]``: the remote probe agent."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sqlite3
import sys
from pathlib import Path
from types import FrameType

from probes.agent import Agent, AgentSettings, SpoolInUseError, lock_spool
from probes.config import ConfigError, load_config
from probes.spool import Spool

TOKEN_ENV = "SLATRACK_PROBE_TOKEN"
# The signals that ask for a clean stop: a service manager's SIGTERM, Ctrl+C, and Ctrl+Break or a
# Windows service wrapper's stop (SIGBREAK).
STOP_SIGNALS = ("SIGTERM", "SIGINT", "SIGBREAK")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("必须是正整数")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("必须大于 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    # Run from the one-file bundle (python slatrack-agent.pyz ...), the usage line names the file.
    bundled = sys.argv[0].endswith(".pyz")
    prog = f"python {os.path.basename(sys.argv[0])}" if bundled else "python -m probes"
    parser = argparse.ArgumentParser(prog=prog, description="slatrack 远程探针代理")
    parser.add_argument("--server", required=True, help="slatrack 服务器地址，例如 https://sla.example.cn")
    parser.add_argument("--token", help=f"API 令牌（也可用环境变量 {TOKEN_ENV} 提供）")
    parser.add_argument("--config", required=True, type=Path, help="TOML 配置文件，每个监测对象一个 [[targets]]")
    parser.add_argument("--spool", type=Path, default=Path("probes-spool.sqlite3"), help="本地缓存队列（SQLite）")
    parser.add_argument("--batch-size", type=_positive_int, default=100, help="每次发送的最多结果数")
    parser.add_argument("--flush-interval", type=_positive_float, default=5.0, help="发送间隔（秒）")
    parser.add_argument("--max-backoff", type=_positive_float, default=60.0, help="服务器不可达时的最长重试间隔（秒）")
    parser.add_argument("--max-workers", type=_positive_int, default=16, help="并发检查的线程数")
    parser.add_argument("--once", action="store_true", help="每个对象只检查一次，发送后退出")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    token = args.token or os.environ.get(TOKEN_ENV)
    if not token:
        parser.error(f"需要 --token 或环境变量 {TOKEN_ENV}")
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        targets = load_config(args.config)
    except ConfigError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    try:
        lock = lock_spool(args.spool)
        spool = Spool(args.spool)
    except SpoolInUseError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except (OSError, sqlite3.Error) as exc:
        print(f"无法打开本地缓存 {args.spool}：{exc}", file=sys.stderr)
        return 2
    settings = AgentSettings(
        server=args.server,
        token=token,
        spool_path=args.spool,
        batch_size=args.batch_size,
        flush_interval=args.flush_interval,
        max_backoff=args.max_backoff,
        max_workers=args.max_workers,
    )
    agent = Agent(targets, settings, spool)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        agent.request_stop()

    for name in STOP_SIGNALS:
        if hasattr(signal, name):  # SIGBREAK exists on Windows only
            signal.signal(getattr(signal, name), on_signal)
    try:
        return agent.run_once() if args.once else agent.run()
    finally:
        spool.close()
        lock.close()


def run() -> None:
    """Entry point of the ``slatrack-agent.pyz`` bundle (see probes/bundle.py)."""
    sys.exit(main())


if __name__ == "__main__":
    run()
