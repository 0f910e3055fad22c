"""Figures ready the moment the server starts: measure the dashboard's year in the background at start.

Without this the first visitor after a restart would see "正在统计" while a year of records is read. The
server calls ``warm_in_background`` once waitress is about to serve; the thread fills the input cache
(operations/figures/cache.py) and the dashboard's measured part (``dashboard_figures.cached_part``) for
the current year and quarter, so the first request finds both ready. A request for that part arriving
while the warm-up runs waits for it (``dashboard_figures.WARMUP_WAIT_SECONDS`` at most) rather than
showing "正在统计": with the figures kept on disk (snapshot.py) the warm-up takes about a second.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from slatrack.extensions import db
from slatrack.models import utcnow
from slatrack.operations.figures.cache import CACHE
from slatrack.operations.figures.dashboard_figures import measure_and_keep, warming
from slatrack.operations.reference.years import default_year, quarter_of

log = logging.getLogger("slatrack")


def warm(app: Flask, year: int | None = None, done: threading.Event | None = None) -> None:
    """Measure a year's dashboard figures now (default this year's: what the first request would ask for)."""
    with app.app_context():
        try:
            now = utcnow()
            year = year or default_year(now)
            label = quarter_of(year, now)
            done = done or warming(year, label)
            measure_and_keep(year, label, now)
            CACHE.flush(spaced=False)  # on disk with every settled outcome and tally it now holds, for the next start
        except Exception:  # the first request measures instead
            log.exception("启动时预先统计仪表盘数字失败")
        finally:
            if done is not None:
                done.set()
            db.session.remove()


def warm_in_background(app: Flask, year: int | None = None) -> threading.Thread:
    """Start the warm-up; requests for its part wait for it from now on (not from when the thread runs)."""
    with app.app_context():
        now = utcnow()
        year = year or default_year(now)
        done = warming(year, quarter_of(year, now))
    thread = threading.Thread(target=warm, args=(app, year, done), name="figures-warmup", daemon=True)
    thread.start()
    return thread
