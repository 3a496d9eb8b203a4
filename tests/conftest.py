"""Real-database fixtures: every database test runs on SQLite and on PostgreSQL.

The schema is built by the Alembic migrations (never ``create_all``), once per engine
and session; each test starts from reference data only, with no members, accounts or
reports.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, delete, select, text, update
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from reporting import create_app, migration
from reporting.accounts.models import ApiToken, LoginThrottle, User
from reporting.accounts.service import create_token
from reporting.audit.models import GENESIS, AuditEntry, AuditHead
from reporting.config import Settings
from reporting.db import Database, get_database
from reporting.directory.models import (
    MemberState,
    Region,
    RegionMembership,
    StateKey,
    Witness,
)
from reporting.directory.service import add_member_states, load_reference_data, seeded_groups
from reporting.ledger.keys import new_seed
from reporting.ledger.models import Cosignature, LogLeaf, LogNode, LogState, TreeHead
from reporting.operations.models import TaskClaim, TaskRun
from reporting.outbox import OutboxMessage
from reporting.reports.models import (
    IdempotencyKey,
    Report,
    ReportEvent,
    ReportVersion,
    VersionFact,
    VersionFigures,
)
from reporting.summaries.models import (
    Summary,
    SummaryGroup,
    SummaryGroupYear,
    SummaryPublication,
)
from reporting.wiring import make_ledger
from workers import init_celery

# The service signs with a key from the environment in tests: no key files, no passphrase.
os.environ["VRS_SIGNING_KEY"] = new_seed()

# One database per test run, so that two runs on one machine (a developer's and CI's)
# never drop each other's schema; it is dropped again when the run ends.
POSTGRES_URL = os.environ.get(
    "VRS_TEST_POSTGRES_URL",
    f"postgresql+psycopg://postgres@127.0.0.1:5432/openvrs_test_{os.getpid()}")

# Children before parents, so deleting in this order never trips a foreign key.
REPORT_AND_LOG_TABLES = (Summary, SummaryPublication, SummaryGroup, SummaryGroupYear,
                         OutboxMessage, VersionFact,
                         VersionFigures, IdempotencyKey, ReportEvent, ReportVersion, Report,
                         LogNode, LogLeaf, TreeHead, Cosignature,
                         TaskRun, TaskClaim)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked ``postgres`` runs on PostgreSQL only: its SQLite twin is deselected."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_sqlite = callspec is not None and callspec.params.get("database_url") == "sqlite"
        (drop if on_sqlite and item.get_closest_marker("postgres") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
DIRECTORY_AND_ACCOUNT_TABLES = (StateKey, Witness, ApiToken, User, MemberState, LoginThrottle)


def empty_reports_and_log(session) -> None:
    """No reports, an empty log and an empty audit trail; members, tokens and keys stay."""
    for model in REPORT_AND_LOG_TABLES:
        session.execute(delete(model))
    session.execute(update(LogState).values(tree_size=0))
    session.execute(delete(AuditEntry))
    session.execute(update(AuditHead).values(seq=0, entry_hash=GENESIS))


def recreate_postgres_database(url: str, *, create: bool = True) -> None:
    """Drop (and create) the test database, so every run starts from nothing.

    Fails (never skips) when PostgreSQL is unreachable: the PostgreSQL half of the suite
    is part of the contract.
    """
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            if create:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'openvrs.db'}"
    else:
        recreate_postgres_database(POSTGRES_URL)
        url = POSTGRES_URL
    migration.upgrade(url)
    database = Database(url)
    with database.session() as session:
        load_reference_data(session)
        activate_environment_key(session, url)
    database.dispose()
    yield url
    if request.param == "postgresql":
        recreate_postgres_database(url, create=False)


def activate_environment_key(session, url: str) -> str:
    ledger = make_ledger(Settings(database_url=url))
    key = ledger.keyring.environment_key()
    assert key is not None
    ledger.activate(session, key)
    return key.kid


# Every read of the log signs a head for the newest size, and limits are far above what
# any test sends (tests/ledger/test_tree_head_interval.py, tests/test_rate_limits.py and
# tests/accounts/test_login_throttle.py check them with their own settings). Reciprocity
# (on by default) is off: a reader's state need not have contributed for the sharing
# rules to be tested; tests/reports/test_reciprocity.py turns it on (app_with).
TEST_SETTINGS: dict[str, object] = {
    "tree_head_interval": 0, "reciprocity": False,
    "rate_limit_login": "100000/minute", "rate_limit_writes": "100000/minute",
    "login_backoff_after": 1000, "login_max_failures": 1000,
    "login_ip_backoff_after": 1000, "login_ip_max_failures": 1000,
}


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    settings = Settings(database_url=database_url,
                        data_dir=Path(tmp_path_factory.mktemp("data")),
                        max_body_bytes=65_536, **TEST_SETTINGS)
    application = create_app(settings)
    application.config["TESTING"] = True
    yield application
    get_database(application).dispose()


@pytest.fixture
def database(app: Flask) -> Iterator[Database]:
    database = get_database(app)
    yield database
    with database.session() as session:
        empty_reports_and_log(session)
        for model in DIRECTORY_AND_ACCOUNT_TABLES:
            session.execute(delete(model))
        reset_named_groups(session)
        # Signing with the environment key again (a test may have rotated).
        activate_environment_key(session, database.url)


def reset_named_groups(session) -> None:
    """Named groups as seeded: those the secretariat created go, seeded ones get back
    exactly their seeded members."""
    seeded = seeded_groups()
    groups = select(Region.code).where(Region.kind == "group")
    session.execute(delete(RegionMembership).where(RegionMembership.region_code.in_(groups)))
    session.execute(delete(Region).where(Region.kind == "group",
                                         Region.code.not_in(list(seeded))))
    session.add_all(RegionMembership(region_code=slug, country_iso3=iso3)
                    for slug, members in seeded.items() for iso3 in members)


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """``app`` on a real loopback port (werkzeug, threaded): its base URL."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join()


