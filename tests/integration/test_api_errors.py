"""API errors are JSON in one shape, in Chinese, with the faulty fields named — never a 500 for bad input."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from tests.integration.conftest import bearer


def _error(response) -> dict:  # type: ignore[no-untyped-def,type-arg]
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]  # type: ignore[no-any-return]


def test_no_token_is_401(client: FlaskClient) -> None:
    response = client.get("/api/v1/indicators?year=2025")
    assert response.status_code == 401
    assert _error(response)["code"] == "unauthorized"


def test_bad_token_is_401(client: FlaskClient) -> None:
    response = client.get("/api/v1/indicators?year=2025", headers=bearer("slt_not-a-real-token"))
    assert response.status_code == 401


def test_unknown_path_is_json_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert _error(response)["message"] == "资源不存在"


def test_wrong_method_is_json_405(client: FlaskClient, make_token: Callable[..., str]) -> None:
    response = client.delete("/api/v1/indicators", headers=bearer(make_token("admin")))
    assert response.status_code == 405
    assert _error(response)["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_missing_and_malformed_query_names_the_field(client: FlaskClient, make_token: Callable[..., str]) -> None:
    token = make_token("vendor")
    missing = client.get("/api/v1/indicators", headers=bearer(token))
    assert missing.status_code == 422
    assert _error(missing)["fields"] == {"year": "缺少必填字段"}
    wrong = client.get("/api/v1/indicators?year=twenty", headers=bearer(token))
    assert wrong.status_code == 422
    assert _error(wrong)["fields"] == {"year": "应为整数"}
    naive = client.get("/api/v1/indicators?year=2025&as_of=2025-06-30T12:00:00", headers=bearer(token))
    assert naive.status_code == 422 and "as_of" in _error(naive)["fields"]


def test_year_without_data_is_404(client: FlaskClient, make_token: Callable[..., str]) -> None:
    response = client.get("/api/v1/indicators?year=2031", headers=bearer(make_token("admin")))
    assert response.status_code == 404
    assert "2031" in _error(response)["message"]


def test_indicators_list_both_forms(client: FlaskClient, make_token: Callable[..., str]) -> None:
    response = client.get("/api/v1/indicators?year=2025", headers=bearer(make_token("unit")))
    assert response.status_code == 200
    rows = response.get_json()
    assert len(rows) == 29
    by_name = {(r["project"], r["name"]): r for r in rows}
    failure = by_name[("黔南州督考绩效管理综合运用系统运维经费", "系统故障率")]
    assert (failure["operator"], failure["target"], failure["unit"]) == ("<=", 5.0, "%")
    response_rate = by_name[("黔南州督考绩效管理综合运用系统运维经费", "服务响应率")]
    assert (response_rate["operator"], response_rate["target"]) == (">=", 98.0)
    funds = by_name[("黔南州督考绩效管理综合运用系统运维经费", "系统运维服务资金")]
    assert (funds["operator"], funds["target"], funds["unit"]) == ("<=", 67.0, "万元")
    required = {"project", "level1", "level2", "name", "operator", "target", "unit", "actual", "met", "weight"}
    assert all(required | {"score", "source"} <= set(r) for r in rows)
    # Weights: output 50, benefit 30, satisfaction 10 per project (+10 for budget execution, not a row).
    for project in {r["project"] for r in rows}:
        total = sum(r["weight"] for r in rows if r["project"] == project)
        assert abs(total - 90) < 0.01


def test_openapi_document_is_public_and_lists_paths(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/indicators" in spec["paths"]


def test_web_errors_are_chinese_pages(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "找不到您要访问的页面" in text and "返回首页" in text
