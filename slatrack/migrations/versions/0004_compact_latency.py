"""compact latency: one packed row per target-day (latency_daily) instead of one row per hour (latency_hourly)

Revision ID: 0004_compact_latency
Revises: 0004_agent_contacts
Create Date: 2026-12-03 06:10:00

Upgrade converts every latency_hourly row into its day's latency_daily value (checks, failures, mean and
max kept, to 0.01 ms; the old rows had no min or percentiles); downgrade writes one latency_hourly row per
stored hour back (checks, failures, mean, max).
"""
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa

from slatrack.measure.latency import HourLatency, pack_day, unpack_day


# revision identifiers, used by Alembic.
revision = '0004_compact_latency'
down_revision = '0004_agent_contacts'
branch_labels = None
depends_on = None

_CHUNK = 5000


def _hourly_table():
    return sa.table(
        'latency_hourly',
        sa.column('target_id', sa.Integer()),
        sa.column('hour', sa.DateTime(timezone=True)),
        sa.column('checks', sa.Integer()),
        sa.column('failures', sa.Integer()),
        sa.column('latency_avg_ms', sa.Float()),
        sa.column('latency_max_ms', sa.Float()),
    )


def _daily_table():
    return sa.table(
        'latency_daily',
        sa.column('target_id', sa.Integer()),
        sa.column('day', sa.Date()),
        sa.column('hours', sa.LargeBinary()),
    )


def _utc(value):
    if isinstance(value, str):  # SQLite without the model's type: naive UTC text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def upgrade():
    op.create_table('latency_daily',
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('hours', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], name=op.f('fk_latency_daily_target_id_targets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('target_id', 'day', name=op.f('pk_latency_daily')),
    sqlite_with_rowid=False
    )
    bind = op.get_bind()
    hourly, daily = _hourly_table(), _daily_table()
    days = defaultdict(list)
    query = sa.select(hourly).order_by(hourly.c.target_id, hourly.c.hour)
    for row in bind.execute(query):
        hour = _utc(row.hour)
        days[(row.target_id, hour.date())].append(
            HourLatency(hour.hour, row.checks, row.failures, None, avg_ms=row.latency_avg_ms, max_ms=row.latency_max_ms)
        )
    rows = [{'target_id': target_id, 'day': day, 'hours': pack_day(hours)} for (target_id, day), hours in days.items()]
    for start in range(0, len(rows), _CHUNK):
        bind.execute(daily.insert(), rows[start:start + _CHUNK])
    op.drop_table('latency_hourly')


def downgrade():
    op.create_table('latency_hourly',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checks', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('latency_avg_ms', sa.Float(), nullable=True),
    sa.Column('latency_max_ms', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], name=op.f('fk_latency_hourly_target_id_targets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_latency_hourly')),
    sa.UniqueConstraint('target_id', 'hour', name=op.f('uq_latency_hourly_target_id'))
    )
    bind = op.get_bind()
    hourly, daily = _hourly_table(), _daily_table()
    sqlite = bind.dialect.name == 'sqlite'
    rows = []
    for target_id, day, packed in bind.execute(sa.select(daily.c.target_id, daily.c.day, daily.c.hours)):
        if isinstance(day, str):
            day = datetime.fromisoformat(day).date()
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        for item in unpack_day(bytes(packed)):
            hour = midnight + timedelta(hours=item.hour)
            rows.append({
                'target_id': target_id,
                # SQLite keeps instants as naive UTC text (the models' UTCDateTime).
                'hour': hour.replace(tzinfo=None) if sqlite else hour,
                'checks': item.checks,
                'failures': item.failures,
                'latency_avg_ms': item.avg_ms,
                'latency_max_ms': item.max_ms,
            })
    for start in range(0, len(rows), _CHUNK):
        bind.execute(hourly.insert(), rows[start:start + _CHUNK])
    op.drop_table('latency_daily')
