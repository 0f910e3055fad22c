"""outages' handling (处理情况); the submitted quarterly report's document; hourly host-check use (issue 13)

Revision ID: 0004_outage_cause
Revises: 0003_late_entries
Create Date: 2026-12-03 06:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_outage_cause'
down_revision = '0003_late_entries'
branch_labels = None
depends_on = None

HOST_COLUMNS = ('cpu_avg', 'cpu_max', 'memory_avg', 'memory_max', 'disk_avg', 'disk_max')


def upgrade():
    with op.batch_alter_table('outages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handling', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('frozen_document', sa.JSON(), nullable=True))
    with op.batch_alter_table('latency_hourly', schema=None) as batch_op:
        batch_op.add_column(sa.Column('host_samples', sa.Integer(), nullable=True))
        for name in HOST_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table('latency_hourly', schema=None) as batch_op:
        for name in reversed(HOST_COLUMNS):
            batch_op.drop_column(name)
        batch_op.drop_column('host_samples')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_column('frozen_document')
    with op.batch_alter_table('outages', schema=None) as batch_op:
        batch_op.drop_column('handling')
