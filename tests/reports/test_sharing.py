"""Sharing levels across three states in two regions.

IDN and MYS are both in South-eastern Asia (M49 035) and the Bali Process; DEU is in
Western Europe and in neither, so region sharing reaches MYS but not DEU.
"""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.factories import report, submit_approved


@pytest.fixture
def shared(client, make_token):
    """One approved IDN report per sharing level, and analysts of IDN, MYS and DEU."""
    writer = make_token("IDN", "state_admin")
    ids = {level: submit_approved(client, writer, report(sharing=level))["id"]
           for level in ("national", "region", "all_members")}
    readers = {state: make_token(state, "analyst") for state in ("IDN", "MYS", "DEU")}
    return ids, readers


EXPECTED = {
    # reader: levels it may read
    "IDN": {"national", "region", "all_members"},
    "MYS": {"region", "all_members"},
    "DEU": {"all_members"},
}


@pytest.mark.parametrize("reader", sorted(EXPECTED))
@pytest.mark.parametrize("level", ["national", "region", "all_members"])
def test_report_is_readable_exactly_where_its_sharing_level_reaches(client, shared, reader,
                                                                    level):
    ids, readers = shared
    response = client.get(f"/api/v1/reports/{ids[level]}", headers=bearer(readers[reader]))
    versions = client.get(f"/api/v1/reports/{ids[level]}/versions",
                          headers=bearer(readers[reader]))
    expected = 200 if level in EXPECTED[reader] else 404
    assert (response.status_code, versions.status_code) == (expected, expected)


@pytest.mark.parametrize("reader", sorted(EXPECTED))
def test_listing_shows_only_what_the_sharing_level_reaches(client, shared, reader):
    ids, readers = shared
    listed = client.get("/api/v1/reports", headers=bearer(readers[reader])).get_json()
    assert {item["id"] for item in listed["items"]} == {ids[level] for level in EXPECTED[reader]}


def test_unseen_report_is_indistinguishable_from_a_missing_one(client, shared):
    ids, readers = shared
    hidden = client.get(f"/api/v1/reports/{ids['national']}", headers=bearer(readers["DEU"]))
    missing = client.get("/api/v1/reports/00000000-0000-4000-8000-000000000000",
                         headers=bearer(readers["DEU"]))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json()["detail"] == missing.get_json()["detail"]


def test_reporters_of_other_states_read_only_their_own(client, shared, make_token):
    ids, _ = shared
    reporter = make_token("MYS", "reporter")
    response = client.get(f"/api/v1/reports/{ids['all_members']}", headers=bearer(reporter))
    assert response.status_code == 404


def test_secretariat_reads_only_reports_shared_with_all_members(client, shared, make_token):
    ids, _ = shared
    secretariat = make_token(None, "secretariat")
    visible = {level for level, report_id in ids.items()
               if client.get(f"/api/v1/reports/{report_id}",
                             headers=bearer(secretariat)).status_code == 200}
    assert visible == {"all_members"}
