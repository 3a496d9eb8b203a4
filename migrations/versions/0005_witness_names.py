"""witness names: a name belongs to one member state, as a database constraint

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 18:00:00.000000

Until now only the service checked that a witness name was not another state's, so two
concurrent registrations could both win. ``witnesses`` holds each name once, with its
state; a key's (witness_name, state) must be such a row. An existing database where one
name already stands for two states is refused with the names and states, to be settled
by the operator (revoke and re-register one state's keys under another name) first.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import reporting.db

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    shared = connection.execute(sa.text(
        "SELECT witness_name, MIN(state_iso3), MAX(state_iso3) FROM state_keys "
        "WHERE witness_name IS NOT NULL GROUP BY witness_name "
        "HAVING COUNT(DISTINCT state_iso3) > 1 ORDER BY witness_name")).all()
    if shared:
        listed = "; ".join(f"{name!r} by {first} and {last}" for name, first, last in shared)
        raise RuntimeError(
            f"witness names registered by more than one member state: {listed}. A name "
            "must stand for one state: give one state's keys another witness name (delete "
            "or rename them in state_keys), then run the upgrade again")
    op.create_table(
        'witnesses',
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('state_iso3', sa.String(length=3), nullable=False),
        sa.Column('created_at', reporting.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['state_iso3'], ['member_states.iso3'],
                                name=op.f('fk_witnesses_state_iso3_member_states')),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_witnesses')),
        sa.UniqueConstraint('name', 'state_iso3', name='uq_witnesses_name_state'),
    )
    op.execute("INSERT INTO witnesses (name, state_iso3, created_at) "
               "SELECT witness_name, state_iso3, MIN(created_at) FROM state_keys "
               "WHERE witness_name IS NOT NULL GROUP BY witness_name, state_iso3")
    with op.batch_alter_table('state_keys') as batch:
        batch.create_foreign_key('fk_state_keys_witness_state', 'witnesses',
                                 ['witness_name', 'state_iso3'], ['name', 'state_iso3'])


def downgrade() -> None:
    with op.batch_alter_table('state_keys') as batch:
        batch.drop_constraint('fk_state_keys_witness_state', type_='foreignkey')
    op.drop_table('witnesses')
