"""The shape of the code: no import cycles, no oversized modules, a light ``slatrack --help``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 450


def _import_graph() -> grimp.ImportGraph:
    return grimp.build_graph("slatrack", "probes", include_external_packages=False, cache_dir=None)


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (every import counts, also in functions)."""
    modules = sorted(m for m in graph.modules if ".migrations" not in m)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in modules:
        if root in index:
            continue
        # Iterative Tarjan: (module, its remaining successors).
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for succ in successors:
                if succ not in low and ".migrations" in succ:
                    continue
                if succ not in index:
                    index[succ] = low[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph.find_modules_directly_imported_by(succ)))))
                    advanced = True
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_cycle_finder_finds_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "circle"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from circle import b\n")
    (package / "b.py").write_text("def f():\n    from circle import c\n")
    (package / "c.py").write_text("import circle.a\n")
    (package / "d.py").write_text("import circle.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("circle", cache_dir=None)
    assert _cycles(graph) == [["circle.a", "circle.b", "circle.c"]]


def test_no_import_cycles() -> None:
    assert _cycles(_import_graph()) == []


def test_no_module_over_450_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): count
        for folder in ("slatrack", "probes")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "migrations" not in path.parts and (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


HEAVY = ("matplotlib", "openpyxl", "docx", "pandas", "sqlalchemy", "slatrack.models", "flask_migrate", "alembic")
PROBE = """
import contextlib, io, json, sys
import flask
created = []
flask.Flask.__init__ = (lambda original: lambda self, *a, **k: (created.append(1), original(self, *a, **k))[1])(
    flask.Flask.__init__
)
from slatrack.cli import main
sys.argv = ["slatrack", "--help"]
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
    main()
print(json.dumps({"apps": len(created), "modules": sorted(sys.modules), "help": out.getvalue()}))
"""


def test_help_builds_no_app_and_imports_no_heavy_library() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, cwd=ROOT)
    seen = json.loads(done.stdout)
    assert seen["apps"] == 0
    heavy = [m for m in seen["modules"] if m.split(".")[0] in HEAVY or m.startswith("slatrack.models")]
    assert heavy == []
    for command in ("db", "indicators", "init", "openapi", "report", "run", "scheduler", "sla", "survey", "tickets"):
        assert f"\n  {command} " in seen["help"]


def test_help_lists_the_application_commands_with_their_own_help() -> None:
    """The short help shown for ``db`` and ``openapi`` without the app is the one the loaded commands show."""
    import click
    from flask.cli import ScriptInfo

    from slatrack import create_app
    from slatrack.cli import APP_COMMANDS, build_group

    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 32}
    group = build_group()
    ctx = click.Context(group, obj=ScriptInfo(create_app=lambda: create_app(config)))
    for name, text in APP_COMMANDS.items():
        command = group.get_command(ctx, name)
        assert command is not None and command.get_short_help_str(200) == text


TOKEN_PROBE = """
import contextlib, io, json, sys
import slatrack.cli as cli
built = []
original = cli._create_app
cli._create_app = lambda *a, **k: built.append(original(*a, **k)) or built[-1]
sys.argv = ["slatrack", "token", "create", "probe-token"]
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
    cli.main()
print(json.dumps({"blueprints": sorted(built[0].blueprints), "modules": sorted(sys.modules), "out": out.getvalue()}))
"""


def test_token_create_builds_the_app_without_pages_api_or_heavy_libraries(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLATRACK_")}
    env.update(SLATRACK_INSTANCE_PATH=str(tmp_path), SLATRACK_DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    init = [sys.executable, "-c", "from slatrack.cli import main; main()", "init"]
    subprocess.run(init, capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    done = subprocess.run(
        [sys.executable, "-c", TOKEN_PROBE], capture_output=True, text=True, check=True, cwd=ROOT, env=env
    )
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["out"].startswith("slt_")
    assert seen["blueprints"] == []
    assert [m for m in seen["modules"] if m.split(".")[0] in ("matplotlib", "openpyxl", "docx", "pandas")] == []
    assert not any(m.startswith(("slatrack.web", "slatrack.api", "slatrack.reports")) for m in seen["modules"])
