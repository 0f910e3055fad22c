"""Backups that prove themselves: one file holding the database and a manifest of what it holds.

A backup is a gzip'd tar archive with ``manifest.json`` (database kind, schema revision, the row count of
every table and the audit chain's record count and last hash) and the database itself:

- SQLite: ``database.sqlite3``, a copy made with SQLite's online backup API (a consistent snapshot while
  slatrack keeps running). The manifest is measured on that copy, after ``PRAGMA integrity_check``.
- PostgreSQL: ``database.dump``, ``pg_dump --format=custom`` run on a snapshot exported from a REPEATABLE
  READ transaction in which the manifest is measured: the counts describe exactly what was dumped.

The audit chain is verified on the snapshot; a broken chain still yields the file (the data matters more)
but the command fails and names the first broken record.

A restore goes only into an empty database (SQLite: a missing or empty file; PostgreSQL: a database with
no tables), then counts every table and verifies the audit chain again and compares both with the
manifest.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.pool import NullPool

from slatrack import audit_chain
from slatrack.models import utcnow

FORMAT = "slatrack-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
DUMP_MEMBER = "database.dump"


class BackupError(RuntimeError):
    """A backup or restore that cannot be made or does not verify; the message (Chinese) says why."""


@dataclass
class Manifest:
    dialect: str
    created_at: str
    revision: str
    tables: dict[str, int]
    audit_records: int
    audit_last_hash: str
    audit_broken: str = ""

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "version": FORMAT_VERSION, **self.__dict__}, ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        data = json.loads(raw)
        if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
            raise BackupError("不是 slatrack 备份文件（清单格式不符）")
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})


@dataclass
class Verification:
    manifest: Manifest
    tables: dict[str, int]
    chain: audit_chain.ChainReport
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def measure(connection: Connection) -> tuple[dict[str, int], audit_chain.ChainReport, str]:
    """Row counts of every table, the audit chain's state and the schema revision, on one connection."""
    preparer = connection.dialect.identifier_preparer
    tables: dict[str, int] = {}
    for name in sorted(inspect(connection).get_table_names()):
        tables[name] = int(connection.execute(text(f"SELECT count(*) FROM {preparer.quote(name)}")).scalar_one())
    revision = ""
    if "alembic_version" in tables:
        revision = str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar() or "")
    chain = audit_chain.verify(connection) if "audit_records" in tables else audit_chain.ChainReport(0, "")
    return tables, chain, revision


def _manifest(dialect: str, tables: dict[str, int], chain: audit_chain.ChainReport, revision: str) -> Manifest:
    broken = "" if chain.intact else f"{chain.broken_id or '链尾'}：{chain.reason}"
    return Manifest(dialect, utcnow().isoformat(), revision, tables, chain.records, chain.last_hash, broken)


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("内存数据库无法备份或恢复")
    return Path(url.database)


# --- PostgreSQL tools ---------------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: the newest under /usr/lib/postgresql, else the one on PATH."""
    root = Path("/usr/lib/postgresql")
    if root.is_dir():
        versions = sorted((p for p in root.iterdir() if p.name.isdigit()), key=lambda p: int(p.name), reverse=True)
        for version in versions:
            candidate = version / "bin" / name
            if candidate.exists():
                return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端（Debian: postgresql-client）")
    return found


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment that carries the password."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} 失败（退出码 {result.returncode}）：{result.stderr.strip()[:2000]}")


# --- backup -------------------------------------------------------------------------------------------


