"""The floor that ``bench/ingest.py`` compares the real submission path against.

One route, ``POST /baseline``: parse the JSON body, insert one row, commit, answer 201.
It runs on the same stack as the service (Flask, SQLAlchemy 2, psycopg 3, the same
database URL and the same engine settings) so that the ratio measures what the service
does per request on top of "receive JSON and store it", and nothing else.

Served by gunicorn as ``bench.baseline_app:create_baseline_app()``; the database comes
from ``VRS_DATABASE_URL`` like the service's own settings.
"""

from __future__ import annotations

import uuid

from flask import Flask, abort, request
from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, func, insert

from reporting.config import Settings
from reporting.db import make_engine

TABLE_NAME = "bench_baseline"

_metadata = MetaData()
baseline_table = Table(
    TABLE_NAME,
    _metadata,
    Column("id", String(36), primary_key=True),
    Column("body", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


def create_baseline_table(database_url: str) -> None:
    """Create the baseline's table; called once by the benchmark, never per request."""
    engine = make_engine(Settings(database_url=database_url).database_url)
    try:
        _metadata.create_all(engine)
    finally:
        engine.dispose()


def create_baseline_app(database_url: str | None = None) -> Flask:
    """A Flask app with the single ``POST /baseline`` route."""
    settings = Settings.from_env(**({"database_url": database_url} if database_url else {}))
    # reporting.db.make_engine, not a bare create_engine: the same pool size and
    # pre-ping round trip as the service, so the engine is not where the two differ.
    engine = make_engine(settings.database_url)
    statement = insert(baseline_table)

    app = Flask(__name__)

    @app.post("/baseline")
    def baseline() -> tuple[dict[str, str], int]:
        document = request.get_json(silent=True)
        if not isinstance(document, dict):
            abort(400)
        row_id = str(uuid.uuid4())
        # The raw text, as the service stores a body text per version.
        body = request.get_data(as_text=True)
        with engine.begin() as connection:
            connection.execute(statement, {"id": row_id, "body": body})
        return {"id": row_id}, 201

    return app