@pytest.fixture
def live_server(app: Flask, database: Database) -> Iterator[str]:
    """The test app on a real loopback port (werkzeug, threaded): its base URL."""
    with serving(app) as url:
        yield url


@pytest.fixture
def app_with(app: Flask, database_url: str, database: Database,
             tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build another app on the test database with some settings changed (a short
    interval, low limits); the ``database`` fixture empties the tables after the test.
    Celery's app is bound to the session's app again afterwards (create_app binds it
    to the newest)."""
    made: list[Flask] = []

    def make(**overrides: object) -> Flask:
        values = {"database_url": database_url, "data_dir": tmp_path / "data",
                  "max_body_bytes": 65_536, **TEST_SETTINGS, **overrides}
        application = create_app(Settings(**values))  # type: ignore[arg-type]
        application.config["TESTING"] = True
        made.append(application)
        return application

    yield make
    for application in made:
        get_database(application).dispose()
    init_celery(app)


@pytest.fixture
def client(app: Flask, database: Database) -> FlaskClient:
    return app.test_client()


TokenMaker = Callable[..., str]


@pytest.fixture
def make_token(database: Database) -> TokenMaker:
    """Make member states on demand and return a bearer secret for them."""

    def make(state: str | None = "IDN", role: str = "reporter", *,
             scopes: list[str] | None = None, expires_in: timedelta | None = None,
             default_sharing: str = "national",
             allowed_networks: list[str] | None = None) -> str:
        with database.session() as session:
            if state:
                add_member_states(session, [state], default_sharing)
            _, secret = create_token(session, role=role, state=state, scopes=scopes,
                                     expires_in=expires_in,
                                     allowed_networks=allowed_networks)
        return secret

    return make


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
