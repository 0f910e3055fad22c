"""compact evidence: segments keyed by (target, start), instants as integer microseconds, no rowid on SQLite

Revision ID: 0005_compact_evidence
Revises: 0004_data_version
Create Date: 2026-12-03 09:40:00

Upgrade rewrites every evidence_segments row: the id, the index on (target_id, start) and first_observed
(always equal to start, never read) go; start becomes microseconds since the Unix epoch, end and
last_observed the offsets span = end - start and gap = end - last_observed in microseconds (exact: the
old columns kept microseconds too; a last_observed outside [start, end], which the code never wrote, is
clamped into it); the state 'up'/'fail' becomes 0/1; the key is (target_id, start). Downgrade writes the
rows back with new ids, first_observed = start and the index.

latency_daily is rewritten too: its day becomes an integer (days since 1970-01-01) and its values are
repacked in format 2 (by column, compressed) where that is shorter; downgrade writes dates and format 1
(the only one the code before this revision reads) back. The hours' figures are unchanged.
"""
from datetime import UTC, date, datetime, timedelta

from alembic import op
import sqlalchemy as sa

from slatrack.measure.latency import pack_day, unpack_day


# revision identifiers, used by Alembic.
revision = '0005_compact_evidence'
down_revision = '0004_data_version'
branch_labels = None
depends_on = None

_CHUNK = 5000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
_COLUMNS = ('target_id', 'state', 'start', 'end', 'count', 'last_observed', 'lead')
_NEW_COLUMNS = ('target_id', 'state', 'start', 'span', 'gap', 'count', 'lead')
_STATES = {'up': 0, 'fail': 1}


def _old_table():
    return sa.table(
        'evidence_segments',
        sa.column('id', sa.Integer()),
        sa.column('target_id', sa.Integer()),
        sa.column('state', sa.String()),
        sa.column('start', sa.DateTime(timezone=True)),
        sa.column('end', sa.DateTime(timezone=True)),
        sa.column('count', sa.Integer()),
        sa.column('first_observed', sa.DateTime(timezone=True)),
        sa.column('last_observed', sa.DateTime(timezone=True)),
        sa.column('lead', sa.Text()),
    )


def _new_table():
    return sa.table(
        'evidence_segments',
        sa.column('target_id', sa.Integer()),
        sa.column('state', sa.SmallInteger()),
        sa.column('start', sa.BigInteger()),
        sa.column('span', sa.BigInteger()),
        sa.column('gap', sa.BigInteger()),
        sa.column('count', sa.Integer()),
        sa.column('lead', sa.Text()),
    )


def _utc(value):
    if isinstance(value, str):  # SQLite without the model's type: naive UTC text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _insert(bind, table, rows):
    for start in range(0, len(rows), _CHUNK):
        bind.execute(table.insert(), rows[start:start + _CHUNK])


def _rebuild_latency(bind, integer_days):
    """Rewrite latency_daily with its day as an integer (days since 1970-01-01) or as a date, and its
    values in format 2 where shorter (upgrade) or format 1 (downgrade)."""
    epoch = date(1970, 1, 1)
    day_type = sa.Date() if integer_days else sa.Integer()
    old = sa.table(
        'latency_daily',
        sa.column('target_id', sa.Integer()),
        sa.column('day', day_type),
        sa.column('hours', sa.LargeBinary()),
    )
    rows = []
    for target_id, day, packed in bind.execute(sa.select(old.c.target_id, old.c.day, old.c.hours)):
        if isinstance(day, str):  # SQLite without a date type
            day = date.fromisoformat(day)
        rows.append({
            'target_id': target_id,
            'day': (day - epoch).days if integer_days else epoch + timedelta(days=int(day)),
            'hours': pack_day(unpack_day(bytes(packed)), None if integer_days else 1),
        })
    op.drop_table('latency_daily')
    new_type = sa.Integer() if integer_days else sa.Date()
    table = op.create_table('latency_daily',
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('day', new_type, nullable=False),
    sa.Column('hours', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], name=op.f('fk_latency_daily_target_id_targets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('target_id', 'day', name=op.f('pk_latency_daily')),
    sqlite_with_rowid=False
    )
    _insert(bind, table, rows)


def _drop_old():
    with op.batch_alter_table('evidence_segments', schema=None) as batch_op:
        batch_op.drop_index('ix_evidence_segments_target_start')
    op.drop_table('evidence_segments')


def upgrade():
    bind = op.get_bind()
    old = _old_table()
    rows = []
    for target_id, state, start, end, count, last, lead in bind.execute(sa.select(*(old.c[n] for n in _COLUMNS))):
        start, end = (_utc(start) - _EPOCH) // _MICRO, (_utc(end) - _EPOCH) // _MICRO
        last = min(max((_utc(last) - _EPOCH) // _MICRO, start), end)
        rows.append({
            'target_id': target_id,
            'state': _STATES[state],
            'start': start,
            'span': end - start,
            'gap': end - last,
            'count': count,
            'lead': lead,
        })
    _drop_old()
    op.create_table('evidence_segments',
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.BigInteger(), nullable=False),
    sa.Column('span', sa.BigInteger(), nullable=False),
    sa.Column('gap', sa.BigInteger(), nullable=False),
    sa.Column('state', sa.SmallInteger(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('lead', sa.Text(), nullable=False),
    sa.CheckConstraint('state IN (0, 1)', name=op.f('ck_evidence_segments_state_known')),
    sa.CheckConstraint('span >= 0', name=op.f('ck_evidence_segments_ordered')),
    sa.CheckConstraint('gap >= 0 AND gap <= span', name=op.f('ck_evidence_segments_gap_inside')),
    sa.CheckConstraint('count >= 1', name=op.f('ck_evidence_segments_count_positive')),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], name=op.f('fk_evidence_segments_target_id_targets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('target_id', 'start', name=op.f('pk_evidence_segments')),
    sqlite_with_rowid=False
    )
    _insert(bind, _new_table(), rows)
    _rebuild_latency(bind, True)


def downgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    new = _new_table()
    rows = []
    names = {code: name for name, code in _STATES.items()}
    query = sa.select(*(new.c[name] for name in _NEW_COLUMNS)).order_by(new.c.target_id, new.c.start)
    for target_id, state, start, span, gap, count, lead in bind.execute(query):
        instants = [_EPOCH + timedelta(microseconds=int(value)) for value in (start, start + span, start + span - gap)]
        # SQLite keeps instants as naive UTC text (the models' UTCDateTime).
        first, end, last = (value.replace(tzinfo=None) if sqlite else value for value in instants)
        rows.append({
            'target_id': target_id,
            'state': names[int(state)],
            'start': first,
            'end': end,
            'count': count,
            'first_observed': first,
            'last_observed': last,
            'lead': lead,
        })
    op.drop_table('evidence_segments')
    op.create_table('evidence_segments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('first_observed', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_observed', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lead', sa.Text(), nullable=False),
    sa.CheckConstraint("state IN ('up', 'fail')", name=op.f('ck_evidence_segments_state_known')),
    sa.CheckConstraint('"end" >= start', name=op.f('ck_evidence_segments_ordered')),
    sa.CheckConstraint('count >= 1', name=op.f('ck_evidence_segments_count_positive')),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], name=op.f('fk_evidence_segments_target_id_targets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_segments'))
    )
    with op.batch_alter_table('evidence_segments', schema=None) as batch_op:
        batch_op.create_index('ix_evidence_segments_target_start', ['target_id', 'start'], unique=False)
    _insert(bind, _old_table(), rows)
    _rebuild_latency(bind, False)
