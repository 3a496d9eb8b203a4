"""summaries: the signed summary of every region × period × audience cell, and publications

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 08:00:00.000000

Two new tables, nothing existing changes. Both hold derived data (the workers fill
``summaries`` from the reports; a full rebuild recreates it), so the upgrade backfills
nothing and the downgrade simply drops them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import reporting.db

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'summaries',
        sa.Column('region', sa.String(length=64), nullable=False),
        sa.Column('period', sa.String(length=8), nullable=False),
        sa.Column('audience', sa.String(length=16), nullable=False),
        sa.Column('document', sa.Text(), nullable=False),
        sa.Column('content_sha256', sa.String(length=64), nullable=False),
        sa.Column('tree_size', sa.BigInteger(), nullable=False),
        sa.Column('root_hash', sa.String(length=64), nullable=False),
        sa.Column('computed_at', reporting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('k', sa.Integer(), nullable=False),
        sa.Column('rules_version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('region', 'period', 'audience', name=op.f('pk_summaries')),
    )
    op.create_index('ix_summaries_period', 'summaries', ['period'], unique=False)
    op.create_table(
        'summary_publications',
        sa.Column('region', sa.String(length=64), nullable=False),
        sa.Column('period', sa.String(length=8), nullable=False),
        sa.Column('audience', sa.String(length=16), nullable=False),
        sa.Column('published_at', reporting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('document', sa.Text(), nullable=False),
        sa.Column('content_sha256', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('region', 'period', 'audience',
                                name=op.f('pk_summary_publications')),
    )


def downgrade() -> None:
    op.drop_table('summary_publications')
    op.drop_index('ix_summaries_period', table_name='summaries')
    op.drop_table('summaries')
