from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from probe_servers import ServerThread, content_server

from probes.spec import TargetSpec


@pytest.fixture(scope="module")
def web() -> Iterator[ServerThread]:
    server = content_server()
    yield server
    server.stop()


def make_spec(**fields: Any) -> TargetSpec:
    return TargetSpec.from_mapping({"name": "t", **fields})


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
