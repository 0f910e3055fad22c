"""Reading a server certificate's expiry, whether or not it was verified."""

from __future__ import annotations

import os
import socket
import ssl
import tempfile
from datetime import UTC, datetime


def not_after(der: bytes) -> datetime:
    """The expiry (aware, UTC) of a DER-encoded certificate."""
    try:
        from cryptography import x509
    except ImportError:
        return _not_after_stdlib(der)
    return x509.load_der_x509_certificate(der).not_valid_after_utc


def _not_after_stdlib(der: bytes) -> datetime:
    # The standard library decodes certificates only from a PEM file, through a private helper
    # that has existed unchanged since Python 3.2; used only when cryptography is missing.
    fd, name = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(ssl.DER_cert_to_PEM_cert(der))
        decoded = ssl._ssl._test_decode_cert(name)  # type: ignore[attr-defined]
    finally:
        os.unlink(name)
    return datetime.fromtimestamp(ssl.cert_time_to_seconds(decoded["notAfter"]), UTC)


def fetch_peer_certificate(host: str, port: int, timeout: float) -> bytes:
    """Handshake without verification and return the server's certificate (DER)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection((host, port), timeout=timeout) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    if not der:
        raise ssl.SSLError("server sent no certificate")
    return der


def days_left(expiry: datetime, now: datetime) -> float:
    return (expiry - now).total_seconds() / 86400
