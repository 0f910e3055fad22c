"""Who may use which route. Every view declares a policy; the app refuses to start if one does not.

``@allow("admin", "vendor")`` lets those roles in; ``@public`` lets anyone in. Unit users are further
limited to their own unit's data by the operations they call, not here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask

from slatrack.models.enums import MACHINE_ROLE, ROLES

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = frozenset({"*"})
KNOWN_ROLES = frozenset(ROLES) | {MACHINE_ROLE}
# Convenience groups used across blueprints.
STAFF = ("admin", "vendor")
READERS = ("admin", "vendor", "auditor")
EVERYONE = ("admin", "vendor", "unit", "auditor")


@dataclass(frozen=True)
class Principal:
    """Who is making the request: a user (via session or token) or a machine token."""

    name: str
    role: str
    user_id: int | None
    unit_id: int | None
    token_id: int | None = None

    @property
    def is_machine(self) -> bool:
        return self.role == MACHINE_ROLE


def allow(*roles: str) -> Callable[[F], F]:
    unknown = set(roles) - KNOWN_ROLES
    if unknown or not roles:
        raise ValueError(f"unknown roles in policy: {sorted(unknown) or 'none given'}")

    def mark(view: F) -> F:
        view._policy = frozenset(roles)  # type: ignore[attr-defined]
        return view

    return mark


def public(view: F) -> F:
    view._policy = PUBLIC  # type: ignore[attr-defined]
    return view


def policy_of(view: Callable[..., Any], method: str) -> frozenset[str] | None:
    """The roles allowed for a view (a function, or a MethodView's method)."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        handler = getattr(view_class, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(view_class, "get", None)
        found = getattr(handler, "_policy", None) or getattr(view_class, "_policy", None)
        return found if isinstance(found, frozenset) else None
    found = getattr(view, "_policy", None)
    return found if isinstance(found, frozenset) else None


def undeclared_routes(app: Flask) -> list[str]:
    """Routes whose view (for some method) has no policy. Static files are public by nature."""
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"OPTIONS"}):
            if policy_of(view, method) is None:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    return missing


def permits(policy: frozenset[str], principal: Principal | None) -> bool:
    if policy == PUBLIC:
        return True
    return principal is not None and principal.role in policy
