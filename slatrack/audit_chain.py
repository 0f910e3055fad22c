"""The audit log as a hash chain: each record carries the hash of the one before it.

A record's hash is SHA-256 over its content and the previous record's hash, so changing a record breaks
its own hash and deleting one breaks the link of the next; ``audit_chain_head`` holds the last hash and
the count, so cutting records off the end shows too.

Appending first updates the single head row. That takes a row lock on PostgreSQL and the write lock on
SQLite, held until the transaction ends, so concurrent writers extend the chain one after another and
never fork it: the chain order is the commit order and the id order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.engine import Connection

from slatrack.models import AuditChainHead, AuditRecord

HEAD_ID = 1
# The columns a record's hash covers, in this order.
HASHED = ("at", "actor", "action", "object_type", "object_id", "before", "after", "outcome", "remote_addr", "detail")


def _instant(value: Any) -> str:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return "" if value is None else str(value)


def record_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    """The hash of one record given the previous record's hash (deterministic on both databases)."""
    content = [prev_hash] + [_instant(row.get("at")) if key == "at" else row.get(key) for key in HASHED]
    payload = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _lock_head(connection: Connection, added: int) -> str:
    """Lock the head row (creating it on first use) and return the hash the next record links to."""
    head = cast(Table, AuditChainHead.__table__)
    changed = connection.execute(
        update(head).where(head.c.id == HEAD_ID).values(records=head.c.records + added)
    ).rowcount
    if not changed:
        connection.execute(insert(head).values(id=HEAD_ID, last_hash="", records=added))
    return str(connection.execute(select(head.c.last_hash).where(head.c.id == HEAD_ID)).scalar_one())


def seal(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Give each row (column values of audit_records, about to be inserted in this order) its place in the
    chain: sets ``prev_hash`` and ``row_hash`` and moves the head past them, in the caller's transaction."""
    if not rows:
        return
    previous = _lock_head(connection, len(rows))
    for row in rows:
        row["prev_hash"] = previous
        row["row_hash"] = previous = record_hash(previous, row)
    head = cast(Table, AuditChainHead.__table__)
    connection.execute(update(head).where(head.c.id == HEAD_ID).values(last_hash=previous))


@dataclass(frozen=True)
class ChainReport:
    records: int
    last_hash: str
    broken_id: int | None = None  # the first record whose link or hash does not hold
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_id is None and not self.reason


def verify_rows(rows: Iterable[Mapping[str, Any]], head: tuple[str, int] | None) -> ChainReport:
    """Walk records in id order; report the first broken link, or a head that does not match the end."""
    previous = ""
    count = 0
    for row in rows:
        count += 1
        if row["prev_hash"] != previous:
            return ChainReport(count, previous, int(row["id"]), "链接断开：prev_hash 与上一条记录的哈希不一致")
        if record_hash(previous, row) != row["row_hash"]:
            return ChainReport(count, previous, int(row["id"]), "内容被改动：记录哈希与内容不符")
        previous = str(row["row_hash"])
    if head is not None and (head[0] != previous or head[1] != count):
        return ChainReport(
            count, previous, None, f"链尾不符：链头记录 {head[1]} 条、哈希 {head[0][:12]}…，实际 {count} 条"
        )
    return ChainReport(count, previous)


def verify(connection: Connection) -> ChainReport:
    table = cast(Table, AuditRecord.__table__)
    head_table = cast(Table, AuditChainHead.__table__)
    head_row = connection.execute(
        select(head_table.c.last_hash, head_table.c.records).where(head_table.c.id == HEAD_ID)
    ).first()
    head = (str(head_row[0]), int(head_row[1])) if head_row is not None else ("", 0)
    result = connection.execute(select(table).order_by(table.c.id)).mappings()
    return verify_rows(cast(Iterable[Mapping[str, Any]], result), head)
