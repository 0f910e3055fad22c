"""Figures ready after a restart: the input cache's entries kept on disk between processes.

A cold start would otherwise read a year of tickets, events and evidence and replay every ticket (seconds
for 20,000 tickets). Once a period has been measured, its entry — the engine's inputs, the settled
tickets' outcomes (the memo: each settled ticket's response and resolution status and minutes) and the
data version they were read at — is written to the instance folder. The next process starts from it and
reads again only the domains whose data version moved since (operations/figures/cache.py): the settled
outcomes of every ticket whose record did not change are kept, a changed ticket is replayed; the
evidence is read again when any result arrived; the small inputs always.

The settled parts' tallies (``measure/sums.py``) are kept with it, so that the first measurement after a
restart adds only what is not settled instead of tallying a year again.

A snapshot is used only for the same database, period, data version domains and code (a hash of the
measuring and loading modules): anything else is ignored and overwritten. The files live next to the
instance's secret key and ``config.py`` (owner-only folder, files 0600). They are pickles read by a
restricted unpickler (``_Loader``): it builds only the engine's plain record classes (``slatrack.measure``),
dates and times and builtin containers, so that a file put there can give wrong figures at worst, never run
code. Pickle is kept for its speed: a year's ~400,000 objects load in ~0.4 s, where rebuilding them from a
neutral format (JSON, packed columns) through their constructors takes longer than measuring them again.
"""

from __future__ import annotations

import gc
import hashlib
import io
import logging
import os
import pickle
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app

from slatrack.measure.segments import Segment

log = logging.getLogger("slatrack")
FORMAT = 3
_WRITE_LOCK = threading.Lock()


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while a year's records are built or measured.

    Loading creates hundreds of thousands of small objects and none of them is cyclic garbage; the
    collector would walk all of them again and again (it more than doubles the time of a cold load).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# What a snapshot may build besides the classes of slatrack.measure (see ``_Loader``).
_ALLOWED = {
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("collections", "Counter"),
    ("collections", "OrderedDict"),
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "timedelta"),
    ("datetime", "time"),
    ("datetime", "timezone"),
    ("slatrack.measure.calendars", "china_workday"),  # a working-hours calendar's working days
    ("slatrack.measure.calendars", "weekday_workday"),
    (__name__, "_segment"),
    (__name__, "_zone"),
}
_new = object.__new__
_set = object.__setattr__


def _segment(state: str, start: Any, end: Any, count: int, lead: Any) -> Segment:
    """A stored segment as it was (checked when it was built): faster than a dataclass's state or ``__init__``."""
    segment = _new(Segment)
    _set(segment, "state", state)
    _set(segment, "start", start)
    _set(segment, "end", end)
    _set(segment, "count", count)
    _set(segment, "lead", lead)
    return segment


def _reduce_segment(segment: Segment) -> tuple[Any, ...]:
    return _segment, (segment.state, segment.start, segment.end, segment.count, segment.lead)


def _zone(key: str) -> ZoneInfo:
    return ZoneInfo(key)


def _reduce_zone(zone: ZoneInfo) -> tuple[Any, ...]:
    return _zone, (zone.key,)


def dumps(value: Any) -> bytes:
    """The snapshot's bytes of ``value`` (segments and time zones in the forms ``loads`` accepts)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.dispatch_table = {Segment: _reduce_segment, ZoneInfo: _reduce_zone}
    pickler.dump(value)
    return buffer.getvalue()


def loads(blob: bytes) -> Any:
    """What ``dumps`` wrote; anything else than the engine's records, dates and containers is refused."""
    return _Loader(io.BytesIO(blob)).load()


class _Loader(pickle.Unpickler):
    """Builds only the engine's plain records: classes of slatrack.measure, dates and times, containers."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        if module.startswith("slatrack.measure.") and "." not in name:
            found = super().find_class(module, name)
            # Defined there (not a class a measure module imported): plain records, rules and enums.
            if isinstance(found, type) and found.__module__ == module:
                return found
        raise pickle.UnpicklingError(f"not allowed in a figures snapshot: {module}.{name}")


@cache
def code_version() -> str:
    """A hash of the code that turns records into inputs and inputs into figures."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    folders = ("measure", "models", "operations/figures", "operations/tickets", "operations/monitoring")
    paths = [root / "data_version.py", *(path for folder in folders for path in sorted((root / folder).glob("*.py")))]
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _path(key: tuple[Any, ...]) -> Path:
    name = hashlib.sha256(repr(key).encode()).hexdigest()[:24]
    return Path(current_app.instance_path) / "figures" / f"{name}.snapshot"


def remove_all() -> None:
    """Forget every snapshot of this instance (the next measurement reads the records)."""
    folder = Path(current_app.instance_path) / "figures"
    for path in folder.glob("*.snapshot"):
        path.unlink(missing_ok=True)


def read(key: tuple[Any, ...]) -> tuple[dict[str, int], Any, Any, Any] | None:
    """(versions, inputs, memo, sums state) kept for this cache key by this code, or None.

    The objects read are the process's long-lived data: they are moved out of the cyclic garbage
    collector's sight (``gc.freeze``), which would otherwise walk all of them in its next collections.
    """
    path = _path(key)
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    try:
        with paused_gc():
            stored = loads(blob)
            gc.freeze()
        fmt, code, stored_key, versions, inputs, memo, sums = stored
    except Exception:  # a damaged or foreign file: measure from the records
        log.warning("已忽略无法读取的统计快照：%s", path.name)
        return None
    if fmt != FORMAT or code != code_version() or stored_key != key:
        return None
    return versions, inputs, memo, sums


def write(key: tuple[Any, ...], versions: dict[str, int], inputs: Any, memo: dict[str, Any], sums: Any) -> None:
    """Keep the entry for the next process (atomically: a reader sees the old file or the new one)."""
    path = _path(key)
    with _WRITE_LOCK, paused_gc():
        # Not compressed: decompressing a year costs more than reading it.
        blob = dumps((FORMAT, code_version(), key, versions, inputs, memo, sums))
        path.parent.mkdir(mode=0o700, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as file:
            file.write(blob)
        os.replace(temporary, path)


def write_later(key: tuple[Any, ...], versions: dict[str, int], inputs: Any, memo: dict[str, Any], sums: Any) -> None:
    """Write in a thread of its own; not a daemon, so a command waits for it before it exits."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        with app.app_context():
            try:
                write(key, versions, inputs, memo, sums)
            except Exception:  # the next start measures from the records
                log.exception("统计快照写入失败")

    threading.Thread(target=run, name="figures-snapshot").start()
