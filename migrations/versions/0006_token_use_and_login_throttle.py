"""tokens' last use and networks; failed logins per account and address

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 07:40:00.000000

``api_tokens`` gains when and from where each token was last used (recorded at most
once a minute) and the CIDR networks it may be used from. ``login_throttle`` counts
failed logins under keyed HMACs of the e-mail address or client address, never the
address itself.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import reporting.db

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_tokens') as batch:
        batch.add_column(sa.Column('last_used_at', reporting.db.UTCDateTime(timezone=True),
                                   nullable=True))
        batch.add_column(sa.Column('last_used_ip', sa.String(length=45), nullable=True))
        batch.add_column(sa.Column('allowed_networks', sa.String(length=2000), nullable=True))
    op.create_table(
        'login_throttle',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('window_started_at', reporting.db.UTCDateTime(timezone=True),
                  nullable=False),
        sa.Column('locked_until', reporting.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle')),
    )


def downgrade() -> None:
    op.drop_table('login_throttle')
    with op.batch_alter_table('api_tokens') as batch:
        batch.drop_column('allowed_networks')
        batch.drop_column('last_used_ip')
        batch.drop_column('last_used_at')
