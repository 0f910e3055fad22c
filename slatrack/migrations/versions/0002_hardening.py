"""hardening: session versions, forced first password change, login throttles, the audit hash chain

Revision ID: 0002_hardening
Revises: 0001
Create Date: 2026-12-03 03:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_hardening'
down_revision = '0001'
branch_labels = None
depends_on = None


# The append-only triggers of 0001, dropped while existing records are sealed into the chain.
DROP_TRIGGERS = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_records_no_update",
        "DROP TRIGGER IF EXISTS audit_records_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_records_no_change ON audit_records",
        "DROP TRIGGER IF EXISTS audit_records_no_truncate ON audit_records",
    ],
}
CREATE_TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records "
        "BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END",
        "CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records "
        "BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END",
    ],
    "postgresql": [
        "CREATE TRIGGER audit_records_no_change BEFORE UPDATE OR DELETE ON audit_records "
        "FOR EACH ROW EXECUTE FUNCTION audit_records_append_only()",
        "CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only()",
    ],
}


def _seal_existing() -> tuple[str, int]:
    """Chain the records written before this revision, in id order."""
    from slatrack.audit_chain import record_hash
    from slatrack.models.base import UTCDateTime

    bind = op.get_bind()
    records = sa.table(
        'audit_records',
        sa.column('id', sa.Integer()), sa.column('at', UTCDateTime()), sa.column('actor', sa.String()),
        sa.column('action', sa.String()), sa.column('object_type', sa.String()), sa.column('object_id', sa.String()),
        sa.column('before', sa.JSON()), sa.column('after', sa.JSON()), sa.column('outcome', sa.String()),
        sa.column('remote_addr', sa.String()), sa.column('detail', sa.String()),
        sa.column('prev_hash', sa.String()), sa.column('row_hash', sa.String()),
    )
    previous = ""
    count = 0
    for row in bind.execute(sa.select(records).order_by(records.c.id)).mappings().all():
        digest = record_hash(previous, row)
        bind.execute(records.update().where(records.c.id == row["id"]).values(prev_hash=previous, row_hash=digest))
        previous = digest
        count += 1
    return previous, count


def upgrade():
    dialect = op.get_bind().dialect.name
    op.create_table('login_throttles',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttles'))
    )
    head = op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))

    for statement in DROP_TRIGGERS.get(dialect, []):
        op.execute(statement)
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('row_hash', sa.String(length=64), server_default='', nullable=False))
    last_hash, count = _seal_existing()
    op.bulk_insert(head, [{'id': 1, 'last_hash': last_hash, 'records': count}])
    for statement in CREATE_TRIGGERS.get(dialect, []):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in DROP_TRIGGERS.get(dialect, []):
        op.execute(statement)
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')
    for statement in CREATE_TRIGGERS.get(dialect, []):
        op.execute(statement)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('session_version')
    op.drop_table('audit_chain_head')
    op.drop_table('login_throttles')
