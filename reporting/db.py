"""Declarative base, engine and session handling.

The same code runs on SQLite (the embedded default) and PostgreSQL; the only
engine-specific code is the SQLite connection setup below.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import (
    BigInteger,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Table,
    create_engine,
    event,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Alembic autogenerate and hand-written migrations need stable constraint names.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
SequenceId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite has no timezone type and hands back naive datetimes; storing naive UTC and
    re-attaching UTC on the way out keeps comparisons and RFC 3339 output identical on
    SQLite and PostgreSQL.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


@dataclass(frozen=True)
class Timeouts:
    """Seconds: reaching the server or a pooled connection, a lock wait, one statement."""

    connect: int = 5
    lock: int = 15
    statement: int = 30


def _configure_sqlite(engine: Engine, timeouts: Timeouts) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # Foreign keys are off by default in SQLite; WAL lets readers and one writer
        # (several gunicorn workers) proceed without "database is locked" errors, and the
        # busy timeout makes a second writer wait instead of failing.
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={timeouts.lock * 1000}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # pysqlite starts transactions lazily, at the first write; a transaction that has
        # read and then writes after another worker committed fails at once with
        # "database is locked" (WAL snapshot conflict), and no busy timeout helps. Taking
        # the write lock at BEGIN makes concurrent writers queue instead (the SQLAlchemy
        # documentation's recipe for pysqlite transactions).
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, timeouts: Timeouts | None = None) -> Engine:
    timeouts = timeouts or Timeouts()
    # hide_parameters: SQL errors and logs show statements without their values, which
    # can be report text, token hashes or password hashes.
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": timeouts.lock},
                               hide_parameters=True)
        _configure_sqlite(engine, timeouts)
        return engine
    options = (f"-c lock_timeout={timeouts.lock * 1000} "
               f"-c statement_timeout={timeouts.statement * 1000}")
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5,
                         pool_timeout=timeouts.connect, hide_parameters=True,
                         connect_args={"connect_timeout": timeouts.connect,
                                       "options": options})


class Database:
    """The engine and session factory of one application."""

    def __init__(self, url: str, timeouts: Timeouts | None = None) -> None:
        self.url = url
        self.engine = make_engine(url, timeouts)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def init_app(app: Flask, database: Database) -> None:
    app.extensions["vrs_db"] = database

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("vrs_session", None)
        if session is not None:
            session.rollback()
            session.close()


def get_database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["vrs_db"]


def end_reads(session: Session) -> None:
    """End a transaction that has only read, on engines where reading holds the write lock.

    Call before the session writes for other requests too (the group commit). On SQLite
    every transaction takes the write lock at BEGIN (see ``_configure_sqlite``), so the
    reads must end first or they would hold every other writer back. On PostgreSQL reads
    take no lock writers wait for: the transaction goes on, which spares a COMMIT, a
    BEGIN and a second pooled-connection checkout (with its pre-ping) per submission.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.commit()


def request_session() -> Session:
    """The session of the current request; a write handler's unit of work commits it."""
    if "vrs_session" not in g:
        g.vrs_session = get_database().sessions()
    return g.vrs_session


def upsert(session: Session, table: Table, key_columns: list[str],
           rows: list[dict[str, Any]], *, unless_older: bool = False) -> None:
    """Insert ``rows`` (one executemany), or replace the stored row of the same key.

    ``unless_older``: not when the stored row was computed from a larger log (column
    ``tree_size``): for derived rows two workers may compute at once, the later log
    position must win whichever commits last. ON CONFLICT DO UPDATE … WHERE, which both
    engines have, written per dialect: SQLAlchemy's insert has no portable upsert."""
    if not rows:
        return
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = module.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=key_columns,
        set_={name: statement.excluded[name] for name in rows[0] if name not in key_columns},
        where=(statement.excluded.tree_size >= table.c.tree_size) if unless_older else None)
    session.connection().execute(statement, rows)
