"""End to end with a live ``slatrack run``: failing probe results that confirm an outage reach a webhook
channel as ``outage.opened`` within 30 seconds (bench/bench_alerts.py measures the figures)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.alert_receivers import Receivers, failing_results, live_slatrack, start_receivers

TARGET_SECONDS = 30


@pytest.fixture
def receivers() -> Iterator[Receivers]:
    yield from start_receivers(Receivers())


def test_a_confirmed_outage_reaches_a_webhook_within_30_seconds(
    tmp_path: Path, database_url: str, receivers: Receivers
) -> None:
    with live_slatrack(tmp_path / "instance", database_url) as server:
        api = f"{server.url}/api/v1"
        channel = requests.post(
            f"{api}/notification-channels",
            json={"name": "值班 Webhook", "kind": "webhook", "url": receivers.url("webhook"),
                  "events": ["outage.opened", "outage.closed"]},
            headers=server.headers, timeout=30,
        )  # fmt: skip
        assert channel.status_code == 201, channel.text
        target = requests.post(
            f"{api}/targets",
            json={"name": "督考门户", "kind": "http", "url": "http://127.0.0.1:9/", "critical": True,
                  "in_process": False, "confirm_failures": 3},
            headers=server.headers, timeout=30,
        )  # fmt: skip
        assert target.status_code == 201, target.text
        items = failing_results("督考门户", 3, datetime.now(UTC), "live")
        sent = requests.post(f"{api}/probe-results", json=items[:2], headers=server.headers, timeout=30)
        assert sent.status_code in (200, 201), sent.text
        assert not receivers.of("webhook")  # two failures are not an outage yet
        arrival = time.time()
        confirming = requests.post(f"{api}/probe-results", json=items[2:], headers=server.headers, timeout=30)
        assert confirming.status_code in (200, 201), confirming.text
        while time.time() - arrival < TARGET_SECONDS and not receivers.of("webhook"):
            time.sleep(0.05)
        messages = receivers.of("webhook")
        assert messages, f"no alert within {TARGET_SECONDS} s:\n{server.log.read_text()[-3000:]}"
        body = messages[0].body
        assert body["event"] == "outage.opened" and "督考门户" in body["title"]
        assert "已确认停机" in body["text"] and body["data"]["target"] == "督考门户"
        assert messages[0].at - arrival < TARGET_SECONDS
        # The worker records the send with the receiver's answer once it has answered (the delivery log).
        engine = create_engine(database_url)
        for _ in range(100):
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT kind, title, ok, answer FROM alert_sends")).all()
            if rows:
                break
            time.sleep(0.1)
        engine.dispose()
    assert [(r.kind, r.title, bool(r.ok)) for r in rows] == [("single", "【停机】督考门户 无法访问", True)]
    assert rows[0].answer.startswith("HTTP 200")
