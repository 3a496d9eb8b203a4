"""`vrs recompute` against a live server: agreeing with the worker on a clean server, and
naming what differs when a stored summary, a figures row or a report body was altered."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from reporting.cli import main
from reporting.reports.models import ReportVersion, VersionFigures
from reporting.summaries import service
from reporting.summaries.models import Summary


def recompute(server, token, *args):
    return CliRunner().invoke(main, ["recompute", "--server", server, "--token", token,
                                     *args])


@pytest.fixture
def region(world):
    """A region with a history: amendments, a withdrawal, a lowered level, a report known
    to the quarter, reports of the previous quarter, and one outside the region."""
    first = world.submit("IDN", date="2024-02-10")
    world.amend("IDN", first, date="2024-02-10", **{"smuggled_migrants.total": 23,
                                                     "smuggled_migrants.men": 15})
    gone = world.submit("MYS", date="2024-03-20")
    world.withdraw("MYS", gone)
    lowered = world.submit("MYS", date="2024-03-21", sharing="all_members")
    world.lower("MYS", lowered, "region")
    changed = [first, gone, lowered,
               world.submit("IDN", date="2024-03-01", sharing="all_members"),
               world.submit("MYS", date="2024-01-01", **{"incident.date_precision": "quarter"}),
               world.submit("MYS", date="2023-11-05"),
               world.submit("MYS", date="2024-03-05", sharing="national"),
               world.submit("AUS", date="2024-03-05"),
               world.submit("IDN", date="2024-03-09", approve=False)]
    for report_id in changed:  # what the workers do for each outbox row
        world.change(report_id)
    return world


def test_a_member_recomputes_its_regions_summary_and_it_agrees(live_server, region,
                                                                make_token):
    analyst = make_token("MYS", "analyst")
    result = recompute(live_server, analyst, "035", "2024-Q1")
    assert result.exit_code == 0, result.output
    assert "agrees: 035 2024-Q1 (audience region) recomputed from 4 reports" in result.output
    other = recompute(live_server, analyst, "bali-process", "2024", "--audience",
                      "all_members")
    assert other.exit_code == 0, other.output
    assert "agrees" in other.output


def test_an_altered_stored_figure_is_named(live_server, region, make_token, database):
    with database.session() as session:
        stored = session.scalar(select(Summary).where(
            Summary.region == "035", Summary.period == "2024-Q1",
            Summary.audience == "region"))
        document = json.loads(stored.document)
        total = next(o for o in document["observations"] if o["status"] == "F"
                     and o["breakdown"] == "_T" and isinstance(o["value"], int))
        total["value"] += 7
        stored.document = json.dumps(document)
    result = recompute(live_server, make_token("IDN", "analyst"), "035", "2024-Q1")
    assert result.exit_code == 1
    key = "/".join((total["measure"], "_T", total["code"], total["currency"]))
    assert "signature does not verify" in result.output
    assert f"observation {key}: signed value {total['value']}" in result.output
    assert "Traceback" not in result.output


def test_an_altered_figures_row_shows_as_a_differing_observation(live_server, region,
                                                                  make_token, database):
    with database.session() as session:
        session.execute(update(VersionFigures).where(
            VersionFigures.state_iso3 == "MYS", VersionFigures.incident_month.is_(None)
        ).values(deaths=VersionFigures.deaths + 40))
    region.run(service.rebuild)  # the worker signs what the altered rows say
    result = recompute(live_server, make_token("IDN", "analyst"), "035", "2024-Q1")
    assert result.exit_code == 1
    assert "differs: 035 2024-Q1 (audience region): observation deaths" in result.output


def test_an_altered_report_body_is_named(live_server, region, make_token, database):
    with database.session() as session:
        version = session.scalars(select(ReportVersion).join(
            VersionFigures, (VersionFigures.report_id == ReportVersion.report_id)
            & (VersionFigures.version == ReportVersion.version)).where(
            VersionFigures.state_iso3 == "MYS", VersionFigures.incident_month.is_(None))).one()
        body = json.loads(version.body)
        body["harm"]["deaths"] = 40
        version.body = json.dumps(body, separators=(",", ":"), sort_keys=True)
        altered = version.report_id
    result = recompute(live_server, make_token("IDN", "analyst"), "035", "2024-Q1")
    assert result.exit_code == 1
    assert (f"report {altered} version 1: the body served does not match its receipt"
            in result.output)


def test_a_summary_the_token_may_not_read_is_refused_in_one_line(live_server, region,
                                                                  make_token):
    result = recompute(live_server, make_token("AUS", "analyst"), "035", "2024-Q1",
                       "--audience", "region")
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == ["error: the server refused: 404 Not Found: No such summary."]


def test_a_server_that_is_not_there_is_one_line():
    result = recompute("http://127.0.0.1:1", "t", "035", "2024")
    assert result.exit_code == 1
    assert result.output.startswith("error: cannot reach")
    assert len(result.output.strip().splitlines()) == 1


def test_a_summary_with_converted_fees_recomputes_with_its_own_rate_table(
        live_server, world, rated, make_token):
    for state, amount, currency in (("IDN", 4000, "USD"), ("MYS", 5000, "AUD"),
                                    ("IDN", 3000, "USD"), ("MYS", 6000, "AUD")):
        world.change(world.submit(state, **{"smuggled_migrants.fee_per_person": {
            "amount": amount, "currency": currency}}))
    result = recompute(live_server, make_token("IDN", "analyst"), "035", "2024")
    assert result.exit_code == 0, result.output
    assert "agrees" in result.output
