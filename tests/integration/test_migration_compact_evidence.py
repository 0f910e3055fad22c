"""0005_compact_evidence: segments keyed by (target, start) with integer instants, latency days repacked; and back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from slatrack.audit import acting_as
from slatrack.extensions import db
from slatrack.measure.latency import HostHour, HourLatency, pack_day, summarize_hour, unpack_day
from slatrack.models import EvidenceSegment, utcnow
from slatrack.operations.figures.loading import load_targets
from slatrack.operations.monitoring.latency import latency_hours
from slatrack.operations.monitoring.segment_store import load_segments
from slatrack.operations.monitoring.targets import create_target

OLD = sa.table(
    "evidence_segments",
    sa.column("id", sa.Integer()),
    sa.column("target_id", sa.Integer()),
    sa.column("state", sa.String()),
    sa.column("start", sa.DateTime(timezone=True)),
    sa.column("end", sa.DateTime(timezone=True)),
    sa.column("count", sa.Integer()),
    sa.column("first_observed", sa.DateTime(timezone=True)),
    sa.column("last_observed", sa.DateTime(timezone=True)),
    sa.column("lead", sa.Text()),
)
T0 = datetime(2026, 11, 30, 16, 0, 0, 123457, tzinfo=UTC)
# (state, start, end, count, last_observed, lead): microseconds everywhere, a run of failures with its lead.
ROWS = [
    ("up", T0, T0 + timedelta(hours=5, microseconds=999_999), 300, T0 + timedelta(hours=4, minutes=59, seconds=3), ""),
    (
        "fail",
        T0 + timedelta(hours=5, microseconds=999_999),
        T0 + timedelta(hours=5, minutes=3, seconds=1),
        3,
        T0 + timedelta(hours=5, minutes=2, microseconds=1),
        "0,60000001,120000002",
    ),
    (
        "up",
        datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
        datetime(2000, 1, 1, tzinfo=UTC),
        1,
        datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
        "",
    ),
]


def _naive_on_sqlite(value: datetime) -> datetime:
    return value.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else value


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def test_upgrade_rewrites_the_segments_compactly_and_downgrade_restores_them(app: Flask) -> None:
    with acting_as("test"):
        first, _ = create_target({"name": "portal", "kind": "http", "url": "https://portal.example.cn/"})
        second, _ = create_target({"name": "gateway", "kind": "http", "url": "https://gw.example.cn/"})
        db.session.commit()
        ids = [first.id, second.id]
    db.session.remove()
    downgrade(revision="0004_data_version")
    with db.engine.begin() as connection:
        connection.execute(
            OLD.insert(),
            [
                {
                    "target_id": target_id,
                    "state": state,
                    "start": _naive_on_sqlite(start),
                    "end": _naive_on_sqlite(end),
                    "count": count,
                    "first_observed": _naive_on_sqlite(start),
                    "last_observed": _naive_on_sqlite(last),
                    "lead": lead,
                }
                for target_id in ids
                for state, start, end, count, last, lead in ROWS
            ],
        )

    upgrade()
    stored = db.session.execute(
        sa.select(
            EvidenceSegment.target_id,
            EvidenceSegment.state,
            EvidenceSegment.start,
            EvidenceSegment.end,
            EvidenceSegment.count,
            EvidenceSegment.last_observed,
            EvidenceSegment.lead,
        ).order_by(EvidenceSegment.target_id, EvidenceSegment.start)
    ).all()
    expected = [(tid, *row) for tid in ids for row in sorted(ROWS, key=lambda r: r[1])]
    assert [tuple(row) for row in stored] == expected
    # The start is an integer now (microseconds since the epoch), the end and last member offsets; 'up' is 0.
    with db.engine.connect() as connection:
        raw = connection.execute(
            sa.text("SELECT start, span, gap, state FROM evidence_segments ORDER BY target_id, start")
        ).first()
    assert raw is not None and tuple(raw) == (946_684_799_000_001, 999_999, 999_999, 0)
    # What the figures read is what was stored, the lead's instants included.
    segments = load_segments(ids[0])
    assert [(s.state, s.start, s.end, s.count) for s in segments] == [r[:4] for r in sorted(ROWS, key=lambda r: r[1])]
    assert segments[2].lead == (
        ROWS[1][1],
        ROWS[1][1] + timedelta(microseconds=60_000_001),
        ROWS[1][1] + timedelta(microseconds=120_000_002),
    )
    records = {r.key: r for r in load_targets(T0 - timedelta(days=1), utcnow() + timedelta(days=1))}
    assert records[str(ids[1])].segments == segments[1:]
    db.session.remove()

    downgrade(revision="0004_data_version")
    with db.engine.connect() as connection:
        back = connection.execute(sa.select(OLD).order_by(OLD.c.target_id, OLD.c.start)).all()
        indexes = {index["name"] for index in sa.inspect(connection).get_indexes("evidence_segments")}
    assert "ix_evidence_segments_target_start" in indexes
    assert len({row.id for row in back}) == len(back) == 2 * len(ROWS)
    assert [
        (row.target_id, row.state, _aware(row.start), _aware(row.end), row.count, _aware(row.last_observed), row.lead)
        for row in back
    ] == expected
    assert all(_aware(row.first_observed) == _aware(row.start) for row in back)
    upgrade()


DAILY = sa.table(
    "latency_daily",
    sa.column("target_id", sa.Integer()),
    sa.column("day", sa.Date()),
    sa.column("hours", sa.LargeBinary()),
)


def test_latency_days_are_repacked_by_column_and_back_unchanged(app: Flask) -> None:
    hours = [summarize_hour(h, 60, h % 3, [8.0 + (i * 37 * h % 112) for i in range(60 - h % 3)]) for h in range(20)]
    hours += [
        summarize_hour(20, 12, 12, []),
        HourLatency(21, 60, 2, None, avg_ms=41.23, max_ms=119.9),  # converted from the old hourly rows
        summarize_hour(23, 3, 0, [12.5, 13.0, 14.0], HostHour(3, 20.0, 40.0, 55.5, 60.0, None, None)),
    ]
    old = pack_day(hours, 1)
    # A day of a few hours is shorter in format 1 and stays in it.
    few = pack_day(hours[-3:], 1)
    assert pack_day(hours[-3:]) == few
    with acting_as("test"):
        target, _ = create_target({"name": "portal", "kind": "http", "url": "https://portal.example.cn/"})
        db.session.commit()
        target_id = target.id
    db.session.remove()
    downgrade(revision="0004_data_version")
    with db.engine.begin() as connection:
        connection.execute(
            DAILY.insert(),
            [
                {"target_id": target_id, "day": date(2026, 11, 30), "hours": old},
                {"target_id": target_id, "day": date(2026, 12, 1), "hours": few},
            ],
        )

    upgrade()
    with db.engine.connect() as connection:
        raw = connection.execute(sa.text("SELECT day, hours FROM latency_daily ORDER BY day")).all()
    # The day is an integer now (days since 1970-01-01); the short day kept format 1.
    assert [row[0] for row in raw] == [20_787, 20_788] and bytes(raw[1][1]) == few
    packed = bytes(raw[0][1])
    assert packed[0] == 2 and len(packed) < 0.8 * len(old)
    assert unpack_day(packed) == unpack_day(old) == hours
    day = datetime(2026, 11, 30, tzinfo=UTC)
    stored = latency_hours(target_id, day, day + timedelta(days=1))
    assert [h.figures for h in latency_hours(target_id, day + timedelta(days=1), day + timedelta(days=2))] == hours[-3:]
    assert [(h.start, h.figures.checks, h.figures.failures) for h in stored] == [
        (day + timedelta(hours=h.hour), h.checks, h.failures) for h in hours
    ]
    db.session.remove()

    downgrade(revision="0004_data_version")
    with db.engine.connect() as connection:
        back = connection.execute(sa.select(DAILY.c.day, DAILY.c.hours).order_by(DAILY.c.day)).all()
    assert [(row.day, bytes(row.hours)) for row in back] == [(date(2026, 11, 30), old), (date(2026, 12, 1), few)]
    upgrade()
