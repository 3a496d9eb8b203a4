"""Stored group tallies (summaries.groups): what the cells are merged from must always
equal what the report tables say, through changes, upgrades and format changes."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import delete, select, update

from reporting.summaries import groups, queries, service
from reporting.summaries.cells import Cell
from reporting.summaries.models import SummaryGroup, SummaryGroupYear
from reporting.summaries.tallies import Tallies


def stored_groups(database) -> dict[tuple, tuple[str, int]]:
    with database.session() as session:
        return {(g.state_iso3, g.year, g.quarter, g.month, g.sharing):
                (g.tallies, g.newest_receipt) for g in session.scalars(select(SummaryGroup))}


def recomputed_groups(database) -> dict[tuple, tuple[str, int]]:
    with database.session() as session:
        fresh = queries.group_tallies(session)
    return {(state, year, quarter, month or 0, sharing):
            (fresh.tallies[group].to_json(), fresh.newest_receipt[group])
            for group in fresh.tallies
            for state, year, quarter, month, sharing in [group]}


def test_stored_groups_equal_the_report_tables_after_a_random_sequence(world, database):
    rng = random.Random(20261206)  # noqa: S311 - seeded test data
    owned: dict[str, list[str]] = {"IDN": [], "MYS": [], "AUS": []}
    for _ in range(30):
        state = rng.choice(tuple(owned))
        action = rng.choice(("submit", "submit", "amend", "withdraw", "lower"))
        date = rng.choice(("2024-01-10", "2024-03-15", "2024-11-30", "2025-02-01"))
        sharing = rng.choice(("region", "all_members"))
        fee = {"smuggled_migrants.fee_per_person": {
            "amount": rng.choice((500, 1000, 2500)), "currency": "USD"}}
        if action == "submit" or not owned[state]:
            report_id = world.submit(state, date=date, sharing=sharing, **fee)
            owned[state].append(report_id)
        elif action == "amend":
            report_id = rng.choice(owned[state])
            world.amend(state, report_id, date=date, sharing=sharing, **fee)
        elif action == "withdraw":
            report_id = owned[state].pop(rng.randrange(len(owned[state])))
            world.withdraw(state, report_id)
        else:
            report_id = rng.choice(owned[state])
            response = world.client.post(
                f"/api/v1/reports/{report_id}/sharing", json={"sharing": "national"},
                headers={"Authorization": f"Bearer {world.admins[state]}"})
            if response.status_code != 200:  # national already
                continue
        world.change(report_id)
        assert stored_groups(database) == recomputed_groups(database)
    assert stored_groups(database)  # the sequence left counted reports


def _as_after_the_upgrade(session) -> None:
    # The tables are new: summaries exist, no group does.
    session.execute(delete(SummaryGroup))
    session.execute(delete(SummaryGroupYear))


def _as_after_a_format_change(session) -> None:
    # Rows in an older format, which must not be read: wrong on purpose.
    session.execute(update(SummaryGroup).values(
        tallies=Tallies(states={"IDN"}, incidents=99).to_json()))
    session.execute(update(SummaryGroupYear).values(format=groups.FORMAT - 1))


@pytest.mark.parametrize("tamper", [_as_after_the_upgrade, _as_after_a_format_change])
def test_years_not_stored_in_the_current_format_are_computed_before_they_are_read(
        world, database, tamper):
    world.change(world.submit("IDN", date="2024-03-15"))
    with database.session() as session:
        tamper(session)
    world.change(world.submit("MYS", date="2024-05-02"))
    assert stored_groups(database) == recomputed_groups(database)
    assert world.run(service.rebuild).differences == []


def test_the_rebuild_repairs_a_stored_group_and_the_cells_merged_from_it(world, database):
    report_id = world.submit("IDN", date="2024-03-15")
    world.change(report_id)
    wrong = Tallies(states={"IDN"}, incidents=99).to_json()
    with database.session() as session:
        session.execute(update(SummaryGroup).values(tallies=wrong))
    world.change(world.submit("MYS", date="2024-04-20"))  # merges the wrong IDN group
    result = world.run(service.rebuild)
    assert "035/2024/region" in result.differences
    assert stored_groups(database) == recomputed_groups(database)
    assert world.run(service.rebuild).differences == []


def test_tallies_survive_their_json_text_unchanged():
    tallies = Tallies(states={"IDN", "MYS"}, incidents=3)
    tallies.sums["migrants_total"] = 41
    tallies.sums["assets_frozen_usd"] = 1250.5
    tallies.mix[("transport_mode", "sea")] = 3
    tallies.facts[("route", "AFG-IDN")] = 2
    tallies.fees.update({("AFG-IDN", "USD", 2500.0): 2, ("AFG-IDN", "USD", 1000.5): 1})
    again = Tallies.from_json(tallies.to_json())
    assert again == tallies
    assert again.to_json() == tallies.to_json()


def test_a_previous_period_is_read_from_its_summary_only_if_made_with_todays_rules(
        world, database, tmp_path):
    # February's summaries are made without a rate table; then one is configured and a
    # March report changes. March's "previous" must come from February recomputed with
    # the rates, not from February's stored summary: then the rebuild finds only the
    # February cells (made under the old rules) different, never March's.
    from dataclasses import replace

    from reporting.unit_of_work import UnitOfWork

    fee = {"smuggled_migrants.fee_per_person": {"amount": 4000, "currency": "AUD"}}
    for state in ("IDN", "MYS", "IDN", "MYS"):
        world.change(world.submit(state, date="2024-02-10", **fee))
    table = tmp_path / "rates.json"
    table.write_text('{"name": "t", "base": "USD", "rates": {"AUD": 0.65}}')
    binding = world.app.extensions["vrs_binding"]
    rated = replace(binding, settings=replace(binding.settings, summary_rates=table))

    def run(operation, *args):
        with UnitOfWork.begin(rated) as unit:
            return operation(unit, *args)

    # March: four fees on the route, so its converted fee figures are published and
    # show February's as "previous". The IDN reports share one group, so delivering the
    # last recomputes it whole.
    world.change(world.submit("MYS", date="2024-03-05", **fee))
    march = [world.submit("IDN", date="2024-03-05", **fee) for _ in range(3)]
    run(service.apply_change, march[-1])
    document = world.stored(database)[Cell("035", "2024-03", "region")]
    assert [o for o in document["observations"]
            if o["measure"].endswith("_converted") and o["previous"] is not None]
    differences = run(service.rebuild).differences
    assert "035/2024-02/region" in differences
    assert not [cell for cell in differences if "/2024-03/" in cell]
