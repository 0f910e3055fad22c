"""late entries (补记) awaiting the bureau's decision; a unit's suggested priority awaiting the vendor

Revision ID: 0003_late_entries
Revises: 0003_import_mappings
Create Date: 2026-12-03 04:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_late_entries'
down_revision = '0003_import_mappings'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('late_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('outage_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('stated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('event', 'report', 'outage_end')", name=op.f('ck_late_entries_kind_known')),
    sa.CheckConstraint("status IN ('pending', 'confirmed', 'rejected', 'bureau')", name=op.f('ck_late_entries_status_known')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_late_entries_decided_by_id_users')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_late_entries_entered_by_id_users')),
    sa.ForeignKeyConstraint(['event_id'], ['ticket_events.id'], name=op.f('fk_late_entries_event_id_ticket_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outage_id'], ['outages.id'], name=op.f('fk_late_entries_outage_id_outages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_late_entries_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_late_entries')),
    sa.UniqueConstraint('event_id', name=op.f('uq_late_entries_event_id'))
    )
    with op.batch_alter_table('late_entries', schema=None) as batch_op:
        batch_op.create_index('ix_late_entries_status', ['status'], unique=False)
        batch_op.create_index('ix_late_entries_ticket', ['ticket_id'], unique=False)
        batch_op.create_index('ix_late_entries_outage', ['outage_id'], unique=False)

    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reverses_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.Text(), server_default='', nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_payments_reverses_id'), ['reverses_id'])
        batch_op.create_foreign_key(batch_op.f('fk_payments_reverses_id_payments'), 'payments', ['reverses_id'], ['id'])
        batch_op.drop_constraint(batch_op.f('ck_payments_amount_positive'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_payments_amount_signed'), '(reverses_id IS NULL AND amount > 0) OR (reverses_id IS NOT NULL AND amount < 0)'
        )

    with op.batch_alter_table('maintenance_windows', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rejected_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('rejected_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decision_reason', sa.Text(), server_default='', nullable=False))
        batch_op.create_foreign_key(
            batch_op.f('fk_maintenance_windows_rejected_by_id_users'), 'users', ['rejected_by_id'], ['id']
        )

    with op.batch_alter_table('exclusions', schema=None) as batch_op:
        batch_op.alter_column('end', existing_type=sa.DateTime(timezone=True), nullable=True)

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suggested_priority', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('priority_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('priority_confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('priority_reason', sa.Text(), server_default='', nullable=False))
        batch_op.create_foreign_key(
            batch_op.f('fk_tickets_priority_confirmed_by_id_users'), 'users', ['priority_confirmed_by_id'], ['id']
        )


def downgrade():
    # An exclusion up to "still going" gets its outage's end, or the moment of the downgrade.
    op.execute(
        'UPDATE exclusions SET "end" = COALESCE((SELECT o."end" FROM outages o WHERE o.id = exclusions.outage_id), '
        'CURRENT_TIMESTAMP) WHERE "end" IS NULL'
    )
    with op.batch_alter_table('exclusions', schema=None) as batch_op:
        batch_op.alter_column('end', existing_type=sa.DateTime(timezone=True), nullable=False)

    with op.batch_alter_table('maintenance_windows', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_maintenance_windows_rejected_by_id_users'), type_='foreignkey')
        batch_op.drop_column('decision_reason')
        batch_op.drop_column('rejected_by_id')
        batch_op.drop_column('rejected_at')

    op.execute("DELETE FROM payments WHERE reverses_id IS NOT NULL")
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_payments_amount_signed'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_payments_amount_positive'), 'amount > 0')
        batch_op.drop_constraint(batch_op.f('fk_payments_reverses_id_payments'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_payments_reverses_id'), type_='unique')
        batch_op.drop_column('reason')
        batch_op.drop_column('reverses_id')

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tickets_priority_confirmed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('priority_reason')
        batch_op.drop_column('priority_confirmed_by_id')
        batch_op.drop_column('priority_confirmed_at')
        batch_op.drop_column('suggested_priority')

    with op.batch_alter_table('late_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_late_entries_outage')
        batch_op.drop_index('ix_late_entries_ticket')
        batch_op.drop_index('ix_late_entries_status')
    op.drop_table('late_entries')
