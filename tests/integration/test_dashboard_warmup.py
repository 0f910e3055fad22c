"""The first dashboard request after a start, sent while the warm-up measures, gets every figure."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask

from slatrack.extensions import db
from slatrack.models import utcnow
from slatrack.operations.figures import dashboard_figures
from slatrack.operations.figures.cache import CACHE
from slatrack.operations.figures.dashboard_figures import cached_part, clear_cache
from slatrack.operations.figures.warmup import warm_in_background
from slatrack.operations.reference.years import quarter_of

YEAR = 2025


@pytest.fixture
def serving(app: Flask) -> Iterator[Flask]:
    """The application as a server runs it (pages measure in the background), caches empty."""
    CACHE.clear()
    clear_cache()
    app.testing = False
    try:
        yield app
    finally:
        app.testing = True
        clear_cache()


def test_a_request_during_the_warm_up_waits_for_its_figures(serving: Flask) -> None:
    label = quarter_of(YEAR, utcnow())
    thread = warm_in_background(serving, YEAR)
    part, updating = cached_part(YEAR, label)  # at once: the warm-up has only just started
    thread.join()
    assert part is not None and not updating
    assert part.indicators and not part.indicator_error  # 2025's indicators, measured by the warm-up


def test_without_a_warm_up_the_request_does_not_wait(serving: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dashboard_figures, "WARMUP_WAIT_SECONDS", 30.0)
    label = quarter_of(YEAR, utcnow())
    dashboard_figures.warming(YEAR - 1, label)  # another year's warm-up, never ending
    started = time.monotonic()
    part, updating = cached_part(YEAR, label)
    assert part is None and updating  # measured in the background, shown when ready
    assert time.monotonic() - started < 5
    for thread in threading.enumerate():
        if thread.name == "dashboard-measure":
            thread.join()
    db.session.remove()
