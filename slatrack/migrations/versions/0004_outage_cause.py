"""outages' handling (处理情况); the submitted quarterly report's document (issue 13)

Revision ID: 0004_outage_cause
Revises: 0004_holiday_calendars
Create Date: 2026-12-03 06:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_outage_cause'
down_revision = '0004_holiday_calendars'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handling', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('frozen_document', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_column('frozen_document')
    with op.batch_alter_table('outages', schema=None) as batch_op:
        batch_op.drop_column('handling')
