"""The user behind the current request, for the pages and the API alike (``g.principal`` is set by auth)."""

from __future__ import annotations

from flask import g

from slatrack.extensions import db
from slatrack.models import User


def acting_user() -> User | None:
    """The signed-in user, or the user a token acts for; None for a probe (machine) token."""
    user_id = g.principal.user_id
    return None if user_id is None else db.session.get(User, user_id)
