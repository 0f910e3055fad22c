"""data version: one counter per domain of records, moved on by every committed write (issue 18)

Revision ID: 0004_data_version
Revises: 0004_outage_cause
Create Date: 2026-12-03 06:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_data_version'
down_revision = '0004_outage_cause'
branch_labels = None
depends_on = None

DOMAINS = ('tickets', 'terms', 'evidence', 'records')


def upgrade():
    table = op.create_table('data_versions',
    sa.Column('domain', sa.String(length=16), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('domain', name=op.f('pk_data_versions'))
    )
    op.bulk_insert(table, [{'domain': domain, 'version': 1} for domain in DOMAINS])


def downgrade():
    op.drop_table('data_versions')
