"""hashed idempotency keys: store SHA-256 of each Idempotency-Key, never the key

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 17:40:00.000000

A client's Idempotency-Key is its own text, and some clients put a case number or a name
in it; only its hash is needed to recognise a retry. Existing keys are hashed in place.
The downgrade cannot restore the keys: it empties the table, so a retry sent across the
downgrade is stored again instead of replayed (keys serve retries, minutes apart).
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    connection = op.get_bind()
    keys = sa.table('idempotency_keys', sa.column('state_iso3'), sa.column('key'))
    rows = connection.execute(sa.select(keys.c.state_iso3, keys.c.key)).all()
    for start in range(0, len(rows), BATCH):
        for state, key in rows[start:start + BATCH]:
            connection.execute(
                keys.update().where(keys.c.state_iso3 == state, keys.c.key == key)
                .values(key=hashlib.sha256(key.encode()).hexdigest()))


def downgrade() -> None:
    op.execute("DELETE FROM idempotency_keys")
