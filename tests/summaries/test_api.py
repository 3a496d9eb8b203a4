"""Summaries over HTTP: who reads which audience, 404 for the rest, served as signed."""

from __future__ import annotations

import pytest

from reporting.ledger.signing import b64url_decode, verify_document
from tests.conftest import bearer


@pytest.fixture
def summaries(world):
    """IDN (035) shares one report with the region, MYS (035) one with all members."""
    for state, sharing in (("IDN", "region"), ("MYS", "all_members")):
        world.change(world.submit(state, sharing=sharing))
    return world


def get(client, secret, path):
    return client.get(f"/api/v1/summaries{path}", headers=bearer(secret))


def test_a_member_of_the_region_reads_its_region_summary_by_default(client, summaries,
                                                                     make_token):
    analyst = make_token("MYS", "analyst")
    response = get(client, analyst, "/035/2024")
    assert response.status_code == 200
    document = response.get_json()
    assert (document["audience"], document["contributing_states"]) == ("region", 2)
    keys = {k["kid"]: b64url_decode(k["x"])
            for k in client.get("/api/v1/keys").get_json()["keys"]}
    assert verify_document(document, keys)


def test_the_document_is_served_as_the_exact_signed_text(client, summaries, make_token,
                                                          database):
    from sqlalchemy import select

    from reporting.summaries.models import Summary

    response = get(client, make_token("IDN", "reporter"), "/035/2024-Q1?audience=all_members")
    with database.session() as session:
        stored = session.scalar(select(Summary.document).where(
            Summary.region == "035", Summary.period == "2024-Q1",
            Summary.audience == "all_members"))
    assert response.get_data(as_text=True) == stored


def test_members_outside_the_region_and_the_secretariat_read_only_all_members(
        client, summaries, make_token):
    for reader in (make_token("AUS", "analyst"), make_token(None, "secretariat")):
        default = get(client, reader, "/035/2024")
        assert default.status_code == 200
        assert (default.get_json()["audience"], default.get_json()["contributing_states"]) \
            == ("all_members", 1)
        hidden = get(client, reader, "/035/2024?audience=region")
        assert hidden.status_code == 404
        assert hidden.mimetype == "application/problem+json"


@pytest.mark.parametrize("path", ["/053/2024", "/035/2023", "/035/2024-13", "/nowhere/2024",
                                  "/035/2024-Q1.csv-not", "/035/02024"])
def test_a_summary_that_does_not_exist_is_a_404(client, summaries, make_token, path):
    response = get(client, make_token("IDN", "analyst"), path)
    assert response.status_code == 404
    assert response.get_json()["detail"] == "No such summary."


def test_the_list_shows_only_what_the_caller_may_read(client, summaries, make_token):
    outside = get(client, make_token("AUS", "analyst"), "?region=035").get_json()
    assert {item["audience"] for item in outside["items"]} == {"all_members"}
    inside = get(client, make_token("IDN", "analyst"), "?region=035").get_json()
    assert {item["audience"] for item in inside["items"]} == {"region", "all_members"}
    assert {item["period"] for item in inside["items"]} == {"2024", "2024-Q1", "2024-03"}


def test_the_list_pages_with_a_cursor_and_refuses_one_it_did_not_issue(client, summaries,
                                                                       make_token):
    reader = make_token("IDN", "analyst")
    seen, cursor = [], None
    while True:
        page = get(client, reader, "?limit=4" + (f"&cursor={cursor}" if cursor else ""))
        assert page.status_code == 200
        body = page.get_json()
        seen += [(i["region"], i["period"], i["audience"]) for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    everything = get(client, reader, "?limit=200").get_json()["items"]
    assert seen == [(i["region"], i["period"], i["audience"]) for i in everything]
    assert len(seen) == len(set(seen)) > 4
    refused = get(client, reader, "?cursor=bm90LWEtY3Vyc29y")
    assert refused.status_code == 422
    assert "cursor" in refused.get_json()["errors"]


def test_a_token_without_the_summaries_scope_is_refused(client, summaries, make_token):
    response = get(client, make_token("IDN", "reporter", scopes=["reports:read"]), "/035/2024")
    assert response.status_code == 403


@pytest.mark.parametrize("query", [
    "?region=0%0035",
    # A cursor this API never issued whose parts hold a NUL: base64 of ["\u0000","a","b"].
    "?cursor=WyJcdTAwMDAiLCAiYSIsICJiIl0",
])
def test_text_postgresql_cannot_hold_in_a_filter_is_a_422(client, summaries, make_token,
                                                          query):
    # PostgreSQL refuses a NUL in a query parameter: the deep fuzzing found it as a 500.
    response = get(client, make_token("IDN", "analyst"), query)
    assert response.status_code == 422
    assert response.get_json()["errors"]


def test_a_region_postgresql_cannot_hold_is_a_404_like_any_unknown_one(client, summaries,
                                                                       make_token):
    response = get(client, make_token("IDN", "analyst"), "/0%0035/2024")
    assert response.status_code == 404
