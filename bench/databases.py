"""The throw-away PostgreSQL databases the benchmarks drop and re-create."""

from __future__ import annotations

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def check_database_url(url: str) -> str:
    """The URL as the service reads it (psycopg 3 driver), or SystemExit for one a
    benchmark must not drop: not PostgreSQL, not loopback, or not named for benchmarks."""
    from sqlalchemy.engine import make_url

    from reporting.config import Settings

    url = Settings(database_url=url).database_url
    target = make_url(url)
    if not target.drivername.startswith("postgresql"):
        raise SystemExit(f"--database-url must be PostgreSQL, got {target.drivername}")
    if target.host not in LOOPBACK_HOSTS:
        raise SystemExit(f"--database-url must point at 127.0.0.1, got host {target.host!r}")
    if not target.database or "bench" not in target.database:
        raise SystemExit("--database-url: the database is dropped and re-created, so its "
                         f"name must contain 'bench' (got {target.database!r})")
    return url


def _admin(url: str, *statements: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        admin.dispose()


def drop_database(url: str) -> None:
    from sqlalchemy.engine import make_url

    _admin(url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def recreate_database(url: str) -> None:
    """Drop and create the database so every run starts from the same state."""
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
