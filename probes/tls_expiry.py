"""Reading a server certificate's expiry, whether or not it was verified."""

from __future__ import annotations

import socket
import ssl
from datetime import datetime

from cryptography import x509


def not_after(der: bytes) -> datetime:
    """The expiry (aware, UTC) of a DER-encoded certificate."""
    expiry: datetime = x509.load_der_x509_certificate(der).not_valid_after_utc
    return expiry


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
