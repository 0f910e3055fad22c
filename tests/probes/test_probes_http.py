from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import make_spec
from probe_servers import HangingServer, ServerThread, content_server, keep_alive_server, self_signed_tls

from probes import checks, tls_expiry
from probes.checks import check
from probes.result import CheckResult


def http(url: str, **options: object) -> CheckResult:
    return check(make_spec(kind="http", url=url, timeout_seconds=3, **options))


def test_ok_page_reports_status_and_latency(web: ServerThread) -> None:
    result = http(web.url + "/")
    assert result.ok, result.detail
    assert result.metrics["status_code"] == 200
    assert result.latency_ms is not None and 0 < result.latency_ms < 3000
    assert "HTTP 200" in result.detail
    assert result.observed_at.utcoffset() is not None and len(result.sample_id) == 32


def test_status_outside_accepted_codes_fails(web: ServerThread) -> None:
    result = http(web.url + "/status/503")
    assert not result.ok
    assert "503" in result.detail and "200-399" in result.detail
    assert result.metrics["status_code"] == 503


def test_accepted_status_can_be_configured(web: ServerThread) -> None:
    assert http(web.url + "/status/503", accepted_status=[503]).ok
    assert http(web.url + "/status/204", accepted_status=["200-204"]).ok
    assert not http(web.url + "/status/200", accepted_status=["201-299", 404]).ok


def test_keyword_present_and_missing(web: ServerThread) -> None:
    assert http(web.url + "/", keyword="系统正常").ok
    missing = http(web.url + "/", keyword="维护中")
    assert not missing.ok and "未找到关键字" in missing.detail


def test_keyword_absent(web: ServerThread) -> None:
    assert http(web.url + "/", keyword="维护中", keyword_absent=True).ok
    present = http(web.url + "/", keyword="系统正常", keyword_absent=True)
    assert not present.ok and "不应出现" in present.detail


def test_keyword_in_gbk_page_without_charset_header(web: ServerThread) -> None:
    assert http(web.url + "/gbk", keyword="督考绩效").ok


def test_redirects_followed_by_default_or_not(web: ServerThread) -> None:
    followed = http(web.url + "/redirect", keyword="系统正常")
    assert followed.ok and followed.metrics["status_code"] == 200
    not_followed = http(web.url + "/redirect", follow_redirects=False)
    assert not_followed.ok and not_followed.metrics["status_code"] == 302
    assert not http(web.url + "/redirect", follow_redirects=False, accepted_status=[200]).ok


def test_head_request(web: ServerThread) -> None:
    result = http(web.url + "/", method="HEAD")
    assert result.ok and result.metrics["status_code"] == 200


def test_too_slow_fails(web: ServerThread) -> None:
    result = http(web.url + "/slow/300", max_latency_ms=100)
    assert not result.ok
    assert "超过上限 100 ms" in result.detail
    assert result.latency_ms is not None and result.latency_ms >= 300
    assert http(web.url + "/slow/50", max_latency_ms=2000).ok


def test_hanging_server_fails_within_timeout() -> None:
    hanging = HangingServer()
    try:
        started = time.monotonic()
        result = check(make_spec(kind="http", url=f"http://127.0.0.1:{hanging.port}/", timeout_seconds=1))
        elapsed = time.monotonic() - started
    finally:
        hanging.close()
    assert not result.ok and "超时" in result.detail
    assert result.latency_ms is None
    assert 0.9 <= elapsed < 1.8


def test_refused_connection(unused_port: int) -> None:
    result = http(f"http://127.0.0.1:{unused_port}/")
    assert not result.ok and result.detail == "连接失败：Connection refused"


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> ServerThread:
    context = self_signed_tls(tmp_path_factory.mktemp("tls"), days_valid=5)
    server = content_server(tls=context)
    yield server  # type: ignore[misc]
    server.stop()


def test_certificate_close_to_expiry_fails_with_days_left(tls_server: ServerThread) -> None:
    result = http(tls_server.url + "/", verify_tls=False)
    assert not result.ok
    assert 4.9 < result.metrics["cert_days_left"] <= 5.0
    assert "证书将在 5.0 天后过期" in result.detail
    assert result.metrics["status_code"] == 200  # the page itself answered


def test_certificate_far_enough_from_expiry_passes(tls_server: ServerThread) -> None:
    result = http(tls_server.url + "/", verify_tls=False, cert_expiry_days=3, keyword="系统正常")
    assert result.ok, result.detail
    assert 4.9 < result.metrics["cert_days_left"] <= 5.0
    assert "证书剩余 5 天" in result.detail


def test_unverifiable_certificate_fails_but_still_reports_days_left(tls_server: ServerThread) -> None:
    result = http(tls_server.url + "/", cert_expiry_days=3)
    assert not result.ok
    assert "TLS 握手或证书校验失败" in result.detail
    assert 4.9 < result.metrics["cert_days_left"] <= 5.0


def test_unverified_certificate_expiry_is_read_as_aware_utc(tls_server: ServerThread) -> None:
    der = tls_expiry.fetch_peer_certificate("127.0.0.1", tls_server.port, timeout=3)
    expiry = tls_expiry.not_after(der)
    assert expiry.utcoffset() == timedelta(0)
    assert 4.9 < tls_expiry.days_left(expiry, datetime.now(UTC)) <= 5.0


def test_check_never_raises(monkeypatch: pytest.MonkeyPatch, web: ServerThread) -> None:
    def explode(spec: object) -> CheckResult:
        raise RuntimeError("boom")

    monkeypatch.setitem(checks.CHECKERS, "http", explode)
    result = http(web.url + "/")
    assert not result.ok and "RuntimeError: boom" in result.detail


def test_push_targets_are_not_checked(tmp_path: Path) -> None:
    result = check(make_spec(kind="push"))
    assert not result.ok and "push" in result.detail


def test_checks_of_a_target_reuse_its_connection_and_fail_once_the_server_is_gone() -> None:
    server, handler = keep_alive_server()
    spec = make_spec(kind="http", url=server.url + "/", keyword="系统正常", timeout_seconds=3)
    try:
        results = [check(spec) for _ in range(3)]
        assert all(result.ok for result in results), [result.detail for result in results]
        assert len(handler.peers) == 3 and len(set(handler.peers)) == 1  # one kept connection
        # Another target on the same server shares the server's pool: no connection of its own.
        assert check(make_spec(name="other", kind="http", url=server.url + "/about", timeout_seconds=3)).ok
        assert len(handler.peers) == 4 and len(set(handler.peers)) == 1

        server.stop()
        handler.drop_connections()
        down = check(spec)
        assert not down.ok and "连接失败" in down.detail

        server.start()  # same port: the next check opens a new connection
        again = check(spec)
        assert again.ok, again.detail
        assert len(set(handler.peers)) == 2
    finally:
        server.stop()
        handler.drop_connections()


def test_tcp_checks_open_a_new_connection_every_time() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        spec = make_spec(kind="tcp", host="127.0.0.1", port=listener.getsockname()[1], timeout_seconds=3)
        assert all(check(spec).ok for _ in range(3))
        deadline = time.monotonic() + 3
        while len(accepted) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(accepted) == 3  # what a tcp check proves is that a new connection can be opened
    finally:
        listener.close()
        for sock in accepted:
            sock.close()
