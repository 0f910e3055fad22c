"""reference data managed by the admin: the project paying for a contract, and indicator revisions after submission

Revision ID: 0004_managed_reference
Revises: 0004_compact_latency
Create Date: 2026-12-03 06:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_managed_reference'
down_revision = '0004_compact_latency'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contract_projects',
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_projects_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_contract_projects_project_id_projects')),
    sa.PrimaryKeyConstraint('contract_id', name=op.f('pk_contract_projects'))
    )

    op.create_table('indicator_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=False),
    sa.Column('new_value', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_indicator_revisions_created_by_id_users')),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_indicator_revisions_indicator_id_indicators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_revisions'))
    )


def downgrade():
    op.drop_table('indicator_revisions')
    op.drop_table('contract_projects')
