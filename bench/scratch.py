"""A scratch slatrack for a benchmark: a new SQLite file, or a new database on a PostgreSQL server, with the
schema and the 2025 reference data, removed again afterwards."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def scratch_app(database_url: str, prefix: str, config: dict[str, Any] | None = None) -> Iterator[Flask]:
    """An application on a scratch database (SQLite when ``database_url`` is empty); dropped at the end."""
    workdir = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
    scratch = None
    admin = None
    if database_url:
        scratch = f"{prefix.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{scratch}"'))
        url = make_url(database_url).set(database=scratch).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["SLATRACK_INSTANCE_PATH"] = str(workdir / "instance")

    from flask_migrate import upgrade

    from slatrack import create_app
    from slatrack.audit import acting_as
    from slatrack.extensions import db
    from slatrack.operations.reference.loading import load_reference

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key-0123456789", **(config or {})})
    try:
        with app.app_context():
            upgrade()
            with acting_as("bench"):
                load_reference()
            db.session.commit()
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