def _write_archive(target: Path, manifest: Manifest, member: str, data_file: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # backups hold hashes: owner only
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
        body = manifest.to_json().encode("utf-8")
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(body)
        info.mtime = int(utcnow().timestamp())
        archive.addfile(info, io.BytesIO(body))
        archive.add(data_file, arcname=member)
    os.replace(partial, target)


def backup(database_url: str, target: Path) -> Manifest:
    url = make_url(database_url)
    with tempfile.TemporaryDirectory(prefix="slatrack-backup-") as work:
        if url.get_backend_name() == "sqlite":
            copy = Path(work) / SQLITE_MEMBER
            source = sqlite3.connect(_sqlite_path(url))
            destination = sqlite3.connect(copy)
            try:
                source.backup(destination)
            finally:
                destination.close()
                source.close()
            engine = create_engine(f"sqlite:///{copy}", poolclass=NullPool)
            with engine.connect() as connection:
                check = connection.execute(text("PRAGMA integrity_check")).scalar()
                if check != "ok":
                    raise BackupError(f"备份副本未通过 SQLite 完整性检查：{check}")
                manifest = _manifest("sqlite", *measure(connection))
            engine.dispose()
            _write_archive(target, manifest, SQLITE_MEMBER, copy)
        else:
            dump = Path(work) / DUMP_MEMBER
            uri, env = _libpq(url)
            engine = create_engine(url, poolclass=NullPool, isolation_level="REPEATABLE READ")
            with engine.connect() as connection, connection.begin():
                snapshot = str(connection.execute(text("SELECT pg_export_snapshot()")).scalar_one())
                manifest = _manifest("postgresql", *measure(connection))
                # The dump reads the very snapshot the counts were taken on, while this transaction holds it.
                _run([pg_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "-f", str(dump), uri], env)
            engine.dispose()
            _run([pg_tool("pg_restore"), "--list", str(dump)], env)  # the archive is readable
            _write_archive(target, manifest, DUMP_MEMBER, dump)
    return manifest


# --- restore ------------------------------------------------------------------------------------------


@contextmanager
def _unpacked(source: Path) -> Iterator[tuple[Manifest, Path]]:
    try:
        archive = tarfile.open(source, mode="r:gz")  # noqa: SIM115  (closed by the with below)
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"无法读取备份文件 {source}：{exc}") from None
    with archive, tempfile.TemporaryDirectory(prefix="slatrack-restore-") as work:
        names = set(archive.getnames())
        if MANIFEST not in names:
            raise BackupError("备份文件中没有清单 manifest.json")
        extracted = archive.extractfile(MANIFEST)
        assert extracted is not None
        manifest = Manifest.from_json(extracted.read())
        member = SQLITE_MEMBER if manifest.dialect == "sqlite" else DUMP_MEMBER
        if member not in names:
            raise BackupError(f"备份文件中没有数据库 {member}")
        archive.extract(member, work, filter="data")
        yield manifest, Path(work) / member


def _empty(connection: Connection) -> bool:
    return not inspect(connection).get_table_names()


def restore(database_url: str, source: Path) -> Verification:
    url = make_url(database_url)
    dialect = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql"
    with _unpacked(source) as (manifest, data):
        if manifest.dialect != dialect:
            raise BackupError(f"这是 {manifest.dialect} 的备份，不能恢复到 {dialect} 数据库")
        engine = create_engine(url, poolclass=NullPool)
        with engine.connect() as connection:
            if not _empty(connection):
                raise BackupError("目标数据库不是空的：只能恢复到新建的空实例（没有任何表）")
        if dialect == "sqlite":
            target = _sqlite_path(url)
            if not target.exists():
                os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            source_db = sqlite3.connect(data)
            destination = sqlite3.connect(target)
            try:
                source_db.backup(destination)
            finally:
                destination.close()
                source_db.close()
        else:
            uri, env = _libpq(url)
            command = [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "-d", uri]
            _run([*command, str(data)], env)
        with engine.connect() as connection:
            tables, chain, _ = measure(connection)
        engine.dispose()
    return compare(manifest, tables, chain)


def compare(manifest: Manifest, tables: dict[str, int], chain: audit_chain.ChainReport) -> Verification:
    problems = []
    for name, count in manifest.tables.items():
        if tables.get(name) != count:
            problems.append(f"表 {name}：备份时 {count} 行，恢复后 {tables.get(name, '缺失')}")
    if not chain.intact:
        where = f"第 {chain.broken_id} 条记录" if chain.broken_id is not None else "链尾"
        problems.append(f"审计链在{where}处断开：{chain.reason}")
    if (chain.records, chain.last_hash) != (manifest.audit_records, manifest.audit_last_hash):
        problems.append(
            f"审计链校验值不符：备份时 {manifest.audit_records} 条、{manifest.audit_last_hash[:16]}…，"
            f"恢复后 {chain.records} 条、{chain.last_hash[:16]}…"
        )
    return Verification(manifest, tables, chain, problems)


def summary(manifest: Manifest) -> dict[str, Any]:
    return {"tables": len(manifest.tables), "rows": sum(manifest.tables.values()), "audit": manifest.audit_records}
