"""which remote agent (probe token) sent results for which target, and when

Revision ID: 0004_agent_contacts
Revises: 0003_late_entries
Create Date: 2026-12-03 06:30:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0004_agent_contacts'
down_revision = '0003_late_entries'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agent_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('batches', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], name=op.f('fk_agent_contacts_target_id_targets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id'], name=op.f('fk_agent_contacts_token_id_api_tokens'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_contacts')),
    sa.UniqueConstraint('token_id', 'target_id', name=op.f('uq_agent_contacts_token_id'))
    )


def downgrade():
    op.drop_table('agent_contacts')
