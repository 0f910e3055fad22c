"""In-process probing: the runner checks a real local HTTP server and stores results; of two runners on
one database only the lease holder probes, and the other takes over when it stops."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from slatrack.extensions import db
from slatrack.jobs.probing import ProbeRunner
from slatrack.models import EvidenceSegment, ProbeResult, utcnow
from slatrack.operations.monitoring.targets import create_target
from tests.integration.monitoring_helpers import http_target, wait_for


def _count(app: Flask) -> int:
    with app.app_context():
        try:
            return int(db.session.scalar(select(func.count()).select_from(ProbeResult)) or 0)
        finally:
            db.session.remove()


def _names(app: Flask) -> set[str]:
    with app.app_context():
        try:
            return {result.target.name for result in db.session.scalars(select(ProbeResult))}
        finally:
            db.session.remove()


def test_one_of_two_runners_probes_a_real_http_target(make_app: Callable[..., Flask]) -> None:
    first_app, second_app = make_app(), make_app()
    with http_target() as url:
        with first_app.app_context():
            create_target(
                {
                    "name": "portal",
                    "kind": "http",
                    "url": url,
                    "interval_seconds": 5,
                    "timeout_seconds": 2,
                    "keyword": "正常",
                    "monitored_since": utcnow() - timedelta(minutes=1),
                }
            )
            # A push target is never checked in process; a paused one neither.
            create_target({"name": "backup-job", "kind": "push", "interval_seconds": 3600})
            db.session.remove()
        first = ProbeRunner(first_app, "host-a:1", renew_seconds=0.3, lease_seconds=3, flush_seconds=0.2)
        second = ProbeRunner(second_app, "host-b:2", renew_seconds=0.3, lease_seconds=3, flush_seconds=0.2)
        first.start()
        wait_for(lambda: first.leading, 10, "the first runner never took the lease")
        second.start()
        try:
            wait_for(lambda: _count(first_app) >= 2, 20, "no in-process results were stored")
            assert first.leading and not second.leading
            assert second.stored == 0
            # A target added while the runner runs is picked up at the next lease renewal.
            with first_app.app_context():
                create_target({"name": "portal-2", "kind": "http", "url": url, "interval_seconds": 5})
                db.session.remove()
            wait_for(lambda: "portal-2" in _names(first_app), 20, "the new target was never checked")
            assert second.stored == 0
            stored_by_first = first.stored
            assert stored_by_first >= 3
        finally:
            first.stop()
        try:
            # The first runner released the lease on stopping: the second one takes over.
            wait_for(lambda: second.leading, 10, "the second runner never took over")
            wait_for(lambda: second.stored >= 1, 15, "the second runner stored nothing")
        finally:
            second.stop()
    with first_app.app_context():
        results = db.session.scalars(select(ProbeResult).order_by(ProbeResult.observed_at)).all()
        assert {r.target.name for r in results} == {"portal", "portal-2"}
        assert all(r.ok and r.latency_ms is not None for r in results)
        assert len(results) == stored_by_first + second.stored
        segments = db.session.scalars(select(EvidenceSegment)).all()
        assert [s.state for s in segments] == ["up"] * len(segments) and segments
