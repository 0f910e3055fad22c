"""The agent's on-disk queue of results (SQLite, WAL).

Every result is committed here before anything else happens to it, so a crash or SIGKILL loses
nothing that was produced. Delivered rows are kept, marked with ``delivered_at``, for a while so
an operator can see what went out; items the server refused go to the ``dead_letters`` table.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from probes.result import CheckResult, utc_now

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sample_id TEXT NOT NULL UNIQUE,
    target TEXT NOT NULL,
    observed_at TEXT NOT NULL,
    payload TEXT NOT NULL,
    spooled_at TEXT NOT NULL,
    delivered_at TEXT
);
CREATE INDEX IF NOT EXISTS results_pending ON results (observed_at, seq) WHERE delivered_at IS NULL;
CREATE TABLE IF NOT EXISTS dead_letters (
    seq INTEGER PRIMARY KEY,
    sample_id TEXT NOT NULL UNIQUE,
    target TEXT NOT NULL,
    payload TEXT NOT NULL,
    error TEXT NOT NULL,
    refused_at TEXT NOT NULL
);
"""

# Delivered rows older than this are pruned when the spool is opened.
KEEP_DELIVERED = timedelta(days=7)


@dataclass(frozen=True)
class SpooledResult:
    seq: int
    payload: dict[str, Any]

    @property
    def sample_id(self) -> str:
        return str(self.payload["sample_id"])


class Spool:
    """Thread-safe: checks store results from worker threads while the sender reads and marks them."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed result survives power loss too, not only a killed process.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        with self._transaction():
            cutoff = (utc_now() - KEEP_DELIVERED).isoformat()
            self._db.execute("DELETE FROM results WHERE delivered_at IS NOT NULL AND delivered_at < ?", (cutoff,))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add(self, result: CheckResult) -> None:
        payload = result.to_payload()
        with self._transaction():
            self._db.execute(
                "INSERT OR IGNORE INTO results (sample_id, target, observed_at, payload, spooled_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (result.sample_id, result.target, payload["observed_at"], json.dumps(payload), _now()),
            )

    def pending(self, limit: int) -> list[SpooledResult]:
        """The oldest undelivered results first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, payload FROM results WHERE delivered_at IS NULL ORDER BY observed_at, seq LIMIT ?",
                (limit,),
            ).fetchall()
        return [SpooledResult(seq, json.loads(payload)) for seq, payload in rows]

    def mark_delivered(self, items: list[SpooledResult]) -> None:
        with self._transaction():
            self._db.executemany(
                "UPDATE results SET delivered_at = ? WHERE seq = ?", [(_now(), item.seq) for item in items]
            )

    def dead_letter(self, item: SpooledResult, error: str) -> None:
        """Move a result the server refused out of the queue, keeping it and the reason."""
        with self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO dead_letters (seq, sample_id, target, payload, error, refused_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (item.seq, item.sample_id, str(item.payload["target"]), json.dumps(item.payload), error, _now()),
            )
            self._db.execute("DELETE FROM results WHERE seq = ?", (item.seq,))

    def pending_count(self) -> int:
        return self._count("SELECT COUNT(*) FROM results WHERE delivered_at IS NULL")

    def dead_letter_count(self) -> int:
        return self._count("SELECT COUNT(*) FROM dead_letters")

    def _count(self, sql: str) -> int:
        with self._lock:
            (count,) = self._db.execute(sql).fetchone()
        return int(count)


def _now() -> str:
    return utc_now().isoformat()
