"""summary groups: stored tallies per reporting state × exact incident period × sharing

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 02:00:00.000000

Two new tables of derived data, nothing existing changes. The upgrade backfills nothing:
a state's year whose groups are not marked complete (``summary_group_years``) is computed
from the report tables the first time a refresh needs it, and the nightly rebuild fills
everything. The downgrade drops them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'summary_groups',
        sa.Column('state_iso3', sa.String(length=3), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.Integer(), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('sharing', sa.String(length=16), nullable=False),
        sa.Column('tallies', sa.Text(), nullable=False),
        sa.Column('newest_receipt', sa.BigInteger(), nullable=False),
        sa.Column('tree_size', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('state_iso3', 'year', 'quarter', 'month', 'sharing',
                                name=op.f('pk_summary_groups')),
    )
    op.create_table(
        'summary_group_years',
        sa.Column('state_iso3', sa.String(length=3), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('format', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('state_iso3', 'year', name=op.f('pk_summary_group_years')),
    )


def downgrade() -> None:
    op.drop_table('summary_group_years')
    op.drop_table('summary_groups')
