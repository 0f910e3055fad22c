"""The OpenAPI document is the truth: a bounded schemathesis run over every operation, as admin and as a unit.

Every operation is called with cases generated from its own schema, valid ones and invalid ones, under
both roles, against a database holding the reference data and a few records of each kind (so that the
detail and action routes also answer 200/201 for the seeded ids). Each response must be no server
error, have a documented status code, the documented content type, and a body matching the documented
schema, errors included (``{"error": {"code", "message", "fields"}}``).

Bounded: ``EXAMPLES`` cases per operation, role and mode (6 on PostgreSQL, 3 on SQLite); hypothesis's
database and shrinking are off.
Runs on SQLite and on PostgreSQL (``SLATRACK_TEST_DATABASE_URL``), like the rest of tests/integration.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.conftest import bearer

# The production database (PostgreSQL) gets the full run; SQLite, which the whole suite also covers, the same
# operations with fewer cases each (CI's time budget).
EXAMPLES = 6 if os.environ.get("SLATRACK_TEST_DATABASE_URL") else 3
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


def _seed(client: FlaskClient, admin: str) -> dict[str, Any]:
    """One record of each kind, so that generated ids are also tried against rows that exist."""
    headers = bearer(admin)
    target = client.post(
        "/api/v1/targets", json={"name": "门户", "kind": "http", "url": "http://127.0.0.1:9/"}, headers=headers
    )
    assert target.status_code == 201, target.get_json()
    ticket = client.post(
        "/api/v1/tickets",
        json={
            "unit": "522701",
            "category": "fault",
            "priority": "P2",
            "channel": "电话",
            "mode": "远程",
            "title": "=HYPERLINK(\"http://evil.example/\",\"x\")",
            "reported_at": "2025-08-05T09:00:00+08:00",
        },
        headers=headers,
    )
    assert ticket.status_code == 201, ticket.get_json()
    outage = client.post(
        "/api/v1/outages",
        json={
            "target": "门户",
            "start": "2025-08-05T08:00:00+08:00",
            "end": "2025-08-05T08:30:00+08:00",
            "cause": "断电",
        },
        headers=headers,
    )
    assert outage.status_code == 201, outage.get_json()
    window = client.post(
        "/api/v1/maintenance-windows",
        json={"start": "2025-08-09T22:00:00+08:00", "end": "2025-08-09T23:00:00+08:00", "reason": "升级"},
        headers=headers,
    )
    assert window.status_code == 201, window.get_json()
    inspection = client.post(
        "/api/v1/inspections",
        json={"month": "2025-08", "kind": "security", "performed_at": "2025-08-20T10:00:00+08:00", "passed": True},
        headers=headers,
    )
    assert inspection.status_code == 201, inspection.get_json()
    return {
        "target_id": target.get_json()["id"],
        "ticket_id": ticket.get_json()["id"],
        "outage_id": outage.get_json()["id"],
        "window_id": window.get_json()["id"],
        "inspection_id": inspection.get_json()["id"],
        "quarter": "2025Q3",
        "year": "2025",
    }


def _run(operation: Any, token: str, mode: Any, path_parameters: dict[str, Any] | None, failures: list[str]) -> int:
    calls = 0

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        nonlocal calls
        calls += 1
        try:
            case.call_and_validate(headers=bearer(token), checks=CHECKS)
        except FailureGroup as group:
            failures.append(f"{operation.label} [{mode.value}] {group}"[:3000])

    try:
        check()
    except Unsatisfiable:
        # Nothing in this operation can be made invalid (e.g. only a path id, already any integer).
        assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
    return calls


def test_openapi_contract_holds_for_every_operation(
    client: FlaskClient, make_app: Callable[..., Flask], make_token: Callable[..., str]
) -> None:
    tokens = {"admin": make_token("admin"), "unit": make_token("unit")}
    seeded = _seed(client, tokens["admin"])
    # A second application on the same database, with no application context pushed: each call gets its own
    # context and session, as under the real server.
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", make_app())
    failures: list[str] = []
    operations = 0
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        names = {p.name for p in operation.path_parameters}
        for token in tokens.values():
            for mode in MODES:
                calls += _run(operation, token, mode, None, failures)
            if names:
                known = {name: seeded[name] for name in names if name in seeded}
                if known:
                    calls += _run(operation, token, schemathesis.GenerationMode.POSITIVE, known, failures)
    assert operations >= 40
    assert calls >= operations * 2 * len(MODES)
    assert not failures, f"{len(failures)} of {calls} calls broke the contract:\n\n" + "\n\n".join(failures[:20])


@pytest.mark.parametrize("role", ["admin", "unit"])
def test_every_error_in_the_document_has_the_server_shape(client: FlaskClient, role: str) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    detail = document["components"]["schemas"]["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message", "fields"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            assert "default" not in responses, (method, path)
            assert any(code.startswith("2") for code in responses), (method, path)
            for code in ("400", "404", "422"):
                assert responses[code]["$ref"].startswith("#/components/responses/"), (method, path, code)
    for name, response in document["components"]["responses"].items():
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if schema is not None:
            assert schema == {"$ref": "#/components/schemas/Error"}, name
