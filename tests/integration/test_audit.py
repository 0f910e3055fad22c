"""Every change of business data writes an audit record in the same transaction; records cannot be changed."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from slatrack.audit import acting_as
from slatrack.extensions import db
from slatrack.models import AuditRecord, Payment, Unit


def _last(object_type: str) -> AuditRecord:
    record = db.session.scalars(
        select(AuditRecord).where(AuditRecord.object_type == object_type).order_by(AuditRecord.id.desc())
    ).first()
    assert record is not None
    return record


def test_create_update_delete_are_audited_with_before_and_after(app: Flask) -> None:
    with acting_as("cli:tester"):
        unit = Unit(code="522799", name="州测试部门")
        db.session.add(unit)
        db.session.commit()
        created = _last("units")
        assert (created.action, created.actor, created.object_id) == ("create", "cli:tester", str(unit.id))
        assert created.before is None and created.after is not None and created.after["name"] == "州测试部门"

        unit.name = "州测试部门（改）"
        db.session.commit()
        updated = _last("units")
        assert updated.action == "update"
        assert updated.before == {"name": "州测试部门"} and updated.after == {"name": "州测试部门（改）"}

        db.session.delete(unit)
        db.session.commit()
        deleted = _last("units")
        assert deleted.action == "delete" and deleted.before is not None and deleted.before["code"] == "522799"


def test_rolled_back_change_leaves_no_audit_record(app: Flask) -> None:
    count = db.session.query(AuditRecord).count()
    db.session.add(Unit(code="522798", name="回滚单位"))
    db.session.flush()
    db.session.rollback()
    assert db.session.query(AuditRecord).count() == count


def test_audit_records_cannot_be_changed_through_the_orm(app: Flask) -> None:
    record = db.session.scalars(select(AuditRecord)).first()
    assert record is not None
    record.actor = "someone else"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(AuditRecord)).first())
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()


def test_audit_records_cannot_be_changed_in_the_database(app: Flask) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("UPDATE audit_records SET actor = 'x'"))
    db.session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM audit_records"))
    db.session.rollback()
    assert db.session.query(AuditRecord).filter(AuditRecord.actor == "x").count() == 0


def test_money_is_audited_as_exact_text(app: Flask) -> None:
    from datetime import date
    from decimal import Decimal

    from slatrack.models import BudgetLine

    line = db.session.scalars(select(BudgetLine)).first()
    assert line is not None
    db.session.add(Payment(budget_line_id=line.id, amount=Decimal("1234.50"), paid_on=date(2025, 5, 1)))
    db.session.commit()
    assert _last("payments").after["amount"] in ("1234.50", "1234.5")  # type: ignore[index]


def test_an_assignment_right_after_a_commit_is_audited_with_the_value_it_replaced(app: Flask) -> None:
    with acting_as("cli:tester"):
        unit = Unit(code="522798", name="州旧名称部门")
        db.session.add(unit)
        db.session.commit()  # every attribute expires: the old name is no longer in the session
        unit.name = "州新名称部门"
        db.session.commit()
        updated = _last("units")
        assert updated.before == {"name": "州旧名称部门"} and updated.after == {"name": "州新名称部门"}
