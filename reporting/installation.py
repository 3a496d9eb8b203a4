"""Setting up an installation's database: the schema and the reference data.

Used by ``vrs init``, ``vrs demo`` and the tests; safe to repeat.
"""

from __future__ import annotations

from reporting import migration
from reporting.config import Settings
from reporting.db import Database
from reporting.directory.service import ReferenceDataCounts, load_reference_data
from reporting.unit_of_work import UnitOfWork
from reporting.wiring import build_binding


def initialise(settings: Settings) -> ReferenceDataCounts:
    """Migrate to head and load reference data (countries, M49 regions, named groups)."""
    if settings.is_sqlite:
        settings.ensure_data_dir()
    migration.upgrade(settings.database_url)
    database = Database(settings.database_url, settings.timeouts)
    try:
        with UnitOfWork.begin(build_binding(settings, database)) as unit:
            return load_reference_data(unit.session)
    finally:
        database.dispose()
