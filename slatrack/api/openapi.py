"""The OpenAPI document says what the server does: errors in the server's own shape, on every operation.

flask-smorest documents errors as ``{code, status, message, errors}``; the server answers
``{"error": {"code", "message", "fields"}}`` (slatrack.api.errors). ``install`` makes the document use
``ErrorSchema`` for every error response and adds to each operation the error statuses any request can
meet: 400 (malformed or too deeply nested JSON), 401/403 (no or insufficient credentials; not on public
operations, which get an empty ``security``), 404 (unknown id or reference), 409 (a state conflict),
413 (body too large), 422 (a field refused; the guard of slatrack.input_guard also answers it for query
parameters and path parts) and 503 (database unavailable).
"""

from __future__ import annotations

import http
from typing import Any

from apispec import BasePlugin
from flask import Flask
from flask_smorest import Api

from slatrack.api.schemas import ErrorSchema
from slatrack.policy import PUBLIC

COMMON = (400, 404, 409, 413, 422, 503)
AUTHENTICATED = (401, 403)


class ErrorResponses(BasePlugin):
    """Adds the common error responses (as references to flask-smorest's per-status components)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        rule = kwargs.get("rule")
        view = self.app.view_functions.get(rule.endpoint) if rule is not None else None
        for method, operation in (operations or {}).items():
            if method == "parameters" or not isinstance(operation, dict):
                continue
            handler = getattr(getattr(view, "view_class", None), method, view)
            public = getattr(handler, "_policy", getattr(view, "_policy", None)) == PUBLIC
            statuses = COMMON if public else (*AUTHENTICATED, *COMMON)
            responses = operation.setdefault("responses", {})
            for status in statuses:
                responses.setdefault(str(status), http.HTTPStatus(status).name)
            if public:
                operation["security"] = []


def use_error_schema(api: Api) -> None:
    """Before ``api.init_app``: the per-status responses flask-smorest registers use our error shape."""
    api.ERROR_SCHEMA = ErrorSchema


def install(app: Flask, api: Api) -> None:
    """After ``api.init_app`` and before blueprints are registered."""
    assert api.spec is not None
    plugin = ErrorResponses(app)
    plugin.init_spec(api.spec)
    api.spec.plugins = (*api.spec.plugins, plugin)


def ok(schema: Any, status: int = 200, description: str = "成功") -> dict[str, Any]:
    """A success response documented with ``schema`` for ``@blp.doc(responses=...)`` (views that build their JSON)."""
    return {str(status): {"description": description, "content": {"application/json": {"schema": schema}}}}
