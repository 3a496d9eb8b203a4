"""Migration 0010: member states get auto_approve and suspended_at, and reports.sharing
becomes "the level other states see now", narrowed where an amendment had widened it
before its approval."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from reporting import migration
from tests.test_summary_migration import (  # noqa: F401 - fixtures used by name
    engine_at_0002,
    stored_rows,
    url_at_0002,
)

APPROVED_REGION = "a0000000-0000-4000-8000-000000000001"  # approved at level region
RETURNED = "c0000000-0000-4000-8000-000000000003"  # never approved


def test_upgrade_narrows_a_widened_level_and_adds_the_state_settings(
        engine_at_0002, url_at_0002):  # noqa: F811 - the imported fixtures, by name
    migration.upgrade(url_at_0002, "0009")
    with engine_at_0002.begin() as conn:
        # As an amendment stored with a wider level made it before this migration.
        conn.execute(sa.text("UPDATE reports SET sharing = 'all_members' WHERE id = :id"),
                     {"id": APPROVED_REGION})
    before = {row["id"]: row["sharing"] for row in stored_rows(engine_at_0002, "reports")}
    migration.upgrade(url_at_0002, "0010")
    after = {row["id"]: row["sharing"] for row in stored_rows(engine_at_0002, "reports")}
    assert after == {**before, APPROVED_REGION: "region"}
    assert after[RETURNED] == "all_members"  # nobody else sees it: nothing to narrow
    with engine_at_0002.connect() as conn:
        state = conn.execute(sa.text(
            "SELECT auto_approve, suspended_at FROM member_states")).one()
    assert (bool(state.auto_approve), state.suspended_at) == (False, None)
    command.downgrade(migration.alembic_config(url_at_0002), "0009")
    with engine_at_0002.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("member_states")}
    assert {"auto_approve", "suspended_at"}.isdisjoint(columns)
