"""Only approved reports leave their state (SPEC §2, issue 14 item 5).

Another state sees a report only through its newest approved, not withdrawn version:
single reads, versions, lists and their filters, and the log's receipts. IDN and MYS
share regions; the reports here are shared with all members, so only approval decides.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import bearer
from tests.factories import approve, report, submit_approved, submit_ok


@pytest.fixture
def idn(make_token):
    return make_token("IDN", "state_admin")


@pytest.fixture
def others(make_token):
    """Who reads other states' reports: a neighbour's analyst and the secretariat."""
    return {"analyst": make_token("MYS", "analyst"),
            "secretariat": make_token(None, "secretariat")}


def read(client, secret, report_id):
    """What a caller gets of a report: single read, versions, list ids, receipts."""
    single = client.get(f"/api/v1/reports/{report_id}", headers=bearer(secret))
    versions = client.get(f"/api/v1/reports/{report_id}/versions", headers=bearer(secret))
    listed = client.get("/api/v1/reports", headers=bearer(secret)).get_json()["items"]
    entries = client.get("/api/v1/log/entries?start=0", headers=bearer(secret)).get_json()
    receipts = [json.loads(e["entry"]) for e in entries["entries"] if "entry" in e]
    return single, versions, [i for i in listed if i["id"] == report_id], [
        r for r in receipts if r["report_id"] == report_id]


def unseen(client, secret, report_id) -> bool:
    single, versions, listed, receipts = read(client, secret, report_id)
    return (single.status_code, versions.status_code, listed, receipts) == (404, 404, [], [])


def give_back(client, secret, report_id):
    response = client.post(f"/api/v1/reports/{report_id}/return",
                           json={"reason": "The totals do not add up."},
                           headers=bearer(secret))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("reader", ["analyst", "secretariat"])
def test_a_submitted_report_is_seen_by_no_other_state(client, idn, others, reader):
    stored = submit_ok(client, idn, report(sharing="all_members"))
    assert unseen(client, others[reader], stored["id"])
    # Its own state sees it, receipt and all.
    single, versions, listed, receipts = read(client, idn, stored["id"])
    assert (single.status_code, versions.status_code, len(listed), len(receipts)) == (
        200, 200, 1, 1)


@pytest.mark.parametrize("reader", ["analyst", "secretariat"])
def test_a_returned_report_is_seen_by_no_other_state(client, idn, others, reader):
    stored = submit_ok(client, idn, report(sharing="all_members"))
    give_back(client, idn, stored["id"])
    assert unseen(client, others[reader], stored["id"])


@pytest.mark.parametrize("reader", ["analyst", "secretariat"])
def test_approval_releases_the_report_to_others(client, idn, others, reader):
    stored = submit_ok(client, idn, report(sharing="all_members"))
    approval = approve(client, idn, stored["id"])
    single, versions, listed, receipts = read(client, others[reader], stored["id"])
    assert single.status_code == 200
    assert (single.get_json()["status"], single.get_json()["version"]) == ("approved", 1)
    assert [v["version"] for v in versions.get_json()["versions"]] == [1]
    assert [item["status"] for item in listed] == ["approved"]
    assert {r["log_index"] for r in receipts} == {stored["receipt"]["log_index"],
                                                 approval["receipt"]["log_index"]}


@pytest.mark.parametrize("reader", ["analyst", "secretariat"])
def test_others_see_the_approved_version_while_an_amendment_awaits_review(
        client, idn, others, reader):
    approved = submit_approved(client, idn, report(**{
        "sharing": "all_members", "incident.transport_mode": "sea",
        "route.origin_countries": ["AFG"]}))
    secret = others[reader]
    before = client.get(f"/api/v1/reports/{approved['id']}", headers=bearer(secret)).get_json()
    amended = client.post(f"/api/v1/reports/{approved['id']}/versions", headers=bearer(idn),
                          json=report(**{"sharing": "all_members",
                                         "incident.transport_mode": "air",
                                         "incident.conveyance": "commercial_flight",
                                         "route.origin_countries": ["PAK"],
                                         "narrative": "Corrected: an air arrival."}))
    assert amended.status_code == 201, amended.get_json()
    assert amended.get_json()["status"] == "submitted"
    single, versions, listed, receipts = read(client, secret, approved["id"])
    seen = single.get_json()
    assert (seen["version"], seen["status"]) == (1, "approved")
    # Not even the time tells that something awaits review.
    assert seen["updated_at"] == listed[0]["updated_at"] == before["updated_at"]
    assert seen["report"]["incident"]["transport_mode"] == "sea"
    assert seen["content_sha256"] == approved["receipt"]["content_sha256"]
    assert (versions.get_json()["status"],
            [v["version"] for v in versions.get_json()["versions"]]) == ("approved", [1])
    assert [(item["version"], item["status"]) for item in listed] == [(1, "approved")]
    assert {r["version"] for r in receipts} == {1}
    assert amended.get_json()["receipt"] not in receipts

    def found(query: str) -> bool:
        items = client.get(f"/api/v1/reports?{query}", headers=bearer(secret)).get_json()
        return approved["id"] in {item["id"] for item in items["items"]}

    # Filters answer from the approved version, never from the one awaiting review.
    assert (found("mode=sea"), found("mode=air")) == (True, False)
    assert (found("origin=AFG"), found("origin=PAK")) == (True, False)
    assert (found("status=approved"), found("status=submitted")) == (True, False)
    # The owner sees the newest version, awaiting review.
    own = client.get(f"/api/v1/reports/{approved['id']}", headers=bearer(idn)).get_json()
    assert (own["version"], own["status"]) == (2, "submitted")
    assert client.get("/api/v1/reports?mode=air&status=submitted",
                      headers=bearer(idn)).get_json()["items"][0]["id"] == approved["id"]
    # Approved, the new version is what others see.
    approve(client, idn, approved["id"])
    again = client.get(f"/api/v1/reports/{approved['id']}", headers=bearer(secret)).get_json()
    assert (again["version"], again["report"]["incident"]["transport_mode"]) == (2, "air")


def test_others_do_not_see_a_version_returned_after_an_approval(client, idn, others):
    approved = submit_approved(client, idn, report(sharing="all_members"))
    client.post(f"/api/v1/reports/{approved['id']}/versions", json=report(
        sharing="all_members", narrative="A second version, to be returned."),
        headers=bearer(idn))
    returned = give_back(client, idn, approved["id"])
    single, versions, _, receipts = read(client, others["analyst"], approved["id"])
    assert (single.get_json()["version"], single.get_json()["status"]) == (1, "approved")
    assert [v["version"] for v in versions.get_json()["versions"]] == [1]
    assert returned["receipt"] not in receipts
    assert {r.get("event") for r in receipts} == {None, "approved"}


def test_a_withdrawn_report_leaves_other_states_at_once(client, idn, others):
    approved = submit_approved(client, idn, report(sharing="all_members"))
    assert client.get(f"/api/v1/reports/{approved['id']}",
                      headers=bearer(others["analyst"])).status_code == 200
    client.post(f"/api/v1/reports/{approved['id']}/withdraw", headers=bearer(idn))
    assert unseen(client, others["analyst"], approved["id"])


def test_an_amendment_does_not_widen_the_audience_before_its_approval(client, idn,
                                                                      make_token):
    far = make_token("DEU", "analyst")  # in no region with IDN: all_members only
    approved = submit_approved(client, idn, report(sharing="national"))
    client.post(f"/api/v1/reports/{approved['id']}/versions",
                json=report(sharing="all_members"), headers=bearer(idn))
    assert unseen(client, far, approved["id"])
    own = client.get(f"/api/v1/reports/{approved['id']}", headers=bearer(idn)).get_json()
    assert own["sharing"] == "national"  # the level others see now
    approve(client, idn, approved["id"])
    seen = client.get(f"/api/v1/reports/{approved['id']}", headers=bearer(far)).get_json()
    assert (seen["sharing"], seen["version"]) == ("all_members", 2)


def test_a_lowering_made_after_an_amendment_was_sent_survives_its_approval(client, idn,
                                                                          make_token):
    far = make_token("DEU", "analyst")
    approved = submit_approved(client, idn, report(sharing="all_members"))
    client.post(f"/api/v1/reports/{approved['id']}/versions",
                json=report(sharing="all_members", narrative="Second version."),
                headers=bearer(idn))
    lowered = client.post(f"/api/v1/reports/{approved['id']}/sharing",
                          json={"sharing": "national"}, headers=bearer(idn))
    assert lowered.status_code == 200
    assert unseen(client, far, approved["id"])
    approve(client, idn, approved["id"])
    assert unseen(client, far, approved["id"])
    # A version sent after the lowering raises the level again, once approved.
    client.post(f"/api/v1/reports/{approved['id']}/versions",
                json=report(sharing="all_members", narrative="Third version."),
                headers=bearer(idn))
    approve(client, idn, approved["id"])
    assert client.get(f"/api/v1/reports/{approved['id']}",
                      headers=bearer(far)).status_code == 200


def test_the_reporter_reads_why_a_report_was_returned(client, idn, make_token):
    reporter = make_token("IDN", "reporter")
    stored = submit_ok(client, reporter)
    give_back(client, idn, stored["id"])
    seen = client.get(f"/api/v1/reports/{stored['id']}", headers=bearer(reporter)).get_json()
    assert (seen["status"], seen["return_reason"]) == ("returned", "The totals do not add up.")
    client.post(f"/api/v1/reports/{stored['id']}/versions", json=report(),
                headers=bearer(reporter))
    again = client.get(f"/api/v1/reports/{stored['id']}", headers=bearer(reporter)).get_json()
    assert again["status"] == "submitted"
    assert "return_reason" not in again
