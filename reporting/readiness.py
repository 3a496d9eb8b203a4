"""Is this installation ready to serve? The database, its schema, the signing key.

Used by ``GET /api/v1/ready`` and by ``vrs serve`` before it starts: a server that cannot
sign, or whose schema is older than its code, refuses to start (or says it is not
ready) instead of answering every request with a 503 whose cause only the log knows.
Messages name what is wrong and the command that fixes it; never a path or a secret.
"""

from __future__ import annotations

from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from reporting import migration
from reporting.db import Database
from reporting.ledger.keys import KeyUnavailable
from reporting.ledger.log import Ledger
from reporting.ledger.models import LogState


def problems(database: Database, ledger: Ledger) -> list[str]:
    """What stands between this installation and serving; empty when ready."""
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except DBAPIError:
        return ["the database cannot be reached; check that it runs and VRS_DATABASE_URL"]
    if not current:
        return ["the database has no OpenVRS schema yet: run `vrs init`"]
    if current != set(migration.heads()):
        return [f"the database schema is at {', '.join(sorted(current))}, not at "
                f"{', '.join(migration.heads())}: run `vrs init` to upgrade it"]
    with database.sessions() as session:
        state = session.get(LogState, 1)
        kid = state.active_kid if state is not None else None
    if kid is None:
        return ["no signing key is active: run `vrs keys generate`"]
    try:
        ledger.keyring.get(kid)
    except KeyUnavailable as exc:
        return [f"the signing key cannot be loaded: {exc}"]
    return []
