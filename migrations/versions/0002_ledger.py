"""ledger: signed receipts, the Merkle log, tree heads, state keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 02:57:18.466818
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import reporting.db

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every stored version must have a signed receipt in the log, and receipts cannot be
    # made up after the fact for versions accepted before the log existed.
    existing = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM report_versions")).scalar()
    if existing:
        raise RuntimeError(
            f"{existing} report versions predate the signed log and have no receipts; "
            "start from a new database (this upgrade cannot sign them retroactively)")
    op.create_table('cosignatures',
    sa.Column('tree_size', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('witness', sa.String(length=200), nullable=False),
    sa.Column('line', sa.Text(), nullable=False),
    sa.Column('created_at', reporting.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tree_size', 'witness', name=op.f('pk_cosignatures'))
    )
    op.create_table('log_leaves',
    sa.Column('index', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('entry', sa.LargeBinary(), nullable=False),
    sa.Column('leaf_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('created_at', reporting.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('index', name=op.f('pk_log_leaves'))
    )
    op.create_table('log_nodes',
    sa.Column('level', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('index', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('level', 'index', name=op.f('pk_log_nodes'))
    )
    op.create_table('log_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tree_size', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('active_kid', sa.String(length=16), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_log_state'))
    )
    op.bulk_insert(sa.table('log_state', sa.column('id', sa.Integer()),
                            sa.column('tree_size', sa.Integer())), [{'id': 1, 'tree_size': 0}])
    op.create_table('signing_keys',
    sa.Column('kid', sa.String(length=16), nullable=False),
    sa.Column('public_key', sa.LargeBinary(length=32), nullable=False),
    sa.Column('created_at', reporting.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('kid', name=op.f('pk_signing_keys'))
    )
    op.create_table('tree_heads',
    sa.Column('tree_size', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('root_hash', sa.String(length=64), nullable=False),
    sa.Column('document', sa.LargeBinary(), nullable=False),
    sa.Column('checkpoint', sa.Text(), nullable=False),
    sa.Column('created_at', reporting.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tree_size', name=op.f('pk_tree_heads'))
    )
    op.create_table('state_keys',
    sa.Column('kid', sa.String(length=16), nullable=False),
    sa.Column('state_iso3', sa.String(length=3), nullable=False),
    sa.Column('public_key', sa.LargeBinary(length=32), nullable=False),
    sa.Column('witness_name', sa.String(length=200), nullable=True),
    sa.Column('created_at', reporting.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', reporting.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['state_iso3'], ['member_states.iso3'], name=op.f('fk_state_keys_state_iso3_member_states')),
    sa.PrimaryKeyConstraint('kid', name=op.f('pk_state_keys')),
    sa.UniqueConstraint('public_key', name=op.f('uq_state_keys_public_key'))
    )
    with op.batch_alter_table('state_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_state_keys_state_iso3'), ['state_iso3'], unique=False)

    with op.batch_alter_table('report_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('log_index', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_report_events_log_index'), ['log_index'])
        batch_op.create_foreign_key(batch_op.f('fk_report_events_log_index_log_leaves'), 'log_leaves', ['log_index'], ['index'])

    with op.batch_alter_table('report_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('log_index', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False))
        batch_op.add_column(sa.Column('state_key_id', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('state_signature', sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_report_versions_log_index'), ['log_index'])
        batch_op.create_foreign_key(batch_op.f('fk_report_versions_log_index_log_leaves'), 'log_leaves', ['log_index'], ['index'])



def downgrade() -> None:
    with op.batch_alter_table('report_versions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_report_versions_log_index_log_leaves'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_report_versions_log_index'), type_='unique')
        batch_op.drop_column('state_signature')
        batch_op.drop_column('state_key_id')
        batch_op.drop_column('log_index')

    with op.batch_alter_table('report_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_report_events_log_index_log_leaves'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_report_events_log_index'), type_='unique')
        batch_op.drop_column('log_index')

    with op.batch_alter_table('state_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_state_keys_state_iso3'))

    op.drop_table('state_keys')
    op.drop_table('tree_heads')
    op.drop_table('signing_keys')
    op.drop_table('log_state')
    op.drop_table('log_nodes')
    op.drop_table('log_leaves')
    op.drop_table('cosignatures')
