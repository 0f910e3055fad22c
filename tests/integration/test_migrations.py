"""Migrations: up from empty on the test database, down and up again, and in step with the models."""

from __future__ import annotations

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from slatrack.extensions import db
from slatrack.models import Base


def test_models_match_the_migrations(app: Flask) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_down_to_empty_and_up_again(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    with app.app_context():
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        assert "audit_records" in inspect(db.engine).get_table_names()
        assert len(set(inspect(db.engine).get_table_names()) - {"alembic_version"}) == len(Base.metadata.tables)


def test_0002_turns_shared_read_marks_into_per_person_ones(
    make_app: Callable[..., Flask], make_user: Callable[..., object]
) -> None:
    from sqlalchemy import text

    make_user("eng", "vendor")
    make_user("boss", "admin")
    downgrade(revision="0002_hardening")
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO notifications (key, kind, role, message, link, created_at, read_at) VALUES "
                "('k-read', 'ticket_due', 'vendor', 'read by the vendors', '', :at, :at), "
                "('k-unread', 'ticket_due', 'vendor', 'unread', '', :at, NULL)"
            ),
            {"at": "2026-12-01 08:00:00"},
        )
    upgrade()
    with db.engine.connect() as connection:
        reads = connection.execute(
            text(
                "SELECT n.key, u.username FROM notification_reads r JOIN notifications n ON n.id = r.notification_id "
                "JOIN users u ON u.id = r.user_id"
            )
        ).all()
    assert [tuple(row) for row in reads] == [("k-read", "eng")]
    downgrade(revision="0002_hardening")  # and back: the mark is shared again
    with db.engine.connect() as connection:
        marks = connection.execute(text("SELECT key, read_at IS NOT NULL FROM notifications ORDER BY key")).all()
    assert [tuple(row) for row in marks] == [("k-read", True), ("k-unread", False)]
    upgrade()
