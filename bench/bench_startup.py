"""Start-up time of the ``slatrack`` command: ``slatrack --help`` and ``slatrack token create``.

Run: python bench/bench_startup.py [--runs 5]

Targets (issue 10): ``slatrack --help`` < 0.8 s and ``slatrack token create`` < 1.5 s, median of the runs.
Each command runs as a fresh process, as a user types it, in the order pass, help, token, pass, help, token, ...
so that the machine's load shifts all three alike; ``python -c pass`` on the same run gives the floor the
ratios are taken against. The database is a fresh SQLite file in a temporary instance folder (made with
``slatrack init`` first). Bytecode is written as on an ordinary installation (PYTHONDONTWRITEBYTECODE is
cleared) and one warm-up round is not counted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SLATRACK = [sys.executable, "-c", "from slatrack.cli import main; main()"]
TARGETS = {"help": 0.8, "token create": 1.5}


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="slatrack-startup-") as instance:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(SLATRACK_INSTANCE_PATH=instance, SLATRACK_DATABASE_URL=f"sqlite:///{instance}/bench.sqlite3")
        timed([*SLATRACK, "init"], env)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "help": [*SLATRACK, "--help"],
            "token create": None,
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for run in range(args.runs + 1):
            for name, command in commands.items():
                argv = command if command is not None else [*SLATRACK, "token", "create", f"bench-{run}"]
                elapsed = timed(argv, env)
                if run > 0:
                    times[name].append(elapsed)
    floor = statistics.median(times["python -c pass"])
    print(f"median of {args.runs} runs (s); ratio to `python -c pass`; ratio to the target")
    print(f"  {'python -c pass':<22} {floor:6.3f}")
    for name, target in TARGETS.items():
        median = statistics.median(times[name])
        label = f"slatrack {'--help' if name == 'help' else name}"
        print(
            f"  {label:<22} {median:6.3f}   ×{median / floor:5.1f} of pass"
            f"   {median / target:4.2f} of target {target} s"
            f"   [{', '.join(f'{t:.2f}' for t in times[name])}]"
        )


if __name__ == "__main__":
    main()
