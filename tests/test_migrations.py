"""The Alembic migrations are the schema: one head, and nothing the models lack or add."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from reporting import migration
from reporting.db import Base, get_database


def test_migrations_have_a_single_head():
    assert len(migration.heads()) == 1


def test_migrated_database_matches_the_models(app, database_url):
    engine = get_database(app).engine
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_database_is_at_head(app):
    engine = get_database(app).engine
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    assert set(current) == set(migration.heads())
