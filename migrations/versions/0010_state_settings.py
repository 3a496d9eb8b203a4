"""member states: auto-approval and suspension; reports.sharing is what others see

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 07:30:00.000000

``member_states.auto_approve``: the state's submissions and amendments are approved as
they arrive. ``member_states.suspended_at``: set while the secretariat has suspended the
state (its tokens and logins stop; its data and log entries stay).

``reports.sharing`` now means "the level other states see now": the level of the
approved version, lowered at once by a lowering. Until now an amendment copied its own
level there before anyone approved it. The backfill only narrows: where the approved
version was accepted with a lower level than the column holds, the column takes it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import reporting.db

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# From narrowest to widest (reporting.directory.models.SHARING_LEVELS, frozen here).
LEVELS = ("national", "region", "all_members")


def upgrade() -> None:
    # Plain ALTER TABLE, also on SQLite, not batch mode: a batch rebuild drops and
    # re-creates `member_states`, which many tables refer to (see 0003's downgrade).
    op.add_column('member_states', sa.Column('auto_approve', sa.Boolean(), nullable=False,
                                             server_default=sa.false()))
    op.add_column('member_states', sa.Column(
        'suspended_at', reporting.db.UTCDateTime(timezone=True), nullable=True))
    for position, level in enumerate(LEVELS[:-1]):
        wider = LEVELS[position + 1:]
        op.get_bind().execute(sa.text(
            "UPDATE reports SET sharing = :level WHERE sharing IN :wider AND EXISTS ("
            "SELECT 1 FROM version_figures f WHERE f.report_id = reports.id "
            "AND f.version = reports.approved_version AND f.sharing = :level)"
        ).bindparams(sa.bindparam("wider", expanding=True)),
            {"level": level, "wider": list(wider)})


def downgrade() -> None:
    op.drop_column('member_states', 'suspended_at')
    op.drop_column('member_states', 'auto_approve')
