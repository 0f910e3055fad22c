"""Audit every change of business data, in the transaction that makes it, and every login.

A SQLAlchemy ``after_flush`` hook inspects what the flush wrote and inserts audit rows through the
same connection, so a change and its audit record commit or roll back together: nothing is lost.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import event, insert, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, configure_mappers

from slatrack import audit_chain
from slatrack.models import AuditRecord
from slatrack.models.base import Base, utcnow

# Columns whose values never enter the audit log.
SECRET_COLUMNS = {"password_hash", "token_hash", "heartbeat_token_hash", "secret", "webhook_url"}
# Bulky stored documents: the audit record keeps their SHA-256 and size, enough to prove what was stored.
DIGESTED_COLUMNS = {"frozen_document"}
# Bookkeeping columns whose changes alone do not make an audit record (logins are audited explicitly).
IGNORED_COLUMNS = {"failed_logins", "locked_until", "last_login_at", "last_used_at", "session_version"}

_actor: contextvars.ContextVar[str | None] = contextvars.ContextVar("slatrack_actor", default=None)


@contextlib.contextmanager
def acting_as(actor: str) -> Iterator[None]:
    """Name who makes the changes outside a request (a CLI command, a scheduled job)."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> str:
    if has_request_context():
        principal = getattr(g, "principal", None)
        if principal is not None:
            return str(principal.name)
    return _actor.get() or "system"


def _remote_addr() -> str:
    return (request.remote_addr or "") if has_request_context() else ""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def _digest(value: Any) -> Any:
    if value is None:
        return None
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return {"sha256": hashlib.sha256(text).hexdigest(), "bytes": len(text)}


def _shown(key: str, value: Any) -> Any:
    if key in SECRET_COLUMNS:
        return "***"
    if key in DIGESTED_COLUMNS:
        return _digest(value)
    return _plain(value)


def _columns(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    return {attr.key: _shown(attr.key, getattr(obj, attr.key)) for attr in state.mapper.column_attrs}


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if not history.has_changes() or attr.key in IGNORED_COLUMNS:
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        before[attr.key] = _shown(attr.key, old)
        after[attr.key] = _shown(attr.key, new)
    return before, after


def _row(action: str, obj: Any, before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    state = inspect(obj)
    identity = [value for value in state.mapper.primary_key_from_instance(obj) if value is not None]
    return {
        "at": utcnow(),
        "actor": current_actor()[:80],
        "action": action,
        "object_type": obj.__tablename__,
        "object_id": ",".join(str(part) for part in identity) if identity else "",
        "before": before,
        "after": after,
        "outcome": "success",
        "remote_addr": _remote_addr(),
        "detail": "",
    }


def _after_flush(session: Session, flush_context: object) -> None:
    rows = []
    for obj in session.new:
        if getattr(obj, "__audited__", False):
            rows.append(_row("create", obj, None, _columns(obj)))
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after or before:
                rows.append(_row("update", obj, before, after))
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            rows.append(_row("delete", obj, _columns(obj), None))
    if rows:
        audit_chain.seal(session.connection(), rows)
        session.connection().execute(insert(AuditRecord), rows)


def _seal_record(mapper: object, connection: Connection, target: AuditRecord) -> None:
    """Records added through the ORM (``record()``) take their place in the hash chain as they are inserted."""
    values = {key: getattr(target, key) for key in audit_chain.HASHED}
    values["at"] = values["at"] or utcnow()
    for key in ("object_type", "object_id", "remote_addr", "detail"):
        values[key] = values[key] or ""
    values["outcome"] = values["outcome"] or "success"
    audit_chain.seal(connection, [values])
    for key, value in values.items():
        setattr(target, key, value)


def _refuse_change(mapper: object, connection: object, target: AuditRecord) -> None:
    raise PermissionError("audit records cannot be changed or deleted")


def _old_value_kept(target: object, value: Any, oldvalue: Any, initiator: object) -> None:
    """Registered with ``active_history``: its presence makes the ORM load the value being replaced."""


def _keep_old_values() -> None:
    """An assignment to an audited column loads the value it replaces, even when it was expired.

    After a commit every attribute is expired; ``unit.name = "…"`` would otherwise replace a value the
    session never read, and the audit record would say the old name was empty.
    """
    configure_mappers()
    for mapper in Base.registry.mappers:
        if not getattr(mapper.class_, "__audited__", False):
            continue
        for attr in mapper.column_attrs:
            attribute = getattr(mapper.class_, attr.key)
            if attr.key not in IGNORED_COLUMNS and not event.contains(attribute, "set", _old_value_kept):
                event.listen(attribute, "set", _old_value_kept, active_history=True)


def install(session_class: type[Session]) -> None:
    """Hook auditing into every session of this class; also forbid edits to audit rows via the ORM."""
    if not event.contains(session_class, "after_flush", _after_flush):
        event.listen(session_class, "after_flush", _after_flush)
        event.listen(AuditRecord, "before_insert", _seal_record)
        event.listen(AuditRecord, "before_update", _refuse_change)
        event.listen(AuditRecord, "before_delete", _refuse_change)
    _keep_old_values()


def record(
    action: str,
    *,
    actor: str | None = None,
    outcome: str = "success",
    object_type: str = "",
    object_id: str = "",
    detail: str = "",
) -> None:
    """Add an explicit audit record (logins, downloads, refused actions) to the current transaction."""
    from slatrack.extensions import db

    db.session.add(
        AuditRecord(
            at=utcnow(),
            actor=(actor or current_actor())[:80],
            action=action,
            object_type=object_type,
            object_id=object_id,
            outcome=outcome,
            remote_addr=_remote_addr(),
            detail=detail,
        )
    )
