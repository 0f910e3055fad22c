"""Issue 17, backups and the audit chain: a restored backup gives the same 2025 figures, tampering with one
audit record is named by ``slatrack audit verify``, and concurrent writers never fork the chain."""

from __future__ import annotations

import tarfile
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from slatrack.audit import acting_as
from slatrack.extensions import db
from slatrack.models import AuditRecord
from tests.integration.conftest import PASSWORD, SERVER_URL, _admin_engine, _db_url, bearer

AS_OF = "2026-01-01T00:00:00%2B08:00"
FIGURES = (f"/api/v1/sla?from=2025-01-01&to=2025-12-31&as_of={AS_OF}", f"/api/v1/indicators?year=2025&as_of={AS_OF}")
DROP_TRIGGER = {
    "sqlite": "DROP TRIGGER audit_records_no_update",
    "postgresql": "DROP TRIGGER audit_records_no_change ON audit_records",
}


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it: what a fresh instance starts from."""
    if SERVER_URL:
        name = f"slatrack_r_{uuid.uuid4().hex[:12]}"
        engine = _admin_engine()
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield _db_url(name)
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
    else:
        yield f"sqlite:///{tmp_path / 'fresh' / 'restored.sqlite3'}"


def _figures(app: Flask, token: str) -> list[Any]:
    client = app.test_client()
    answers = [client.get(path, headers=bearer(token)) for path in FIGURES]
    assert all(answer.status_code == 200 for answer in answers), [a.get_data(as_text=True)[:300] for a in answers]
    return [answer.get_json() for answer in answers]


def test_a_restored_backup_gives_identical_2025_figures(
    app: Flask, make_app: Callable[..., Flask], make_token: Callable[..., str], empty_database_url: str, tmp_path: Path
) -> None:
    from slatrack.operations.demo.loading import load_demo

    with acting_as("cli:test"):
        load_demo()
    token = make_token("admin")
    before = _figures(app, token)
    assert before[0]["tickets"] > 0  # real figures, not an empty year
    records = db.session.scalar(select(func.count()).select_from(AuditRecord))
    db.session.remove()

    archive = tmp_path / "slatrack-backup.tar.gz"
    made = app.test_cli_runner().invoke(args=["backup", "-o", str(archive)])
    assert made.exit_code == 0, made.output
    assert f"审计记录 {records} 条" in made.output
    assert (archive.stat().st_mode & 0o077) == 0  # owner only: it holds password hashes
    with tarfile.open(archive) as tar:
        assert {"manifest.json"} < set(tar.getnames())

    (tmp_path / "fresh").mkdir(exist_ok=True)
    fresh = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with fresh.app_context():  # the commands act on the current app: the fresh instance
        runner = fresh.test_cli_runner()
        restored = runner.invoke(args=["restore", str(archive)])
        assert restored.exit_code == 0, restored.output
        assert "已恢复并校验" in restored.output and "✗" not in restored.output
        assert _figures(fresh, token) == before
        verified = runner.invoke(args=["audit", "verify"])
        assert verified.exit_code == 0 and f"审计链完整：{records} 条记录" in verified.output
        again = runner.invoke(args=["restore", str(archive)])
        assert again.exit_code == 1 and "目标数据库不是空的" in again.output
        db.session.remove()


def _audit_ids() -> list[int]:
    return list(db.session.scalars(select(AuditRecord.id).order_by(AuditRecord.id)))


def test_tampering_with_one_audit_record_is_named(app: Flask, make_user: Callable[..., Any]) -> None:
    for name in ("ann", "ben", "cai", "dan"):
        make_user(name, "vendor")
    runner = app.test_cli_runner()
    intact = runner.invoke(args=["audit", "verify"])
    assert intact.exit_code == 0 and "审计链完整" in intact.output
    ids = _audit_ids()
    victim = ids[len(ids) // 2]
    dialect = db.engine.dialect.name
    db.session.execute(text(DROP_TRIGGER[dialect]))  # bypass the append-only guard, as an intruder with DB access
    db.session.execute(text("UPDATE audit_records SET actor = 'nobody' WHERE id = :id"), {"id": victim})
    db.session.commit()
    db.session.remove()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"审计链在第 {victim} 条记录处断开" in broken.output and "内容被改动" in broken.output


def test_a_deleted_audit_record_breaks_the_next_link(app: Flask, make_user: Callable[..., Any]) -> None:
    for name in ("eve", "fay", "gus"):
        make_user(name, "vendor")
    ids = _audit_ids()
    victim = ids[1]
    delete_guard = {"sqlite": "DROP TRIGGER audit_records_no_delete", "postgresql": DROP_TRIGGER["postgresql"]}
    db.session.execute(text(delete_guard[db.engine.dialect.name]))
    db.session.execute(text("DELETE FROM audit_records WHERE id = :id"), {"id": victim})
    db.session.commit()
    db.session.remove()
    broken = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and f"第 {ids[2]} 条记录处断开：链接断开" in broken.output


def test_concurrent_writers_extend_one_chain(app: Flask, make_app: Callable[..., Flask]) -> None:
    from slatrack.operations.accounts.users import create_user

    apps = [make_app() for _ in range(4)]
    errors: list[BaseException] = []

    def writer(number: int, other: Flask) -> None:
        try:
            with other.app_context():
                for index in range(6):
                    create_user(f"w{number}x{index}", "auditor", PASSWORD)
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n, a)) for n, a in enumerate(apps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.actor == "system")) >= 24
