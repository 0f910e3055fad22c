"""Figures ready the moment the server starts: measure the dashboard's year in the background at start.

Without this the first visitor after a restart would see "正在统计" while a year of records is read. The
server calls ``warm_in_background`` once waitress is about to serve; the thread fills the input cache
(operations/figures/cache.py) and the dashboard's measured part (``dashboard_figures.cached_part``) for
the current year and quarter, so the first request finds both ready.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from slatrack.extensions import db
from slatrack.models import utcnow
from slatrack.operations.figures.dashboard_figures import measure_and_keep
from slatrack.operations.reference.years import default_year, quarter_of

log = logging.getLogger("slatrack")


def warm(app: Flask) -> None:
    """Measure this year's dashboard figures now (what the first dashboard request would ask for)."""
    with app.app_context():
        try:
            now = utcnow()
            year = default_year(now)
            measure_and_keep(year, quarter_of(year, now), now)
        except Exception:  # the first request measures instead
            log.exception("启动时预先统计仪表盘数字失败")
        finally:
            db.session.remove()


def warm_in_background(app: Flask) -> threading.Thread:
    thread = threading.Thread(target=warm, args=(app,), name="figures-warmup", daemon=True)
    thread.start()
    return thread
