"""Adjudicating an outage still going: the exclusion runs up to its end; a refusal keeps what was typed and
the period the admin was looking at."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient

from slatrack.audit import acting_as
from slatrack.operations.figures.loading import load_outages
from slatrack.operations.monitoring.ingest import ingest_results
from tests.integration.conftest import bearer, login
from tests.integration.test_monitoring_outages import _results, _target


def _ongoing(client: FlaskClient, admin: dict[str, str]) -> tuple[dict[str, Any], datetime]:
    _target("portal")
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=27)
    with acting_as("test"):  # failing up to this very minute: still going
        ingest_results(_results("portal", t0, "++" + "-" * 26), now=t0 + timedelta(minutes=27))
    [outage] = client.get("/api/v1/outages", headers=admin).get_json()
    assert outage["end"] is None
    return outage, t0


def test_an_exclusion_of_an_ongoing_outage_runs_up_to_its_end(
    client: FlaskClient, make_token: Callable[..., str]
) -> None:
    admin = bearer(make_token("admin"))
    outage, t0 = _ongoing(client, admin)
    response = client.post(
        f"/api/v1/outages/{outage['id']}/exclusions",
        json={"category": "customer", "reason": "甲方机房停电，仍在恢复"},
        headers=admin,
    )
    assert response.status_code == 201, response.get_json()
    [exclusion] = response.get_json()["exclusions"]
    assert exclusion["end"] is None and exclusion["start"] == outage["start"]
    period_end = datetime.now(UTC) + timedelta(days=1)
    [record] = load_outages(t0 - timedelta(days=1), period_end)
    assert record.end is None and [(x.start, x.end) for x in record.exclusions] == [
        (datetime.fromisoformat(outage["start"]), period_end)
    ]
    again = client.post(
        f"/api/v1/outages/{outage['id']}/exclusions", json={"category": "customer", "reason": "重复"}, headers=admin
    )
    assert again.status_code == 409  # overlaps the open exclusion


def test_the_page_keeps_the_reason_and_the_period(
    client: FlaskClient, make_user: Callable[..., Any], make_token: Callable[..., str]
) -> None:
    outage, _ = _ongoing(client, bearer(make_token("admin")))
    make_user("adj-admin", "admin")
    login(client, "adj-admin")
    prefix = f"o{outage['id']}"
    future = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    local = datetime.now(ZoneInfo("Asia/Shanghai"))
    period = f"year={local.year}&quarter={(local.month - 1) // 3 + 1}"  # the outages page shows a period
    refused = client.post(
        f"/monitoring/outages/{outage['id']}/exclusions?{period}",
        data={f"{prefix}-category": "customer", f"{prefix}-reason": "甲方停电", f"{prefix}-end": future},
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "排除时段必须在停机时段之内" in page
    assert "甲方停电" in page  # the typed reason is still there
    assert period.replace("&", "&amp;") in page  # still the same period
    saved = client.post(
        f"/monitoring/outages/{outage['id']}/exclusions?{period}",
        data={f"{prefix}-category": "customer", f"{prefix}-reason": "甲方停电"},
    )
    assert saved.status_code == 302 and period in saved.headers["Location"]
    listed = client.get(f"/monitoring/outages?{period}").get_data(as_text=True)
    assert "直至停机结束" in listed
