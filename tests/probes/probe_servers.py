"""Real local servers for the probes tests: content to check, a hanging socket, a fake slatrack API."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def reply(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class _ContentHandler(_QuietHandler):
    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        parts = self.path.strip("/").split("/")
        if parts[0] == "status":
            self.reply(int(parts[1]), f"状态 {parts[1]}".encode())
        elif parts[0] == "redirect":
            self.reply(302, b"", Location="/")
        elif parts[0] == "slow":
            time.sleep(int(parts[1]) / 1000)
            self.reply(200, "系统正常".encode())
        elif parts[0] == "gbk":
            # charset only inside the page, as many Chinese sites do
            self.reply(200, '<meta charset="gbk">督考绩效系统'.encode("gbk"), content_type="text/html")
        else:
            self.reply(200, "<html><body>系统正常 status OK</body></html>".encode())


class _KeepAliveHandler(_ContentHandler):
    """Keeps connections open between requests (HTTP/1.1) and notes each request's connection."""

    protocol_version = "HTTP/1.1"
    peers: list[int] = []  # noqa: RUF012 - shared by the handler instances of one test
    sockets: list[socket.socket] = []  # noqa: RUF012

    def do_GET(self) -> None:
        type(self).peers.append(self.client_address[1])
        if self.connection not in type(self).sockets:
            type(self).sockets.append(self.connection)
        super().do_GET()

    @classmethod
    def drop_connections(cls) -> None:
        """Close the server's side of every open connection, as a stopped server process does."""
        for sock in cls.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        cls.sockets.clear()


class ServerThread:
    """A ThreadingHTTPServer on 127.0.0.1 in a daemon thread; can be stopped and started on the same port."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None) -> None:
        self._handler = handler
        self._tls = tls
        self.port = 0
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> ServerThread:
        server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler)
        server.daemon_threads = True
        if self._tls is not None:
            server.socket = self._tls.wrap_socket(server.socket, server_side=True)
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"


def content_server(tls: ssl.SSLContext | None = None) -> ServerThread:
    return ServerThread(_ContentHandler, tls).start()


def keep_alive_server() -> tuple[ServerThread, type[_KeepAliveHandler]]:
    handler = type("KeepAlive", (_KeepAliveHandler,), {"peers": [], "sockets": []})
    return ServerThread(handler).start(), handler


class HangingServer:
    """Accepts connections and never answers."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self._held: list[socket.socket] = []
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self._held.append(conn)

    def close(self) -> None:
        self._closed.set()
        self._sock.close()
        for conn in self._held:
            conn.close()


def self_signed_tls(directory: Path, days_valid: int) -> ssl.SSLContext:
    """A server context for 127.0.0.1 with a self-signed certificate expiring in ``days_valid`` days."""
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    try:
        _write_cert_with_cryptography(cert_path, key_path, days_valid)
    except ImportError:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", str(days_valid), "-subj",
             "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key_path),
             "-out", str(cert_path)],
            check=True,
            capture_output=True,
        )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


def _write_cert_with_cryptography(cert_path: Path, key_path: Path, days_valid: int) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30))
        .not_valid_after(now + dt.timedelta(days=days_valid))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


class FakeSlatrack:
    """POST /api/v1/probe-results with bearer auth, validation, and sample_id deduplication.

    The store survives stop()/start(), like a database behind a restarted web server.
    """

    def __init__(self, token: str, known_targets: set[str]) -> None:
        self.token = token
        self.known_targets = known_targets
        self.stored: dict[str, dict[str, Any]] = {}
        self.received_counts: dict[str, int] = {}
        self.duplicates = 0
        self.posts = 0
        self.lock = threading.Lock()
        fake = self

        class Handler(_QuietHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer = fake.handle(self.path, self.headers.get("Authorization", ""), body)
                self.reply(status, json.dumps(answer).encode(), content_type="application/json")

        self.server = ServerThread(Handler)

    def handle(self, path: str, authorization: str, body: bytes) -> tuple[int, dict[str, Any]]:
        if path != "/api/v1/probe-results":
            return 404, {"error": {"code": "not_found", "message": "no such endpoint", "fields": {}}}
        if authorization != f"Bearer {self.token}":
            return 401, {"error": {"code": "unauthorized", "message": "bad token", "fields": {}}}
        items = json.loads(body)
        bad = {
            str(index): "未知的监测对象"
            for index, item in enumerate(items)
            if item.get("target") not in self.known_targets
            or dt.datetime.fromisoformat(item["observed_at"]).tzinfo is None
        }
        if bad:
            return 422, {"error": {"code": "validation", "message": "数据无效", "fields": bad}}
        accepted = duplicates = 0
        with self.lock:
            self.posts += 1
            for item in items:
                if item["sample_id"] in self.stored:
                    duplicates += 1
                else:
                    self.stored[item["sample_id"]] = item
                    accepted += 1
                self.received_counts[item["sample_id"]] = self.received_counts.get(item["sample_id"], 0) + 1
            self.duplicates += duplicates
        return 201, {"accepted": accepted, "duplicates": duplicates}

    def start(self) -> FakeSlatrack:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url

    def sample_ids(self) -> set[str]:
        with self.lock:
            return set(self.stored)
