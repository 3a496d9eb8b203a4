"""outbox delivery and the workers' execution log: outbox.done_at, task_runs, task_claims

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 08:00:00.000000

``outbox.done_at`` is set by the worker in the work's own transaction; the sweep now
looks for rows not done (rather than not dispatched), so its partial index changes
condition. Rows already dispatched before this revision are taken as done: they were
sent to workers that had no delivery yet, and the nightly rebuild covers what they
stood for.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import reporting.db

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

SequenceId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.drop_index('ix_outbox_undispatched', table_name='outbox')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('done_at', reporting.db.UTCDateTime(timezone=True),
                                      nullable=True))
    op.execute("UPDATE outbox SET done_at = dispatched_at WHERE dispatched_at IS NOT NULL")
    op.create_index('ix_outbox_pending', 'outbox', ['id'], unique=False,
                    postgresql_where=sa.text('done_at IS NULL'),
                    sqlite_where=sa.text('done_at IS NULL'))

    op.create_table('task_runs',
    sa.Column('id', SequenceId, autoincrement=True, nullable=False),
    sa.Column('task', sa.String(length=64), nullable=False),
    sa.Column('args', sa.String(length=200), nullable=False),
    sa.Column('message_id', sa.String(length=64), nullable=True),
    sa.Column('started_at', reporting.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', reporting.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('deadline', reporting.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('cells', sa.Integer(), nullable=True),
    sa.Column('differences', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_runs'))
    )
    op.create_index('ix_task_runs_task_id', 'task_runs', ['task', 'id'], unique=False)
    op.create_index('ix_task_runs_running', 'task_runs', ['deadline'], unique=False,
                    postgresql_where=sa.text("state = 'running'"),
                    sqlite_where=sa.text("state = 'running'"))
    op.create_table('task_claims',
    sa.Column('task', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('run_id', sa.BigInteger(), nullable=True),
    sa.Column('claimed_at', reporting.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('task', 'subject', name=op.f('pk_task_claims'))
    )


def downgrade() -> None:
    op.drop_table('task_claims')
    op.drop_index('ix_task_runs_running', table_name='task_runs')
    op.drop_index('ix_task_runs_task_id', table_name='task_runs')
    op.drop_table('task_runs')
    op.drop_index('ix_outbox_pending', table_name='outbox')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('done_at')
    op.create_index('ix_outbox_undispatched', 'outbox', ['id'], unique=False,
                    postgresql_where=sa.text('dispatched_at IS NULL'),
                    sqlite_where=sa.text('dispatched_at IS NULL'))
