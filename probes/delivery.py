"""Sending spooled results to the server's POST /api/v1/probe-results, oldest first."""

from __future__ import annotations

import enum
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from probes.spool import Spool, SpooledResult

log = logging.getLogger(__name__)

ENDPOINT = "/api/v1/probe-results"
# The server refused the content itself: the same items would be refused again.
REFUSED_STATUSES = frozenset({400, 409, 413, 422})


class Verdict(enum.Enum):
    STORED = "stored"  # 200/201: every item accepted or recognised as a duplicate
    REFUSED = "refused"  # the batch as a whole was refused for its content
    UNAUTHORIZED = "unauthorized"  # 401/403: keep everything, try again later
    UNREACHABLE = "unreachable"  # connection error, timeout, 5xx, anything unexpected


@dataclass(frozen=True)
class Answer:
    verdict: Verdict
    message: str
    accepted: int = 0
    duplicates: int = 0


@dataclass(frozen=True)
class FlushReport:
    delivered: int
    dead_lettered: int
    blocked_by: Answer | None  # why sending stopped before the queue was empty

    @property
    def drained(self) -> bool:
        return self.blocked_by is None


class Uploader:
    def __init__(self, server: str, token: str, *, timeout: float = 30.0) -> None:
        self.url = server.rstrip("/") + ENDPOINT
        self._timeout = timeout
        self._session = requests.Session()
        self._session.headers.update({"Authorization": f"Bearer {token}", "User-Agent": "slatrack-probe/1"})

    def close(self) -> None:
        self._session.close()

    def post(self, items: list[SpooledResult]) -> Answer:
        try:
            response = self._session.post(self.url, json=[item.payload for item in items], timeout=self._timeout)
        except requests.RequestException as exc:
            return Answer(Verdict.UNREACHABLE, f"{type(exc).__name__}")
        status = response.status_code
        if status in (200, 201):
            try:
                body = response.json()
                return Answer(Verdict.STORED, "", int(body.get("accepted", 0)), int(body.get("duplicates", 0)))
            except (ValueError, AttributeError, TypeError):
                return Answer(Verdict.STORED, "unreadable success body")
        message = f"HTTP {status}: {_error_message(response)}"
        if status in REFUSED_STATUSES:
            return Answer(Verdict.REFUSED, message)
        if status in (401, 403):
            return Answer(Verdict.UNAUTHORIZED, message)
        return Answer(Verdict.UNREACHABLE, message)


def flush(
    spool: Spool,
    uploader: Uploader,
    batch_size: int,
    deadline: float | None = None,
    interrupt: Callable[[], bool] | None = None,
) -> FlushReport:
    """Send pending results in batches until the queue is empty, the server stops us, ``deadline``
    passes or ``interrupt()`` says so (asked between two requests)."""
    delivered = dead = 0
    while (deadline is None or time.monotonic() < deadline) and not (interrupt and interrupt()):
        batch = spool.pending(batch_size)
        if not batch:
            return FlushReport(delivered, dead, None)
        answer = uploader.post(batch)
        if answer.verdict is Verdict.STORED:
            spool.mark_delivered(batch)
            delivered += len(batch)
            if answer.accepted + answer.duplicates != len(batch):
                log.warning(
                    "server acknowledged %d new + %d duplicates for %d results sent (%s)",
                    answer.accepted,
                    answer.duplicates,
                    len(batch),
                    answer.message or "counts differ",
                )
            continue
        if answer.verdict is not Verdict.REFUSED:
            _log_blocked(answer)
            return FlushReport(delivered, dead, answer)
        log.warning("server refused a batch of %d (%s); sending them one by one", len(batch), answer.message)
        for item in batch:
            single = uploader.post([item])
            if single.verdict is Verdict.STORED:
                spool.mark_delivered([item])
                delivered += 1
            elif single.verdict is Verdict.REFUSED:
                spool.dead_letter(item, single.message)
                dead += 1
                log.error(
                    "DEAD LETTER: server refused result %s of target %r (%s); kept in the spool's dead_letters table",
                    item.sample_id,
                    item.payload.get("target"),
                    single.message,
                )
            else:
                _log_blocked(single)
                return FlushReport(delivered, dead, single)
    return FlushReport(delivered, dead, Answer(Verdict.UNREACHABLE, "interrupted or out of time"))


def _log_blocked(answer: Answer) -> None:
    if answer.verdict is Verdict.UNAUTHORIZED:
        log.error("server rejected the agent's token (%s); results are kept and retried", answer.message)
    else:
        log.warning("server not reachable (%s); results stay in the spool", answer.message)


def _error_message(response: requests.Response) -> str:
    try:
        error = response.json()["error"]
        text = str(error.get("message", ""))
        fields = error.get("fields")
        if fields:
            text += " " + json.dumps(fields, ensure_ascii=False)
    except (ValueError, KeyError, TypeError, AttributeError):
        text = response.text
    text = " ".join(text.split())
    return text[:500]
