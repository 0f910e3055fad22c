"""The permission matrix: every route, every role. A new route fails here until its access is declared."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from slatrack.policy import allow, undeclared_routes
from tests.integration.conftest import PASSWORD, bearer

ALL = {"admin", "vendor", "unit", "auditor"}
ANYONE = ALL | {"anonymous", "probe"}
STAFF = {"admin", "vendor"}

# "METHOD /rule" -> the principals that may use it. Every route of the app must be listed.
MATRIX: dict[str, set[str]] = {
    "GET /api/v1/targets": {"admin", "vendor", "auditor"},
    "POST /api/v1/targets": {"admin"},
    "GET /api/v1/targets/<int:target_id>": {"admin", "vendor", "auditor"},
    "PATCH /api/v1/targets/<int:target_id>": {"admin"},
    "POST /api/v1/targets/<int:target_id>/pause": {"admin"},
    "POST /api/v1/targets/<int:target_id>/resume": {"admin"},
    "POST /api/v1/targets/<int:target_id>/retire": {"admin"},
    "POST /api/v1/targets/<int:target_id>/heartbeat-token": {"admin"},
    "POST /api/v1/probe-results": {"admin", "probe"},
    "POST /api/v1/heartbeat/<token>": ANYONE,
    "GET /api/v1/outages": {"admin", "vendor", "auditor"},
    "POST /api/v1/outages": STAFF,
    "GET /api/v1/outages/<int:outage_id>": {"admin", "vendor", "auditor"},
    "POST /api/v1/outages/<int:outage_id>/exclusions": {"admin"},
    "PUT /api/v1/outages/<int:outage_id>/cause": STAFF,
    "GET /api/v1/maintenance-windows": {"admin", "vendor", "auditor"},
    "POST /api/v1/maintenance-windows": STAFF,
    "POST /api/v1/maintenance-windows/<int:window_id>/approve": {"admin"},
    "POST /api/v1/maintenance-windows/<int:window_id>/reject": {"admin"},
    "GET /monitoring/targets": {"admin", "vendor", "auditor"},
    "GET /monitoring/targets/<int:target_id>": {"admin", "vendor", "auditor"},
    "GET /monitoring/outages": {"admin", "vendor", "auditor"},
    "POST /monitoring/outages/<int:outage_id>/exclusions": {"admin"},
    "POST /monitoring/outages/<int:outage_id>/cause": STAFF,
    "GET /monitoring/maintenance": STAFF,
    "POST /monitoring/maintenance": STAFF,
    "POST /monitoring/maintenance/<int:window_id>/approve": {"admin"},
    "GET /monitoring/targets/new": {"admin"},
    "POST /monitoring/targets/new": {"admin"},
    "GET /monitoring/targets/<int:target_id>/edit": {"admin"},
    "POST /monitoring/targets/<int:target_id>/edit": {"admin"},
    "POST /monitoring/targets/<int:target_id>/pause": {"admin"},
    "POST /monitoring/targets/<int:target_id>/resume": {"admin"},
    "POST /monitoring/targets/<int:target_id>/retire": {"admin"},
    "POST /monitoring/targets/<int:target_id>/check": {"admin"},
    "POST /monitoring/targets/<int:target_id>/heartbeat-token": {"admin"},
    "GET /monitoring/agents": {"admin", "vendor", "auditor"},
    "GET /healthz": ANYONE,
    "GET /login": ANYONE,
    "POST /login": ANYONE,
    "POST /logout": ALL,
    "GET /account/password": ALL,
    "POST /account/password": ALL,
    "GET /": ALL,
    "GET /api/v1/openapi.json": ANYONE,
    "GET /api/v1/indicators": ALL,
    "GET /api/v1/indicators/summary": ALL,
    "GET /api/v1/sla": {"admin", "vendor", "auditor"},
    "GET /api/v1/reports/quarterly/<string:quarter>/status": {"admin", "vendor", "auditor"},
    "POST /api/v1/reports/quarterly/<string:quarter>/submit": STAFF,
    "POST /api/v1/reports/quarterly/<string:quarter>/accept": {"admin"},
    "POST /api/v1/tickets": {"admin", "vendor", "unit"},
    "GET /api/v1/tickets": ALL,
    "GET /api/v1/tickets/<int:ticket_id>": ALL,
    "POST /api/v1/tickets/<int:ticket_id>/events": STAFF,
    "POST /api/v1/tickets/<int:ticket_id>/links": STAFF,
    "POST /api/v1/tickets/<int:ticket_id>/rating": {"admin", "unit"},
    "GET /tickets": ALL,
    "GET /tickets/new": {"admin", "vendor", "unit"},
    "POST /tickets/new": {"admin", "vendor", "unit"},
    "GET /tickets/<int:ticket_id>": ALL,
    "GET /tickets/<int:ticket_id>/edit": STAFF,
    "POST /tickets/<int:ticket_id>/edit": STAFF,
    "POST /tickets/<int:ticket_id>/events": STAFF,
    "POST /tickets/<int:ticket_id>/links": STAFF,
    "POST /tickets/<int:ticket_id>/rating": {"admin", "unit"},
    "GET /tickets/import": STAFF,
    "POST /tickets/import": STAFF,
    "GET /tickets/import/mapped": STAFF,
    "POST /tickets/import/mapped": STAFF,
    "GET /tickets/export": ALL,
    "GET /tickets/template.xlsx": ALL,
    "POST /api/v1/tickets/<int:ticket_id>/priority": STAFF,
    "POST /api/v1/tickets/<int:ticket_id>/confirm-resolution": {"admin", "unit"},
    "POST /api/v1/tickets/<int:ticket_id>/return": {"admin", "unit"},
    "POST /tickets/<int:ticket_id>/confirm-resolution": {"admin", "unit"},
    "POST /tickets/<int:ticket_id>/return": {"admin", "unit"},
    "POST /tickets/<int:ticket_id>/priority": STAFF,
    "POST /api/v1/payments/<int:payment_id>/reverse": {"admin"},
    "POST /payments/<int:payment_id>/reverse": {"admin"},
    "GET /api/v1/late-entries": {"admin", "auditor"},
    "POST /api/v1/late-entries/<int:entry_id>/confirm": {"admin"},
    "POST /api/v1/late-entries/<int:entry_id>/reject": {"admin"},
    "GET /late-entries/": {"admin"},
    "POST /late-entries/<int:entry_id>/confirm": {"admin"},
    "POST /late-entries/<int:entry_id>/reject": {"admin"},
    "POST /api/v1/inspections": STAFF,
    "GET /api/v1/inspections": {"admin", "vendor", "auditor"},
    "POST /api/v1/inspections/<int:inspection_id>/evidence": STAFF,
    "POST /api/v1/survey-responses": {"admin", "unit"},
    "GET /api/v1/survey-responses": {"admin", "unit", "auditor"},
    "POST /api/v1/payments": {"admin"},
    "GET /api/v1/payments": {"admin", "auditor"},
    "GET /api/v1/budget": {"admin", "auditor"},
    "POST /api/v1/indicators/<code>/entries": {"admin"},
    "GET /api/v1/indicators/<code>/entries": ALL,
    "PUT /api/v1/indicators/<code>/review": {"admin"},
    "GET /api/v1/indicators/<code>/review": ALL,
    "GET /inspections": {"admin", "vendor", "auditor"},
    "GET /inspections/new": STAFF,
    "POST /inspections/new": STAFF,
    "GET /inspections/<int:inspection_id>/evidence": {"admin", "vendor", "auditor"},
    "GET /survey": {"admin", "unit", "auditor"},
    "POST /survey": {"admin", "unit"},
    "POST /survey/import": {"admin"},
    "GET /budget": {"admin", "auditor"},
    "POST /budget/payments": {"admin"},
    "GET /indicator-entries": {"admin", "vendor", "auditor"},
    "GET /indicator-entries/<code>": {"admin", "vendor", "auditor"},
    "POST /indicator-entries/<code>/entries": {"admin"},
    "POST /indicator-entries/<code>/review": {"admin"},
    "GET /api/v1/reports/quarterly/<string:quarter>": {"admin", "vendor", "auditor"},
    "GET /api/v1/reports/self-evaluation/<string:year>": {"admin", "vendor", "auditor"},
    "GET /reports": {"admin", "vendor", "auditor"},
    "GET /reports/quarterly/<quarter>": {"admin", "vendor", "auditor"},
    "POST /reports/quarterly/<quarter>/texts": STAFF,
    "POST /reports/quarterly/<quarter>/submit": STAFF,
    "POST /reports/quarterly/<quarter>/accept": {"admin"},
    "GET /reports/quarterly/<quarter>/download": {"admin", "vendor", "auditor"},
    "GET /reports/self-evaluation/<year>": {"admin", "vendor", "auditor"},
    "POST /reports/self-evaluation/<year>/texts": {"admin"},
    "GET /reports/self-evaluation/<year>/download": {"admin", "vendor", "auditor"},
    "GET /indicators": ALL,
    "GET /dashboard/fragment": ALL,
    "GET /notifications": ALL,
    "POST /notifications/<int:notification_id>/read": ALL,
    "POST /notifications/read-all": ALL,
    "GET /api/v1/notification-channels": {"admin"},
    "POST /api/v1/notification-channels": {"admin"},
    "GET /api/v1/notification-channels/<int:channel_id>": {"admin"},
    "PATCH /api/v1/notification-channels/<int:channel_id>": {"admin"},
    "DELETE /api/v1/notification-channels/<int:channel_id>": {"admin"},
    "POST /api/v1/notification-channels/<int:channel_id>/test": {"admin"},
    "GET /notification-channels": {"admin"},
    "POST /notification-channels": {"admin"},
    "GET /notification-channels/<int:channel_id>/edit": {"admin"},
    "POST /notification-channels/<int:channel_id>/edit": {"admin"},
    "POST /notification-channels/<int:channel_id>/delete": {"admin"},
    "POST /notification-channels/<int:channel_id>/test": {"admin"},
    "GET /notification-log": {"admin"},
    "POST /notification-log/retry": {"admin"},
    "GET /api/v1/holiday-calendars/<int:year>": {"admin", "vendor", "auditor"},
    "PUT /api/v1/holiday-calendars/<int:year>": {"admin"},
    "GET /admin/holidays": {"admin", "vendor", "auditor"},
    "GET /admin/holidays/<int:year>": {"admin", "vendor", "auditor"},
    "POST /admin/holidays/<int:year>": {"admin"},
    "GET /admin/users": {"admin"},
    "POST /admin/users": {"admin"},
    "POST /admin/users/<int:user_id>/active": {"admin"},
    "POST /admin/users/<int:user_id>/unlock": {"admin"},
    "GET /admin/users/<int:user_id>/password": {"admin"},
    "POST /admin/users/<int:user_id>/password": {"admin"},
    "GET /admin/tokens": {"admin"},
    "POST /admin/tokens": {"admin"},
    "POST /admin/tokens/<int:token_id>/revoke": {"admin"},
    "GET /admin/jobs": {"admin"},
    # Contracts, projects, indicators and fiscal years (issue 12): read by the bureau's readers, written by the admin.
    "GET /api/v1/contracts": {"admin", "vendor", "auditor"},
    "POST /api/v1/contracts": {"admin"},
    "GET /api/v1/contracts/<string:code>": {"admin", "vendor", "auditor"},
    "PATCH /api/v1/contracts/<string:code>": {"admin"},
    "DELETE /api/v1/contracts/<string:code>": {"admin"},
    "GET /api/v1/projects": {"admin", "vendor", "auditor"},
    "POST /api/v1/projects": {"admin"},
    "GET /api/v1/projects/<string:code>": {"admin", "vendor", "auditor"},
    "PATCH /api/v1/projects/<string:code>": {"admin"},
    "DELETE /api/v1/projects/<string:code>": {"admin"},
    "POST /api/v1/fiscal-years/<int:year>/copy-from/<int:previous>": {"admin"},
    "GET /api/v1/projects/<string:code>/indicators": {"admin", "vendor", "auditor"},
    "POST /api/v1/projects/<string:code>/indicators": {"admin"},
    "PATCH /api/v1/indicators/<int:indicator_id>": {"admin"},
    "DELETE /api/v1/indicators/<int:indicator_id>": {"admin"},
    "GET /admin/contracts": {"admin"},
    "POST /admin/contracts": {"admin"},
    "GET /admin/contracts/<string:code>": {"admin"},
    "POST /admin/contracts/<string:code>": {"admin"},
    "POST /admin/contracts/<string:code>/delete": {"admin"},
    "GET /admin/projects": {"admin"},
    "POST /admin/projects": {"admin"},
    "POST /admin/years/copy": {"admin"},
    "GET /admin/projects/<string:code>": {"admin"},
    "POST /admin/projects/<string:code>": {"admin"},
    "POST /admin/projects/<string:code>/delete": {"admin"},
    "POST /admin/projects/<string:code>/indicators": {"admin"},
    "POST /admin/indicators/<int:indicator_id>": {"admin"},
    "POST /admin/indicators/<int:indicator_id>/delete": {"admin"},
    "GET /admin/forms/import": {"admin"},
    "POST /admin/forms/import": {"admin"},
    "GET /audit": {"auditor"},
    "GET /audit/export.csv": {"auditor"},
}
ROLES = ["anonymous", "admin", "vendor", "unit", "auditor", "probe"]


def _routes(app: Flask) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"OPTIONS", "HEAD"}):
            found.append((method, rule.rule))
    return found


def test_every_route_declares_a_policy(app: Flask) -> None:
    assert undeclared_routes(app) == []


def test_every_route_is_in_the_matrix(app: Flask) -> None:
    routes = {f"{method} {rule}" for method, rule in _routes(app)}
    assert routes - set(MATRIX) == set(), "add the new routes to MATRIX with who may use them"
    assert set(MATRIX) - routes == set(), "MATRIX lists routes that no longer exist"


def test_a_route_without_policy_stops_the_app_and_is_never_served(make_app: Callable[..., Flask]) -> None:
    from slatrack import _check_policies

    app = make_app()

    def sneaky() -> str:
        return "no policy"

    app.add_url_rule("/sneaky", view_func=sneaky)
    with pytest.raises(RuntimeError, match="/sneaky"):
        _check_policies(app)
    # Even if such a route slipped in after start-up, the request guard refuses it.
    assert app.test_client().get("/sneaky").status_code == 403


def test_policy_rejects_unknown_roles() -> None:
    with pytest.raises(ValueError, match="unknown roles"):
        allow("superuser")


def _fill(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule)


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(
    app: Flask, role: str, make_user: Callable[..., Any], make_token: Callable[..., str]
) -> None:
    client = app.test_client()
    headers: dict[str, str] = {}
    if role == "probe":
        headers = bearer(make_token(None))
    elif role != "anonymous":
        make_user(f"m-{role}", role)
        token = make_token(role)
        response = client.post("/login", data={"username": f"m-{role}", "password": PASSWORD})
        assert response.status_code == 302
        headers = {}
        api_headers = bearer(token)
    for method, rule in _routes(app):
        if rule == "/logout":
            continue  # would end the session used for the rest of the loop; covered in test_accounts
        path = _fill(rule)
        is_api = rule.startswith("/api/")
        use = api_headers if (is_api and role not in ("anonymous", "probe")) else headers
        response = client.open(path, method=method, headers=use, json={} if method != "GET" and is_api else None)
        allowed = role in MATRIX[f"{method} {rule}"]
        denied = response.status_code in (401, 403) or (
            response.status_code == 302 and "/login" in response.headers.get("Location", "")
        )
        assert denied != allowed, f"{role} {method} {rule} -> {response.status_code}"
        if denied and is_api:
            body = response.get_json()
            assert body["error"]["code"] in ("unauthorized", "forbidden")
