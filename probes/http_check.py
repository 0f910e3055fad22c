"""The http checker: status, keyword, latency and the TLS certificate's days left.

Connections are kept between checks (HTTP keep-alive, in pools shared by the targets on one server, at most
POOL_CONNECTIONS_PER_SERVER kept per server): what an http check proves is that the service answers the
request with the expected status and content, not that a new TCP connection can be opened (the tcp kind
proves that, with a new connection every time). A kept connection the server closed is noticed before reuse
and replaced by a new one, so a service that went down fails its next check as before. The latency of a
check on a kept connection is the answer time without the TCP and TLS handshakes; on a new connection (the
first check, or after the server closed it) it includes them. The certificate's days left are read at each
TLS handshake, so a renewed certificate shows once the server renews the connection (servers close idle
keep-alive connections after seconds to minutes). See docs/probes.md, "Connections".
"""

from __future__ import annotations

import os
import re
import ssl
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPSConnection
from urllib3.exceptions import InsecureRequestWarning

from probes.result import CheckResult, utc_now
from probes.spec import TargetSpec
from probes.tls_expiry import days_left, fetch_peer_certificate, not_after

# Enough for any status page; a keyword beyond the first megabyte is not looked for.
MAX_BODY_BYTES = 1 << 20
USER_AGENT = "slatrack-probe/1"


class _CertRecordingConnection(HTTPSConnection):
    """Keeps the server's certificate (DER) as soon as the handshake is done.

    Verified or not: with verification off, getpeercert() returns an empty dict, but the binary
    form is still there. The socket itself may be closed before the body is read.
    """

    peer_certificate: bytes | None = None

    def connect(self) -> None:
        super().connect()
        if isinstance(self.sock, ssl.SSLSocket):
            self.peer_certificate = self.sock.getpeercert(binary_form=True)


class _CertRecordingPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _CertRecordingConnection


class _CertRecordingAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            **self.poolmanager.pool_classes_by_scheme,
            "https": _CertRecordingPool,
        }


# Kept connections: one pool per server (scheme, host, port, TLS settings), shared by every target on it and
# bounded, so a server watched through many targets sees a handful of connections, never one per target.
POOL_SERVERS = 1024
POOL_CONNECTIONS_PER_SERVER = 32
# Per-target sessions kept (cookies are cleared before each check); the least recently used beyond this go.
MAX_KEPT_SESSIONS = 4096


def _shared_adapters() -> dict[str, HTTPAdapter]:
    return {
        "https://": _CertRecordingAdapter(pool_connections=POOL_SERVERS, pool_maxsize=POOL_CONNECTIONS_PER_SERVER),
        "http://": HTTPAdapter(pool_connections=POOL_SERVERS, pool_maxsize=POOL_CONNECTIONS_PER_SERVER),
    }


_adapters = _shared_adapters()


@dataclass
class _Kept:
    session: requests.Session
    lock: threading.Lock = field(default_factory=threading.Lock)


_kept: OrderedDict[tuple[str, str, bool], _Kept] = OrderedDict()
_kept_lock = threading.Lock()


