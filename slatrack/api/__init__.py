"""The REST API under /api/v1: validated with marshmallow schemas, documented at /api/v1/openapi.json."""

from __future__ import annotations

import functools
import importlib
from typing import Any

from flask import Flask
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from slatrack import input_guard
from slatrack.api import errors, limits, openapi
from slatrack.operations import OperationError
from slatrack.policy import public

API_SETTINGS = {
    "API_TITLE": "slatrack API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {"description": "黔南州督考系统运维服务 SLA 跟踪接口。认证：Authorization: Bearer <令牌>。"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    },
}


def _handle_http_exception(error: HTTPException) -> ResponseReturnValue:
    if errors.wants_json():
        return errors.from_http_exception(error)
    if isinstance(error, CSRFError):  # a form kept open past its token's life, or opened in another session
        return errors.error_page(400, errors.STALE_FORM)
    return errors.error_page(error.code or 500)


def _handle_operation_error(error: OperationError) -> ResponseReturnValue:
    if errors.wants_json():
        return errors.from_operation_error(error)
    return errors.error_page(error.status, error.message)


def _handle_unexpected(error: Exception) -> ResponseReturnValue:
    if isinstance(error, HTTPException):
        return _handle_http_exception(error)
    from flask import current_app

    current_app.logger.exception("unhandled error")
    from slatrack.extensions import db

    db.session.rollback()  # a failed statement must not poison later work in the same session
    return _handle_http_exception(InternalServerError())


# Modules under slatrack/api/ that define a flask-smorest Blueprint named ``blp``, one per line.
API_MODULES = (
    "targets",
    "probe_results",
    "outages",
    "indicators",
    "sla",
    "report_status",
    "tickets",
    "records",
    "reports",
    "late_entries",
    "notification_channels",
    "reference",
    "reference_indicators",
    "holiday_calendars",
)


def register(app: Flask) -> None:
    from slatrack.extensions import api, csrf

    for key, value in API_SETTINGS.items():
        app.config.setdefault(key, value)
    # Before any route is added: ids in every path (API and pages) are bounded to the id columns' range; every request's
    # text, JSON nesting and page numbers are checked by the input guard (slatrack.textsafety rules).
    app.url_map.converters["int"] = limits.BoundedInt
    input_guard.install(app)
    openapi.use_error_schema(api)
    api.DEFAULT_ERROR_RESPONSE_NAME = None  # every status is listed by openapi.install
    api.init_app(app)
    api.register_converter(limits.BoundedInt, limits.bounded_int_schema)
    openapi.install(app, api)
    for name in API_MODULES:
        blueprint = importlib.import_module(f"slatrack.api.{name}").blp
        api.register_blueprint(blueprint, url_prefix="/api/v1")
        # Bearer tokens, not cookies, authenticate API calls, so CSRF does not apply to them.
        csrf.exempt(blueprint)

    # The OpenAPI document describes the API and holds no data: anyone may read it.
    endpoint = "api-docs.openapi_json"
    view = app.view_functions[endpoint]

    @functools.wraps(view)
    def openapi_json(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        return view(*args, **kwargs)  # type: ignore[return-value]

    app.view_functions[endpoint] = public(openapi_json)

    # Replace flask-smorest's handler: JSON for the API in our shape, Chinese pages for the web.
    app.error_handler_spec[None][None].pop(HTTPException, None)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(OperationError, _handle_operation_error)
    app.register_error_handler(Exception, _handle_unexpected)
