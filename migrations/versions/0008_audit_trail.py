"""audit trail: hash-chained entries and the head that serialises appends

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 07:40:00.000000

Issue 14 item 7. ``audit_entries`` is append-only and hash-chained (reporting.audit.chain);
``audit_head`` holds one row, the newest entry's seq and hash, which every append locks.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import reporting.db

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

Seq = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('audit_entries',
    sa.Column('seq', Seq, autoincrement=False, nullable=False),
    sa.Column('at', reporting.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.String(length=36), nullable=True),
    sa.Column('actor_label', sa.String(length=200), nullable=True),
    sa.Column('actor_state', sa.String(length=3), nullable=True),
    sa.Column('role', sa.String(length=32), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=True),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('object_state', sa.String(length=3), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('request_id', sa.String(length=128), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_entries'))
    )
    op.create_index('ix_audit_entries_actor_state_seq', 'audit_entries',
                    ['actor_state', 'seq'], unique=False)
    op.create_index('ix_audit_entries_object_state_seq', 'audit_entries',
                    ['object_state', 'seq'], unique=False)
    op.create_index('ix_audit_entries_object_id', 'audit_entries', ['object_id'],
                    unique=False)
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', Seq, nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.bulk_insert(sa.table('audit_head', sa.column('id', sa.Integer()),
                            sa.column('seq', sa.Integer()),
                            sa.column('entry_hash', sa.String())),
                   [{'id': 1, 'seq': 0, 'entry_hash': '0' * 64}])


def downgrade() -> None:
    op.drop_table('audit_head')
    op.drop_index('ix_audit_entries_object_id', table_name='audit_entries')
    op.drop_index('ix_audit_entries_object_state_seq', table_name='audit_entries')
    op.drop_index('ix_audit_entries_actor_state_seq', table_name='audit_entries')
    op.drop_table('audit_entries')
