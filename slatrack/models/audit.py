"""The audit log: append-only, written in the same transaction as the change it records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from slatrack.models.base import Base, utcnow


class AuditRecord(Base):
    __tablename__ = "audit_records"
    __audited__ = False
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # The user name at the time (kept as text so the record outlives the account), or 'system'/'cli:…'.
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(48), default="")
    object_id: Mapped[str] = mapped_column(String(48), default="")
    before: Mapped[dict[str, object] | None] = mapped_column(JSON)
    after: Mapped[dict[str, object] | None] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(16), default="success")
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    # The hash chain (slatrack/audit_chain.py): the previous record's hash and this record's own.
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    row_hash: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (Index("ix_audit_records_at", "at"), Index("ix_audit_records_object", "object_type", "object_id"))


class AuditChainHead(Base):
    """One row: the hash of the last audit record and how many there are. Appending locks this row, so
    concurrent writers extend the chain one after another on SQLite and PostgreSQL alike."""

    __tablename__ = "audit_chain_head"
    __audited__ = False
    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64), default="")
    records: Mapped[int] = mapped_column(default=0)