def _new_session(url: str, verify_tls: bool) -> requests.Session:
    """A session for one target on the shared connection pools, with what requests would read from the
    environment for each request (proxies, no_proxy, .netrc, a CA bundle) read once here instead."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    for prefix, adapter in _adapters.items():
        session.mount(prefix, adapter)
    session.proxies.update(requests.utils.get_environ_proxies(url))
    auth = requests.utils.get_netrc_auth(url)
    if auth:
        session.auth = auth
    session.verify = verify_tls and (os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True)
    session.trust_env = False
    return session


@contextmanager
def _session(spec: TargetSpec) -> Iterator[requests.Session]:
    """The target's kept session (a new one while another check of the same target holds it), cookies cleared:
    every check starts as a new visitor, as it did with a new session per check."""
    assert spec.url is not None
    key = (spec.name, spec.url, spec.verify_tls)
    with _kept_lock:
        kept = _kept.get(key)
        if kept is None:
            kept = _kept[key] = _Kept(_new_session(spec.url, spec.verify_tls))
            while len(_kept) > MAX_KEPT_SESSIONS:
                _kept.popitem(last=False)  # not closed: its connections belong to the shared pools
        _kept.move_to_end(key)
    if kept.lock.acquire(blocking=False):
        try:
            kept.session.cookies.clear()
            yield kept.session
        finally:
            kept.lock.release()
    else:
        yield _new_session(spec.url, spec.verify_tls)


def check_http(spec: TargetSpec) -> CheckResult:
    assert spec.url is not None
    observed_at = utc_now()
    started = time.monotonic()
    deadline = started + spec.timeout_seconds
    metrics: dict[str, float] = {}
    if not spec.verify_tls:
        _allow_unverified(spec.url)
    with _session(spec) as session:
        try:
            response = session.request(
                spec.method,
                spec.url,
                timeout=(spec.timeout_seconds, spec.timeout_seconds),
                allow_redirects=spec.follow_redirects,
                stream=True,
            )
        except requests.exceptions.SSLError as exc:
            _side_channel_cert_days(spec, deadline, observed_at, metrics)
            details = [f"TLS 握手或证书校验失败：{_short(exc)}", *_cert_problems(spec, metrics)]
            return _failed(spec, observed_at, "；".join(details), metrics)
        except requests.exceptions.Timeout:
            return _failed(spec, observed_at, f"超时：{spec.timeout_seconds:g} 秒内无响应", metrics)
        except requests.exceptions.ConnectionError as exc:
            return _failed(spec, observed_at, f"连接失败：{_root_cause(exc)}", metrics)
        except requests.exceptions.RequestException as exc:
            return _failed(spec, observed_at, f"请求失败：{_short(exc)}", metrics)
        with response:
            if urlsplit(response.url).scheme == "https":
                _cert_days_from_response(response, observed_at, metrics)
            try:
                body = _read_body(response, deadline) if spec.method == "GET" else b""
            except TimeoutError:
                return _failed(spec, observed_at, f"超时：{spec.timeout_seconds:g} 秒内未收完响应", metrics)
            except requests.exceptions.RequestException as exc:
                return _failed(spec, observed_at, f"读取响应失败：{_short(exc)}", metrics)
    latency_ms = (time.monotonic() - started) * 1000
    metrics["status_code"] = float(response.status_code)
    problems = _problems(spec, response, body, latency_ms, metrics)
    summary = f"HTTP {response.status_code}，{latency_ms:.0f} ms"
    if "cert_days_left" in metrics:
        summary += f"，证书剩余 {metrics['cert_days_left']:.0f} 天"
    if problems:
        return CheckResult(spec.name, observed_at, False, latency_ms, "；".join(problems), metrics=metrics)
    return CheckResult(spec.name, observed_at, True, latency_ms, summary, metrics=metrics)


def _problems(
    spec: TargetSpec, response: requests.Response, body: bytes, latency_ms: float, metrics: dict[str, float]
) -> list[str]:
    problems = []
    if not any(response.status_code in accepted for accepted in spec.accepted_status):
        accepted_text = ", ".join(str(accepted) for accepted in spec.accepted_status)
        problems.append(f"HTTP {response.status_code} 不在可接受的状态码 {accepted_text} 内")
    if spec.keyword is not None:
        found = _contains(body, spec.keyword, response.encoding)
        if spec.keyword_absent and found:
            problems.append(f"响应中出现了不应出现的关键字“{spec.keyword}”")
        elif not spec.keyword_absent and not found:
            problems.append(f"响应中未找到关键字“{spec.keyword}”")
    if spec.max_latency_ms is not None and latency_ms > spec.max_latency_ms:
        problems.append(f"响应时间 {latency_ms:.0f} ms 超过上限 {spec.max_latency_ms:g} ms")
    problems.extend(_cert_problems(spec, metrics))
    return problems


def _cert_problems(spec: TargetSpec, metrics: dict[str, float]) -> list[str]:
    cert_days = metrics.get("cert_days_left")
    if cert_days is None or cert_days >= spec.cert_expiry_days:
        return []
    if cert_days < 0:
        return [f"TLS 证书已过期 {-cert_days:.1f} 天"]
    return [f"TLS 证书将在 {cert_days:.1f} 天后过期（提前 {spec.cert_expiry_days:g} 天告警）"]


def _allow_unverified(url: str) -> None:
    """Silence urllib3's warning for this host only: the operator chose verify_tls = false for it."""
    host = urlsplit(url).hostname or ""
    message = f"Unverified HTTPS request is being made to host '{re.escape(host)}'"
    warnings.filterwarnings("ignore", message=message, category=InsecureRequestWarning)


def _read_body(response: requests.Response, deadline: float) -> bytes:
    # requests' timeout applies to each socket read; a server trickling bytes is cut off here.
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=16384):
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_BODY_BYTES:
            break
        if time.monotonic() > deadline:
            raise TimeoutError
    return b"".join(chunks)


def _contains(body: bytes, keyword: str, declared: str | None) -> bool:
    # Chinese pages often declare their charset only inside the HTML, so try the usual ones.
    for encoding in dict.fromkeys([declared or "utf-8", "utf-8", "gb18030"]):
        try:
            if keyword.encode(encoding) in body:
                return True
        except (LookupError, UnicodeEncodeError):
            continue
    return False


def _cert_days_from_response(response: requests.Response, now: datetime, metrics: dict[str, float]) -> None:
    connection = getattr(response.raw, "connection", None)
    der = connection.peer_certificate if isinstance(connection, _CertRecordingConnection) else None
    if der:
        metrics["cert_days_left"] = round(days_left(not_after(der), now), 3)


def _side_channel_cert_days(spec: TargetSpec, deadline: float, now: datetime, metrics: dict[str, float]) -> None:
    """After a failed verification, still report how long the certificate has left."""
    parts = urlsplit(spec.url or "")
    remaining = deadline - time.monotonic()
    if parts.scheme != "https" or parts.hostname is None or remaining <= 0:
        return
    try:
        der = fetch_peer_certificate(parts.hostname, parts.port or 443, remaining)
        metrics["cert_days_left"] = round(days_left(not_after(der), now), 3)
    except (OSError, ValueError):
        return


def _failed(spec: TargetSpec, observed_at: datetime, detail: str, metrics: dict[str, float]) -> CheckResult:
    return CheckResult(spec.name, observed_at, False, None, detail, metrics=metrics)


def _root_cause(exc: BaseException) -> str:
    """The operating system's reason under requests' and urllib3's wrappers, e.g. 'Connection refused'."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    found: str | None = None
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            found = current.strerror
        nested = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        todo.extend(item for item in nested if isinstance(item, BaseException))
    return found or _short(exc)


def _short(exc: BaseException, limit: int = 300) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= limit else text[: limit - 1] + "…"
