"""Migration 0003 keeps every report and receipt and backfills what summaries need.

Each test builds its own database at revision 0002 (SQLite file and PostgreSQL), writes
reports the way a 0002 build stored them, upgrades and checks the backfill, then
downgrades again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine

from reporting import migration
from reporting.db import UTCDateTime, make_engine
from reporting.ledger.canonical import canonical_bytes, sha256_hex
from reporting.reports.facts import fact_rows, figures_row
from reporting.reports.models import VersionFact, VersionFigures
from reporting.reports.schemas import REPORT_SCHEMA, normalise
from tests.conftest import recreate_postgres_database
from tests.factories import DELETE, report

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)

# Tables as revision 0002 has them, with types so both drivers get what they expect.
countries = sa.table("countries", sa.column("iso3"), sa.column("iso2"), sa.column("m49"),
                     sa.column("name"))
member_states = sa.table("member_states", sa.column("iso3"), sa.column("default_sharing"),
                         sa.column("joined_at", UTCDateTime()))
log_leaves = sa.table("log_leaves", sa.column("index"), sa.column("entry", sa.LargeBinary()),
                      sa.column("leaf_hash", sa.LargeBinary()),
                      sa.column("created_at", UTCDateTime()))
reports = sa.table("reports", sa.column("id"), sa.column("state_iso3"),
                   sa.column("current_version"), sa.column("status"), sa.column("sharing"),
                   sa.column("created_at", UTCDateTime()), sa.column("updated_at", UTCDateTime()),
                   sa.column("incident_date", sa.Date()), sa.column("incident_country"),
                   sa.column("transport_mode"), sa.column("origin_countries"),
                   sa.column("intended_destination"))
versions = sa.table("report_versions", sa.column("report_id"), sa.column("version"),
                    sa.column("body"), sa.column("content_sha256"),
                    sa.column("received_at", UTCDateTime()), sa.column("submitted_by"),
                    sa.column("log_index"))


@pytest.fixture(params=["sqlite", "postgresql"])
def url_at_0002(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'at-0002.db'}"
    else:
        url = os.environ.get(
            "VRS_TEST_POSTGRES_MIGRATION_URL",
            f"postgresql+psycopg://postgres@127.0.0.1:5432/openvrs_test_{os.getpid()}_0003")
        recreate_postgres_database(url)
    migration.upgrade(url, "0002")
    yield url
    if request.param == "postgresql":
        recreate_postgres_database(url, create=False)


def canonical(body: dict[str, Any]) -> str:
    return canonical_bytes(normalise(REPORT_SCHEMA.load(body))).decode("utf-8")


# (report id, status at 0002, sharing, [body of each version])
REPORTS = (
    ("a0000000-0000-4000-8000-000000000001", "approved", "region", [
        report(sharing="region"),
        report(sharing="region", documents=[
            {"document_type": "passport", "fraud_type": "counterfeit",
             "issuing_country": "MYS", "count": 2},
            {"document_type": "passport", "fraud_type": "counterfeit",
             "issuing_country": "SGP", "count": 1}],
            **{"route.intended_destination": None}),
    ]),
    ("b0000000-0000-4000-8000-000000000002", "withdrawn", "national", [
        report(**{"smuggled_migrants.fee_per_person": DELETE}),
    ]),
    ("c0000000-0000-4000-8000-000000000003", "returned", "all_members", [
        report(sharing="all_members", **{"incident.date": "2024-07-01",
                                          "incident.date_precision": "quarter"}),
    ]),
    ("d0000000-0000-4000-8000-000000000004", "submitted", "national", [
        report(), report(**{"smuggled_migrants.fee_per_person.amount": 5000}),
    ]),
)


def write_reports_as_0002_did(engine: Engine) -> None:
    index = 0
    with engine.begin() as conn:
        conn.execute(countries.insert(), [{"iso3": "IDN", "iso2": "ID", "m49": "360",
                                           "name": "Indonesia"}])
        conn.execute(member_states.insert(), [{"iso3": "IDN", "default_sharing": "national",
                                               "joined_at": NOW}])
        for report_id, status, sharing, bodies in REPORTS:
            last = bodies[-1]
            conn.execute(reports.insert(), [{
                "id": report_id, "state_iso3": "IDN", "current_version": len(bodies),
                "status": status, "sharing": sharing, "created_at": NOW, "updated_at": NOW,
                "incident_date": datetime.fromisoformat(last["incident"]["date"]).date(),
                "incident_country": "IDN", "transport_mode": "sea",
                "origin_countries": "," + ",".join(last["route"]["origin_countries"]) + ",",
                "intended_destination": last["route"]["intended_destination"]}])
            for number, body in enumerate(bodies, start=1):
                text = canonical(body)
                receipt = json.dumps({"report_id": report_id, "version": number}).encode()
                conn.execute(log_leaves.insert(), [{
                    "index": index, "entry": receipt, "leaf_hash": bytes(32),
                    "created_at": NOW}])
                conn.execute(versions.insert(), [{
                    "report_id": report_id, "version": number, "body": text,
                    "content_sha256": sha256_hex(text.encode()), "received_at": NOW,
                    "submitted_by": "token-1", "log_index": index}])
                index += 1


ORDER = {"reports": "id", "report_versions": "report_id, version", "log_leaves": "index",
         "version_figures": "report_id, version"}


def stored_rows(engine: Engine, table: str) -> list[dict[str, Any]]:
    # An UPDATE moves rows on PostgreSQL: compare in a fixed order.
    order = ", ".join(f'"{column.strip()}"' for column in ORDER[table].split(","))
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(
            sa.text(f"SELECT * FROM {table} ORDER BY {order}"))]  # noqa: S608 - fixed names


@pytest.fixture
def engine_at_0002(url_at_0002: str) -> Iterator[Engine]:
    engine = make_engine(url_at_0002)
    write_reports_as_0002_did(engine)
    yield engine
    engine.dispose()


def upgrade_to_head(engine: Engine) -> None:
    migration.upgrade(engine.url.render_as_string(hide_password=False))


def test_upgrade_keeps_every_report_version_and_receipt(engine_at_0002):
    before = {table: stored_rows(engine_at_0002, table)
              for table in ("reports", "report_versions", "log_leaves")}
    upgrade_to_head(engine_at_0002)
    after_reports = stored_rows(engine_at_0002, "reports")
    after_versions = stored_rows(engine_at_0002, "report_versions")
    assert [{k: v for k, v in row.items() if k != "approved_version"}
            for row in after_reports] == before["reports"]
    assert [{k: v for k, v in row.items() if k != "status"}
            for row in after_versions] == before["report_versions"]
    assert stored_rows(engine_at_0002, "log_leaves") == before["log_leaves"]


def test_upgrade_gives_each_version_its_review_status(engine_at_0002):
    upgrade_to_head(engine_at_0002)
    with engine_at_0002.connect() as conn:
        statuses = dict(conn.execute(sa.text(
            "SELECT substr(report_id, 1, 1) || CAST(version AS VARCHAR(4)), status "
            "FROM report_versions")).all())
    # A withdrawal is of the report: its version was submitted and stays so.
    assert statuses == {"a1": "submitted", "a2": "approved", "b1": "submitted",
                        "c1": "returned", "d1": "submitted", "d2": "submitted"}


def test_upgrade_sets_the_approved_version_of_approved_reports_only(engine_at_0002):
    upgrade_to_head(engine_at_0002)
    with engine_at_0002.connect() as conn:
        approved = dict(conn.execute(sa.text(
            "SELECT substr(id, 1, 1), approved_version FROM reports")).all())
    assert approved == {"a": 2, "b": None, "c": None, "d": None}


def test_upgrade_backfills_figures_and_facts_of_approved_versions_only(engine_at_0002):
    # Only an approved version can count in a summary; the others get their rows if and
    # when they are approved.
    upgrade_to_head(engine_at_0002)
    expected_figures, expected_facts = [], []
    for report_id, status, sharing, bodies in REPORTS:
        for number, body in enumerate(bodies, start=1):
            stored = json.loads(canonical(body))
            assert stored["sharing"] == sharing
            if status == "approved" and number == len(bodies):
                expected_figures.append(figures_row(report_id, number, "IDN",
                                                    stored["sharing"], stored))
                expected_facts.extend(fact_rows(report_id, number, stored))
    with engine_at_0002.connect() as conn:
        figures = [dict(row._mapping) for row in conn.execute(
            sa.select(VersionFigures.__table__).order_by(VersionFigures.report_id,
                                                         VersionFigures.version))]
        facts = [dict(row._mapping) for row in conn.execute(sa.select(VersionFact.__table__))]

    def key(row: dict[str, Any]) -> tuple:
        return row["report_id"], row["version"], row.get("dimension", ""), row.get("code", "")

    assert [(f["report_id"][0], f["version"]) for f in figures] == [("a", 2)]
    assert figures == sorted(expected_figures, key=key)
    assert sorted(facts, key=key) == sorted(expected_facts, key=key)
    # Spot checks written out, so the test does not only compare the code with itself.
    a2 = {(f["dimension"], f["code"]): f["count"] for f in facts}
    assert a2["document", "passport/counterfeit"] == 3
    assert a2["route", "AFG>?"] == 1
    assert ("destination", "AUS") not in a2
    assert figures[0]["fee_amount"] == 4500.0


def test_downgrade_to_0002_leaves_the_reports_as_they_were(engine_at_0002, url_at_0002):
    before = {table: stored_rows(engine_at_0002, table)
              for table in ("reports", "report_versions", "log_leaves")}
    upgrade_to_head(engine_at_0002)
    command.downgrade(migration.alembic_config(url_at_0002), "0002")
    engine_at_0002.dispose()  # forget cached table shapes and pooled connections
    tables = set(sa.inspect(engine_at_0002).get_table_names())
    assert not tables & {"version_figures", "version_facts", "outbox"}
    for table, rows in before.items():
        assert stored_rows(engine_at_0002, table) == rows
    # And up again: the backfill runs on a database that was downgraded.
    upgrade_to_head(engine_at_0002)
    assert len(stored_rows(engine_at_0002, "version_figures")) == 1
