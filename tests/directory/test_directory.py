"""Reference data: countries, M49 regions, the Bali Process, member states."""

from __future__ import annotations

import pycountry
import pytest
from sqlalchemy import func, select

from reporting.directory.models import Country, Region, RegionMembership
from reporting.directory.service import (
    UnknownCountry,
    add_member_states,
    load_reference_data,
    regions_of,
)
from tests.conftest import bearer


def test_every_iso_country_is_loaded(database):
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Country)) == len(pycountry.countries)


def test_loading_reference_data_twice_adds_nothing(database):
    with database.session() as session:
        counts = load_reference_data(session)
    assert (counts.countries, counts.regions, counts.memberships) == (0, 0, 0)


@pytest.mark.parametrize(("iso3", "expected"), [
    ("IDN", {"142", "035", "bali-process"}),
    ("AUS", {"009", "053", "bali-process"}),
    ("DEU", {"150", "155"}),
    ("BRA", {"019", "419", "005"}),
])
def test_countries_belong_to_their_m49_regions_and_groups(database, iso3, expected):
    with database.session() as session:
        assert set(regions_of(session, iso3)) == expected


def test_bali_process_group_has_its_45_members(database):
    with database.session() as session:
        group = session.get(Region, "bali-process")
        members = session.scalars(select(RegionMembership.country_iso3)
                                  .where(RegionMembership.region_code == "bali-process")).all()
    assert group is not None
    assert group.kind == "group"
    assert len(members) == 45
    assert {"AUS", "IDN", "LKA", "AFG", "NZL", "HKG"} <= set(members)


def test_adding_members_is_idempotent_and_checks_codes(database):
    with database.session() as session:
        assert add_member_states(session, ["idn", "MYS"]) == ["IDN", "MYS"]
        assert add_member_states(session, ["IDN"]) == []
        with pytest.raises(UnknownCountry):
            add_member_states(session, ["XXX"])


def test_states_and_regions_endpoints_list_members(client, make_token):
    secret = make_token("IDN")
    make_token("AUS")
    states = client.get("/api/v1/states", headers=bearer(secret)).get_json()
    assert [s["iso3"] for s in states] == ["AUS", "IDN"]
    regions = {r["code"]: r for r in client.get("/api/v1/regions",
                                                headers=bearer(secret)).get_json()}
    assert regions["bali-process"]["member_states"] == ["AUS", "IDN"]
    assert "THA" in regions["bali-process"]["members"]
    assert regions["035"]["member_states"] == ["IDN"]
