"""The health check behind ``/healthz``: the database answers."""

from __future__ import annotations

from sqlalchemy import text

from slatrack.extensions import db


def database_answers() -> bool:
    """True once the database answered a trivial query; its errors propagate (the check then fails)."""
    db.session.execute(text("SELECT 1"))
    return True
