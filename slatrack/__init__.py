"""slatrack: an SLA tracker for the maintenance contract of the Qiannan supervision-and-evaluation system.

``create_app()`` builds the application and starts nothing: no scheduler, no threads. The scheduler is
started on purpose by ``slatrack run`` or ``slatrack scheduler``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from slatrack import config as settings
from slatrack import serving


def _instance_path() -> str | None:
    path = os.environ.get("SLATRACK_INSTANCE_PATH")
    return str(Path(path).resolve()) if path else None


def _secret_key(instance: Path) -> str:
    """A per-installation secret kept in the instance folder, made once, readable by the owner only."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    # Created owner-only from the start, not made private after a moment of being readable.
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
        file.write(key)
    return key


def _private_folder(instance: Path) -> None:
    """The instance folder (database, secret key, uploads) readable by its owner only (0700), whatever the
    umask, and also when it came with the checkout (instance/ is tracked for config.example.py)."""
    if not instance.exists():
        instance.mkdir(parents=True, mode=0o700)
    if hasattr(os, "getuid") and instance.stat().st_uid == os.getuid() and instance.stat().st_mode & 0o077:
        instance.chmod(0o700)


def _private_sqlite_file(uri: str) -> None:
    """Create the SQLite file owner-only (0600) before SQLite does; its -wal and -shm files copy that mode."""
    from sqlalchemy.engine import make_url

    database = make_url(uri).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.exists() and path.parent.is_dir():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def create_app(test_config: Mapping[str, Any] | None = None, *, routes: bool = True) -> Flask:
    """The application; ``routes=False`` leaves out the pages and the API (for commands that serve nothing)."""
    app = Flask(__name__, instance_path=_instance_path(), instance_relative_config=True)
    app.config.from_mapping(settings.DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(settings.environment())
    if test_config:
        app.config.update(test_config)

    instance = Path(app.instance_path)
    _private_folder(instance)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'slatrack.sqlite3'}"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(instance)
    settings.validate(app.config)
    from slatrack.clock import install_clock

    install_clock(app.config)
    app.config["PERMANENT_SESSION_LIFETIME"] = settings.session_lifetime(app.config)
    app.config.setdefault("UPLOAD_FOLDER", str(instance / "uploads"))

    _configure_database(app)
    _configure_security(app)
    if routes:
        _configure_api(app)
        _configure_web(app)
    _configure_cli(app)
    if routes:
        _check_policies(app)
        serving.install_access_log(app)
    return app


def _configure_database(app: Flask) -> None:
    from flask_sqlalchemy.session import Session as FlaskSession
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from slatrack import audit, data_version
    from slatrack.extensions import db, migrate
    from slatrack.models.compact_types import compact_json

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})
    # JSON columns (the audit log's before/after above all) as UTF-8 text without spaces, not \u escapes.
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {}).setdefault("json_serializer", compact_json)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)
    audit.install(FlaskSession)
    with app.app_context():
        data_version.install(db.engine)  # every committed write moves the data version on

    if uri.startswith("sqlite"):
        with app.app_context():
            engine: Engine = db.engine

            @event.listens_for(engine, "connect")
            def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
                # Foreign keys are off by default in SQLite; WAL lets pages read while jobs write.
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.close()


def _configure_security(app: Flask) -> None:
    from slatrack import auth
    from slatrack.extensions import csrf, login_manager

    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "web.login"
    login_manager.login_message = "请先登录"
    login_manager.session_protection = "strong"
    auth.install(app)


def _configure_api(app: Flask) -> None:
    from slatrack.api import register

    register(app)


def _configure_web(app: Flask) -> None:
    from slatrack import availability, web_security
    from slatrack.web import register

    register(app)
    availability.install(app)  # a Chinese 503 with Retry-After while the database is away
    web_security.install(app)  # security headers; a CSRF header for API writes made with a session cookie


def _configure_cli(app: Flask) -> None:
    from slatrack.cli.commands import register

    register(app)


def _check_policies(app: Flask) -> None:
    from slatrack.policy import undeclared_routes

    missing = undeclared_routes(app)
    if missing:
        raise RuntimeError("routes without a declared access policy: " + "; ".join(missing))
