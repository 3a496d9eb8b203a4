"""Bulk approval: POST /reports/approve answers each id on its own, in one transaction."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from reporting.ledger.signing import b64url_decode, verify_document
from reporting.outbox import OutboxMessage
from reporting.reports.models import Report
from tests.conftest import bearer
from tests.factories import approve, submit_ok

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def bulk(client, secret, ids):
    return client.post("/api/v1/reports/approve", json={"ids": ids}, headers=bearer(secret))


def test_a_mix_of_ids_gets_one_answer_each_and_the_good_ones_are_approved(
        client, database, make_token):
    admin = make_token("IDN", "state_admin")
    good = [submit_ok(client, admin)["id"] for _ in range(3)]
    already = submit_ok(client, admin)["id"]
    approve(client, admin, already)
    others = submit_ok(client, make_token("MYS", "state_admin"))["id"]
    ids = [good[0], UNKNOWN, good[1], others, already, "not-a-report-id", good[2]]
    response = bulk(client, admin, ids)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert (answer["approved"], answer["rejected"]) == (3, 4)
    assert [(r["id"], r["status"]) for r in answer["results"]] == [
        (good[0], 200), (UNKNOWN, 404), (good[1], 200), (others, 404), (already, 409),
        ("not-a-report-id", 404), (good[2], 200)]
    problems = {r["id"]: r["problem"] for r in answer["results"] if "problem" in r}
    assert problems[already]["type"].endswith("/lifecycle-conflict")
    # Another state's report and a missing one are the same answer: no existence leak.
    assert problems[others]["detail"] == problems[UNKNOWN]["detail"]
    assert problems[others]["instance"].endswith("#/ids/3")
    keys = {k["kid"]: b64url_decode(k["x"])
            for k in client.get("/api/v1/keys").get_json()["keys"]}
    logged = client.get("/api/v1/log/entries?start=0", headers=bearer(admin)).get_json()
    for result in answer["results"]:
        if result["status"] == 200:
            receipt = result["receipt"]
            assert (receipt["report_id"], receipt["event"]) == (result["id"], "approved")
            assert verify_document(receipt, keys)
            assert json.loads(logged["entries"][receipt["log_index"]]["entry"]) == receipt
    with database.session() as session:
        statuses = {row.id: row.status for row in session.execute(
            select(Report.id, Report.status))}
        outbox = [json.loads(m.payload)["report_id"]
                  for m in session.scalars(select(OutboxMessage))]
    assert [statuses[i] for i in good] == ["approved"] * 3
    assert statuses[others] == "submitted"
    assert sorted(outbox) == sorted([already, *good])


@pytest.mark.parametrize(("body", "field"), [
    ({"ids": []}, "ids"),
    ({"ids": ["a"] * 2}, "ids"),
    ({"ids": [f"id-{n}" for n in range(1001)]}, "ids"),
    # 1,001 ids of 64 characters pass the single-report size limit of the test app
    # (64 KiB): still "at most 1,000", not a 413 (found by the deep fuzzing).
    ({"ids": [f"{n:064d}" for n in range(1001)]}, "ids"),
    ({"ids": "not a list"}, "ids"),
    ({"report_ids": ["a"]}, "ids"),
    # PostgreSQL refuses a NUL in a query parameter: found by the deep fuzzing as a 500.
    ({"ids": ["a\u0000b"]}, "ids.0"),
    ({"ids": ["\ud800"]}, "ids.0"),
])
def test_a_malformed_request_is_refused_whole(client, make_token, body, field):
    admin = make_token("IDN", "state_admin")
    response = client.post("/api/v1/reports/approve", json=body, headers=bearer(admin))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_only_a_state_admin_approves_in_bulk(client, make_token):
    reporter = make_token("IDN", "reporter")
    stored = submit_ok(client, reporter)
    assert bulk(client, reporter, [stored["id"]]).status_code == 403
    assert bulk(client, make_token("IDN", "analyst"), [stored["id"]]).status_code == 403
