"""The summaries' rule as one plain query (SPEC §4): only the newest approved, not
withdrawn version of a report counts, for the states of the region and the audience.

The query is the one written out in docs/data-model.md; this test keeps the two honest.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import and_, func, insert, select

from reporting.directory.models import RegionMembership
from reporting.directory.service import add_member_states
from reporting.ledger.models import LogLeaf
from reporting.reports.facts import fact_rows, figures_row
from reporting.reports.lifecycle import WITHDRAWN
from reporting.reports.models import Report, ReportVersion, VersionFact, VersionFigures
from tests.factories import report

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def counted_versions(region: str, year: int, audience_levels: tuple[str, ...]):
    """The versions a region × year summary for an audience counts (docs/data-model.md)."""
    region_states = select(RegionMembership.country_iso3).where(
        RegionMembership.region_code == region)
    return (
        select(VersionFigures)
        .join(Report, and_(Report.id == VersionFigures.report_id,
                           Report.approved_version == VersionFigures.version))
        .where(Report.status != WITHDRAWN,
               Report.sharing.in_(audience_levels),
               VersionFigures.state_iso3.in_(region_states),
               VersionFigures.incident_year == year)
    )


def store(session, report_id: str, state: str, *, status: str, approved: int | None,
          sharing: str = "region", versions: int = 1) -> None:
    """A report with ``versions`` versions (each with its figures and facts)."""
    body = report(sharing=sharing)
    session.add(Report(id=report_id, state_iso3=state, current_version=versions,
                       status=status, sharing=sharing, incident_date=NOW.date(),
                       incident_country=state, transport_mode="sea",
                       origin_countries=",AFG,IRN,", intended_destination="AUS",
                       approved_version=approved))
    session.flush()
    for number in range(1, versions + 1):
        index = session.scalar(select(func.coalesce(func.max(LogLeaf.index) + 1, 0)))
        session.add(LogLeaf(index=index, entry=b"{}", leaf_hash=bytes(32)))
        session.flush()
        version_status = ("approved" if approved is not None and number <= approved
                          else "submitted")
        session.add(ReportVersion(report_id=report_id, version=number, body="{}",
                                  content_sha256="0" * 64, received_at=NOW,
                                  submitted_by="token", log_index=index,
                                  status=version_status))
        session.flush()
        session.execute(insert(VersionFigures),
                        [figures_row(report_id, number, state, sharing, body)])
        session.execute(insert(VersionFact), fact_rows(report_id, number, body))


def test_only_the_newest_approved_not_withdrawn_version_counts(database):
    with database.session() as session:
        add_member_states(session, ["IDN", "MYS", "AUS"], "region")
        store(session, "approved", "IDN", status="approved", approved=1)
        store(session, "amended-awaiting-review", "MYS", status="submitted", approved=1,
              versions=2)
        store(session, "withdrawn-after-approval", "IDN", status=WITHDRAWN, approved=1)
        store(session, "never-approved", "IDN", status="submitted", approved=None)
        store(session, "approved-twice", "IDN", status="approved", approved=2, versions=2)
        store(session, "outside-the-region", "AUS", status="approved", approved=1)
        store(session, "kept-national", "IDN", status="approved", approved=1,
              sharing="national")
    with database.session() as session:
        counted = counted_versions("035", 2024, ("region", "all_members")).subquery()
        rows = set(session.execute(select(counted.c.report_id, counted.c.version)).all())
    assert rows == {("approved", 1), ("amended-awaiting-review", 1), ("approved-twice", 2)}


def test_facts_of_the_counted_versions_aggregate_in_sql(database):
    with database.session() as session:
        add_member_states(session, ["IDN", "MYS"], "region")
        store(session, "a", "IDN", status="approved", approved=1)
        store(session, "b", "MYS", status="approved", approved=2, versions=2)
        store(session, "c", "IDN", status=WITHDRAWN, approved=1)
    with database.session() as session:
        counted = counted_versions("035", 2024, ("region", "all_members")).subquery()
        routes = dict(session.execute(
            select(VersionFact.code, func.sum(VersionFact.count))
            .join(counted, and_(counted.c.report_id == VersionFact.report_id,
                                counted.c.version == VersionFact.version))
            .where(VersionFact.dimension == "route")
            .group_by(VersionFact.code)).all())
        migrants = session.scalar(select(func.sum(counted.c.migrants_total)))
    assert routes == {"AFG>AUS": 2, "IRN>AUS": 2}
    assert migrants == 40
