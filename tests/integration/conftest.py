"""Fixtures for tests that need the application and a database.

The database is SQLite by default. Set ``SLATRACK_TEST_DATABASE_URL`` to a PostgreSQL server URL
(e.g. ``postgresql+psycopg:///postgres``) and every test runs on PostgreSQL instead: a template
database is migrated and loaded once per session, and each test gets a fresh copy of it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from slatrack import create_app
from slatrack.extensions import db

PASSWORD = "Test@Passw0rd"
SERVER_URL = os.environ.get("SLATRACK_TEST_DATABASE_URL", "")
TEMPLATE_DB = f"slatrack_tpl_{os.getpid()}"


def _admin_engine():  # type: ignore[no-untyped-def]
    return create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")


def _db_url(name: str) -> str:
    return make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)


def _base_config(instance: Path, uri: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": uri,
        "SECRET_KEY": "test-secret-key-0123456789",
        "WTF_CSRF_ENABLED": False,
        # scrypt costs ~0.1 s a hash: the tests make hundreds of users. Production keeps scrypt.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


def _prepare_template(instance: Path, uri: str) -> None:
    from flask_migrate import upgrade

    from slatrack.operations.reference.loading import load_reference

    app = create_app(_base_config(instance, uri))
    with app.app_context():
        upgrade()
        load_reference()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database with the reference data, copied for each test."""
    instance = tmp_path_factory.mktemp("template-instance")
    if SERVER_URL:
        engine = _admin_engine()
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}"'))
            conn.execute(text(f'CREATE DATABASE "{TEMPLATE_DB}"'))
        _prepare_template(instance, _db_url(TEMPLATE_DB))
        yield TEMPLATE_DB
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)'))
        engine.dispose()
    else:
        path = instance / "template.sqlite3"
        _prepare_template(instance, f"sqlite:///{path}")
        yield str(path)


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> Iterator[str]:
    if SERVER_URL:
        name = f"slatrack_t_{uuid.uuid4().hex[:12]}"
        engine = _admin_engine()
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{database_template}"'))
        yield _db_url(name)
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
    else:
        path = tmp_path / "test.sqlite3"
        shutil.copy(database_template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    created: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        os.environ["SLATRACK_INSTANCE_PATH"] = str(tmp_path / "instance")
        try:
            app = create_app({**_base_config(tmp_path, database_url), **overrides})
        finally:
            del os.environ["SLATRACK_INSTANCE_PATH"]
        created.append(app)
        return app

    yield factory
    for app in created:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    application = make_app()
    with application.app_context():
        yield application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., Any]:
    from slatrack.operations.accounts.users import create_user

    def factory(username: str, role: str = "admin", unit: str | None = None) -> Any:
        if role == "unit" and unit is None:
            unit = "522701"
        return create_user(username, role, PASSWORD, unit_code=unit)

    return factory


@pytest.fixture
def make_token(app: Flask, make_user: Callable[..., Any]) -> Callable[..., str]:
    from slatrack.operations.accounts.users import create_token

    def factory(role: str | None = "admin", unit: str | None = None) -> str:
        name = f"t-{uuid.uuid4().hex[:8]}"
        username = None
        if role is not None:
            username = f"u-{role}-{uuid.uuid4().hex[:6]}"
            make_user(username, role, unit)
        return create_token(name, username)[1]

    return factory


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> Any:
    return client.post("/login", data={"username": username, "password": password})
