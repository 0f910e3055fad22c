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
