"""The application factory: settings precedence, validation at start, and that nothing starts."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from slatrack import create_app
from slatrack.config import ConfigError


def test_defaults_then_instance_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.py").write_text("TIMEZONE = 'Asia/Urumqi'\nLOCKOUT_MINUTES = 20\n")
    monkeypatch.setenv("SLATRACK_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("SLATRACK_LOCKOUT_MINUTES", "25")
    app = create_app()
    assert app.instance_path == str(instance)
    assert app.config["TIMEZONE"] == "Asia/Urumqi"  # from instance/config.py
    assert app.config["LOCKOUT_MINUTES"] == 25  # environment wins over the file
    assert app.config["LOCKOUT_THRESHOLD"] == 5  # default
    # SQLite in the instance folder, and a secret made once and kept.
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'slatrack.sqlite3'}"
    secret = (instance / "secret_key").read_text()
    assert app.config["SECRET_KEY"] == secret
    assert create_app().config["SECRET_KEY"] == secret
    assert (instance / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("SLATRACK_TIMEZONE", "Mars/Olympus", "TIMEZONE"),
        ("SLATRACK_LOCKOUT_MINUTES", "soon", "SLATRACK_LOCKOUT_MINUTES"),
        ("SLATRACK_SESSION_IDLE_MINUTES", "0", "SESSION_IDLE_MINUTES"),
        ("SLATRACK_DATABASE_URL", "mysql://x/y", "SLATRACK_DATABASE_URL"),
        ("SLATRACK_SECRET_KEY", "short", "SECRET_KEY"),
        ("SLATRACK_PASSWORD_HASH_METHOD", "pbkdf2:sha256:10", "PASSWORD_HASH_METHOD"),
        ("SLATRACK_PASSWORD_HASH_METHOD", "plain", "PASSWORD_HASH_METHOD"),
    ],
)
def test_bad_setting_fails_at_start_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv("SLATRACK_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=named):
        create_app()


def test_creating_the_app_starts_no_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLATRACK_INSTANCE_PATH", str(tmp_path))
    before = {t.ident for t in threading.enumerate()}
    create_app()
    after = {t.ident for t in threading.enumerate()}
    assert after == before


def test_test_config_overrides_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLATRACK_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SLATRACK_TIMEZONE", "Asia/Urumqi")
    app = create_app({"TIMEZONE": "Asia/Shanghai", "SECRET_KEY": "x" * 32})
    assert app.config["TIMEZONE"] == "Asia/Shanghai"
    assert app.config["SECRET_KEY"] == "x" * 32


def test_healthz_answers(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["failed"] == [] and body["checks"]["database"]["ok"] is True
