"""The 绩效指标 page and GET /api/v1/indicators(/summary) show each role what its dashboard shows: the vendor
only the projects its contracts pay for (YW-2025), never the bureau's 督查考评 project (DK-2025); the admin,
the auditor and the unit see both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.integration.conftest import bearer, login

DK_NAME = "督查考评事务管理项目"
YW_NAME = "黔南州督考绩效管理综合运用系统运维经费"


@pytest.mark.parametrize(("role", "sees_dk"), [("admin", True), ("auditor", True), ("unit", True), ("vendor", False)])
def test_the_indicators_page_and_api_follow_the_role(
    client: FlaskClient,
    make_user: Callable[..., Any],
    make_token: Callable[..., str],
    role: str,
    sees_dk: bool,
) -> None:
    make_user(f"{role}-reader", role)
    login(client, f"{role}-reader")
    html = client.get("/indicators?year=2025").get_data(as_text=True)
    main = html.split("<main", 1)[1]
    assert YW_NAME in main and "系统故障率" in main
    assert (DK_NAME in main) is sees_dk
    assert ("本页只列出运维合同支付的项目的指标" in main) is not sees_dk

    headers = bearer(make_token(role))
    rows = client.get("/api/v1/indicators?year=2025", headers=headers).get_json()
    assert {row["project_code"] for row in rows} == ({"YW-2025", "DK-2025"} if sees_dk else {"YW-2025"})
    summary = client.get("/api/v1/indicators/summary?year=2025", headers=headers).get_json()
    assert {p["project"] for p in summary} >= {YW_NAME} and (DK_NAME in {p["project"] for p in summary}) is sees_dk
