"""The spool and the sender against a real fake server: batches, refusals, auth, outages."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from probe_servers import FakeSlatrack

from probes.delivery import Uploader, Verdict, flush
from probes.result import CheckResult, utc_now
from probes.spool import Spool

TOKEN = "tok-123"


@pytest.fixture
def server() -> Iterator[FakeSlatrack]:
    fake = FakeSlatrack(TOKEN, known_targets={"portal", "db"}).start()
    yield fake
    fake.stop()


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[Spool]:
    opened = Spool(tmp_path / "spool.sqlite3")
    yield opened
    opened.close()


def results(count: int, target: str = "portal", start_minutes: int = 0) -> list[CheckResult]:
    base = utc_now() - timedelta(hours=1)
    return [
        CheckResult(target, base + timedelta(minutes=start_minutes + i), i % 2 == 0, 10.0 + i, "HTTP 200")
        for i in range(count)
    ]


def test_batches_are_delivered_oldest_first(server: FakeSlatrack, spool: Spool) -> None:
    newer, older = results(3, start_minutes=10), results(4)
    for result in [*newer, *older]:
        spool.add(result)
    report = flush(spool, Uploader(server.url, TOKEN), batch_size=2)
    assert report.drained and report.delivered == 7
    assert server.posts == 4 and spool.pending_count() == 0
    stored = list(server.stored.values())
    assert [item["sample_id"] for item in stored] == [result.sample_id for result in [*older, *newer]]
    first = stored[0]
    assert first["target"] == "portal" and first["ok"] is True and first["latency_ms"] == 10.0
    assert first["observed_at"].endswith("+00:00") and first["metrics"] == {}


def test_refused_items_go_to_dead_letters_and_the_rest_is_delivered(server: FakeSlatrack, spool: Spool) -> None:
    good, bad = results(3), results(2, target="ghost", start_minutes=1)
    for result in [*good, *bad]:
        spool.add(result)
    report = flush(spool, Uploader(server.url, TOKEN), batch_size=10)
    assert report.drained and report.delivered == 3 and report.dead_lettered == 2
    assert server.sample_ids() == {result.sample_id for result in good}
    assert spool.pending_count() == 0 and spool.dead_letter_count() == 2
    with sqlite3.connect(spool.path) as db:
        rows = db.execute("SELECT sample_id, target, error FROM dead_letters ORDER BY seq").fetchall()
    assert [(sample_id, target) for sample_id, target, _ in rows] == [(result.sample_id, "ghost") for result in bad]
    assert all("HTTP 422" in error and "未知的监测对象" in error for _, _, error in rows)


def test_wrong_token_keeps_everything(server: FakeSlatrack, spool: Spool, caplog: pytest.LogCaptureFixture) -> None:
    for result in results(3):
        spool.add(result)
    report = flush(spool, Uploader(server.url, "wrong-secret"), batch_size=10)
    assert report.blocked_by is not None and report.blocked_by.verdict is Verdict.UNAUTHORIZED
    assert spool.pending_count() == 3 and spool.dead_letter_count() == 0 and not server.stored
    assert "wrong-secret" not in caplog.text and "HTTP 401" in caplog.text


def test_unreachable_server_keeps_everything_and_resend_is_harmless(server: FakeSlatrack, spool: Spool) -> None:
    batch = results(3)
    for result in batch:
        spool.add(result)
    uploader = Uploader(server.url, TOKEN)
    server.stop()
    report = flush(spool, uploader, batch_size=10)
    assert report.blocked_by is not None and report.blocked_by.verdict is Verdict.UNREACHABLE
    assert spool.pending_count() == 3
    server.start()
    assert flush(spool, uploader, batch_size=10).delivered == 3
    again = uploader.post(spool.pending(10) or [])  # nothing pending any more
    assert again.verdict is Verdict.STORED and again.accepted == 0
    for result in batch:  # a result spooled twice (same sample_id) is kept once
        spool.add(result)
    assert spool.pending_count() == 0
    assert len(server.stored) == 3 and server.duplicates == 0


def test_duplicate_send_is_counted_by_the_server_not_stored_twice(server: FakeSlatrack, spool: Spool) -> None:
    for result in results(2):
        spool.add(result)
    uploader = Uploader(server.url, TOKEN)
    pending = spool.pending(10)
    first, second = uploader.post(pending), uploader.post(pending)
    assert (first.accepted, first.duplicates) == (2, 0)
    assert (second.accepted, second.duplicates) == (0, 2)
    assert len(server.stored) == 2


def test_spool_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "spool.sqlite3"
    first = Spool(path)
    written = results(5)
    for result in written:
        first.add(result)
    first.mark_delivered(first.pending(2))
    first.close()
    reopened = Spool(path)
    try:
        assert reopened.pending_count() == 3
        assert [item.sample_id for item in reopened.pending(10)] == [result.sample_id for result in written[2:]]
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        reopened.close()
