"""Approval and return: a state admin reviews its state's newest version, logged as receipts.

Approval is what makes a version count in the summaries: its status, the report's
approved version, the figures and facts rows and the outbox row appear with it, and not
before.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from reporting.ledger.signing import b64url_decode, verify_document
from reporting.outbox import OutboxMessage
from reporting.reports.models import Report, ReportVersion, VersionFact, VersionFigures
from tests.conftest import bearer
from tests.factories import report, submit_ok


@pytest.fixture
def admin(make_token):
    return make_token("IDN", "state_admin")


def approve(client, secret, report_id):
    return client.post(f"/api/v1/reports/{report_id}/approve", headers=bearer(secret))


def give_back(client, secret, report_id, reason="Totals of the second group are missing."):
    return client.post(f"/api/v1/reports/{report_id}/return", json={"reason": reason},
                       headers=bearer(secret))


def state_of(database, report_id):
    with database.session() as session:
        stored = session.scalar(select(Report).where(Report.id == report_id))
        versions = {v.version: v.status for v in session.scalars(
            select(ReportVersion).where(ReportVersion.report_id == report_id))}
        figures = sorted(session.scalars(select(VersionFigures.version).where(
            VersionFigures.report_id == report_id)))
        facts = session.scalar(select(func.count()).select_from(VersionFact).where(
            VersionFact.report_id == report_id))
        outbox = [json.loads(m.payload) for m in session.scalars(select(OutboxMessage))]
    return stored.status, stored.approved_version, versions, figures, facts, outbox


def test_approval_makes_the_newest_version_count_and_is_logged(client, database, admin):
    stored = submit_ok(client, admin)
    assert state_of(database, stored["id"])[1:4] == (None, {1: "submitted"}, [])
    response = approve(client, admin, stored["id"])
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["status"] == "approved"
    receipt = answer["receipt"]
    assert receipt["event"] == "approved"
    assert receipt["content_sha256"] == stored["receipt"]["content_sha256"]
    keys = {k["kid"]: b64url_decode(k["x"])
            for k in client.get("/api/v1/keys").get_json()["keys"]}
    assert verify_document(receipt, keys)
    logged = client.get("/api/v1/log/entries?start=0", headers=bearer(admin)).get_json()
    assert json.loads(logged["entries"][receipt["log_index"]]["entry"]) == receipt
    status, approved, versions, figures, facts, outbox = state_of(database, stored["id"])
    assert (status, approved, versions, figures) == ("approved", 1, {1: "approved"}, [1])
    assert facts > 0
    assert outbox == [{"report_id": stored["id"], "state": "IDN", "event": "approved"}]


def test_an_amendment_of_an_approved_report_waits_for_review_and_the_old_one_counts(
        client, database, admin):
    stored = submit_ok(client, admin)
    approve(client, admin, stored["id"])
    amended = client.post(f"/api/v1/reports/{stored['id']}/versions",
                          json=report(**{"smuggled_migrants.total": 20}),
                          headers=bearer(admin))
    assert amended.status_code == 201
    status, approved, versions, figures, _, _ = state_of(database, stored["id"])
    assert (status, approved, versions, figures) == (
        "submitted", 1, {1: "approved", 2: "submitted"}, [1])
    assert approve(client, admin, stored["id"]).status_code == 200
    status, approved, versions, figures, _, _ = state_of(database, stored["id"])
    assert (status, approved, versions, figures) == (
        "approved", 2, {1: "approved", 2: "approved"}, [1, 2])


def test_a_returned_report_goes_back_with_its_reason_and_counts_nowhere(client, database,
                                                                         admin):
    stored = submit_ok(client, admin)
    response = give_back(client, admin, stored["id"])
    assert response.status_code == 200
    assert response.get_json()["receipt"]["event"] == "returned"
    status, approved, versions, figures, facts, outbox = state_of(database, stored["id"])
    assert (status, approved, versions, figures, facts, outbox) == (
        "returned", None, {1: "returned"}, [], 0, [])
    # Amended, it is submitted again and can be approved.
    again = client.post(f"/api/v1/reports/{stored['id']}/versions", json=report(),
                        headers=bearer(admin))
    assert again.get_json()["status"] == "submitted"
    assert approve(client, admin, stored["id"]).status_code == 200
    assert state_of(database, stored["id"])[1] == 2


@pytest.mark.parametrize(("first", "then"), [("approve", "approve"), ("approve", "return"),
                                             ("return", "approve"), ("return", "return")])
def test_only_a_submitted_version_can_be_reviewed(client, database, admin, first, then):
    stored = submit_ok(client, admin)
    review = {"approve": approve, "return": give_back}
    assert review[first](client, admin, stored["id"]).status_code == 200
    response = review[then](client, admin, stored["id"])
    assert response.status_code == 409
    problem = response.get_json()
    assert problem["type"].endswith("/lifecycle-conflict")
    done = {"approve": "approved", "return": "returned"}[then]
    assert problem["detail"].endswith(f"cannot be {done}.")


def test_a_withdrawn_report_cannot_be_approved(client, database, admin):
    stored = submit_ok(client, admin)
    client.post(f"/api/v1/reports/{stored['id']}/withdraw", headers=bearer(admin))
    assert approve(client, admin, stored["id"]).status_code == 409
    assert state_of(database, stored["id"])[1] is None


def test_only_the_owning_states_admin_reviews(client, database, make_token, admin):
    stored = submit_ok(client, admin)
    reporter = make_token("IDN", "reporter")
    assert approve(client, reporter, stored["id"]).status_code == 403
    other_admin = make_token("MYS", "state_admin")
    assert approve(client, other_admin, stored["id"]).status_code == 404
    assert give_back(client, other_admin, stored["id"]).status_code == 404
    assert state_of(database, stored["id"])[0] == "submitted"


def test_a_return_reason_is_screened_and_required(client, database, admin):
    stored = submit_ok(client, admin)
    personal = give_back(client, admin, stored["id"],
                         "Ask the skipper on +62 812 3456 7890 for the totals.")
    assert personal.status_code == 422
    assert personal.get_json()["type"].endswith("/personal-data")
    assert b"3456" not in personal.data
    missing = client.post(f"/api/v1/reports/{stored['id']}/return", json={},
                          headers=bearer(admin))
    assert missing.status_code == 422
    assert state_of(database, stored["id"])[0] == "submitted"
