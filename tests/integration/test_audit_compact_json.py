"""The audit log's JSON is stored as compact UTF-8 text; the values read, shown and hashed are unchanged."""

from __future__ import annotations

import json

from flask import Flask
from sqlalchemy import select, text

from slatrack.audit import acting_as
from slatrack.audit_chain import verify
from slatrack.extensions import db
from slatrack.models import AuditRecord, Unit


def test_audit_values_are_stored_as_utf8_without_escapes_and_read_back_the_same(app: Flask) -> None:
    with acting_as("cli:tester"):
        unit = Unit(code="522799", name="州测试部门")
        db.session.add(unit)
        db.session.commit()
        assert unit.name == "州测试部门"
        unit.name = "州测试部门（改）"
        db.session.commit()
    record = db.session.scalars(
        select(AuditRecord).where(AuditRecord.object_type == "units").order_by(AuditRecord.id.desc())
    ).first()
    assert record is not None
    assert record.before == {"name": "州测试部门"} and record.after == {"name": "州测试部门（改）"}
    stored = db.session.execute(
        text('SELECT "before", "after" FROM audit_records WHERE id = :id'), {"id": record.id}
    ).one()
    # The text as stored (PostgreSQL's json type keeps it as written).
    texts = [value if isinstance(value, str) else json.dumps(value, ensure_ascii=False) for value in stored]
    if db.engine.dialect.name == "sqlite":
        assert texts == ['{"name":"州测试部门"}', '{"name":"州测试部门（改）"}']
    assert all("\\u" not in value for value in texts)
    with db.engine.connect() as connection:
        assert verify(connection).intact
