"""holiday calendars entered by the bureau: a year's days off and make-up working days (调休)

Revision ID: 0004_holiday_calendars
Revises: 0004_managed_reference
Create Date: 2026-12-03 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_holiday_calendars'
down_revision = '0004_managed_reference'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('holiday_calendars',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_holiday_calendars_updated_by_id_users')),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_holiday_calendars'))
    )
    op.create_table('holiday_calendar_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.CheckConstraint("kind IN ('holiday', 'workday')", name=op.f('ck_holiday_calendar_days_kind_known')),
    sa.ForeignKeyConstraint(['year'], ['holiday_calendars.year'], name=op.f('fk_holiday_calendar_days_year_holiday_calendars'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_holiday_calendar_days'))
    )
    with op.batch_alter_table('holiday_calendar_days', schema=None) as batch_op:
        batch_op.create_index('ix_holiday_calendar_days_year', ['year'], unique=False)


def downgrade():
    with op.batch_alter_table('holiday_calendar_days', schema=None) as batch_op:
        batch_op.drop_index('ix_holiday_calendar_days_year')

    op.drop_table('holiday_calendar_days')
    op.drop_table('holiday_calendars')
