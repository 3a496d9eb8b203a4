"""POST /reports/batch on both engines: per-report results, storage, retries, limits."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from reporting.ledger.models import LogLeaf
from reporting.ledger.signing import b64url_decode, verify_document
from reporting.reports.models import Report, ReportVersion
from tests.conftest import bearer
from tests.factories import report

BATCH = "/api/v1/reports/batch"
PHONE_NARRATIVE = "Organiser can be reached on +62 812 3456 7890 according to the crew."


def count(database, model) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def post_batch(client, secret, reports, **headers):
    return client.post(BATCH, json={"reports": reports}, headers={**bearer(secret), **headers})


def unbalanced() -> dict:
    body = report()
    body["smuggled_migrants"]["total"] = 999
    return body


def keys(client) -> dict[str, bytes]:
    return {k["kid"]: b64url_decode(k["x"]) for k in client.get("/api/v1/keys").get_json()["keys"]}


def test_each_report_is_answered_on_its_own_and_the_valid_ones_are_stored(client, make_token,
                                                                        database):
    secret = make_token("IDN")
    items = [report(), unbalanced(), report(narrative=PHONE_NARRATIVE), 7,
             report(**{"route.intended_destination": "AUS"})]
    response = post_batch(client, secret, items)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["accepted"], body["rejected"]) == (2, 3)
    results = body["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert [r["status"] for r in results] == [201, 422, 422, 422, 201]

    assert results[1]["problem"]["errors"] == {"smuggled_migrants.total": [
        "men + women + boys + girls + sex_age_unknown must add up to total "
        "(smuggled migrants)."]}
    assert results[1]["problem"]["instance"] == f"{BATCH}#/reports/1"
    personal = results[2]["problem"]
    assert personal["type"].endswith("/personal-data")
    assert "phone_number" in personal["errors"]["narrative"][0]
    # Not echoed: not in the item's problem, and not anywhere in the answer, whose
    # receipts (hex digests, UUIDs, signatures) may hold "812" by chance but never this.
    assert "812" not in json.dumps(personal)
    assert "812 3456" not in response.get_data(as_text=True)
    assert results[3]["problem"]["status"] == 422

    stored = [results[0], results[4]]
    # Stored together: consecutive log indexes, each receipt signed and served as logged.
    assert [r["receipt"]["log_index"] for r in stored] == [0, 1]
    jwks = keys(client)
    for result in stored:
        assert result["version"] == 1
        assert result["report_status"] == "submitted"
        assert result["receipt"]["report_id"] == result["id"]
        assert verify_document(result["receipt"], jwks)
        got = client.get(f"/api/v1/reports/{result['id']}", headers=bearer(secret))
        assert got.status_code == 200
    assert client.get(f"/api/v1/reports/{stored[1]['id']}", headers=bearer(secret)) \
        .get_json()["report"]["route"]["intended_destination"] == "AUS"
    assert (count(database, Report), count(database, ReportVersion),
            count(database, LogLeaf)) == (2, 2, 2)


def test_a_retried_batch_replays_what_was_stored_and_rejects_again_what_was_not(
        client, make_token, database):
    secret = make_token("IDN")
    items = [report(), unbalanced(), report(narrative="Second boat.")]
    first = post_batch(client, secret, items, **{"Idempotency-Key": "upload-2024-03"})
    again = post_batch(client, secret, items, **{"Idempotency-Key": "upload-2024-03"})
    assert [r["status"] for r in first.get_json()["results"]] == [201, 422, 201]
    assert [r["status"] for r in again.get_json()["results"]] == [200, 422, 200]
    for before, after in zip(first.get_json()["results"], again.get_json()["results"],
                             strict=True):
        assert before.get("id") == after.get("id")
        assert before.get("receipt") == after.get("receipt")
    assert count(database, Report) == 2

    # The invalid report fixed and sent again under the same key is stored now; another
    # report at a stored position is a conflict for that position only.
    fixed = [report(narrative="A different report."), report(), items[2]]
    third = post_batch(client, secret, fixed, **{"Idempotency-Key": "upload-2024-03"})
    statuses = [r["status"] for r in third.get_json()["results"]]
    assert statuses == [409, 201, 200]
    assert third.get_json()["results"][0]["problem"]["type"].endswith("/idempotency-conflict")
    assert count(database, Report) == 3


def test_a_large_retried_batch_finds_every_stored_position(client, make_token, database):
    # The stored keys are looked up at once, 500 to a query: positions on both sides of
    # that boundary must replay, and another state's identical key must not count.
    secret, other = make_token("IDN"), make_token("MYS")
    items = [report(narrative=f"Boat {n}.") for n in range(503)]
    items[501] = unbalanced()
    assert post_batch(client, other, items[:3], **{"Idempotency-Key": "big"}) \
        .status_code == 200
    first = post_batch(client, secret, items, **{"Idempotency-Key": "big"}).get_json()
    assert (first["accepted"], first["rejected"]) == (502, 1)
    items[501] = report(narrative="Boat 501, fixed.")
    items[502] = report(narrative="Not the report first sent at 502.")
    again = post_batch(client, secret, items, **{"Idempotency-Key": "big"}).get_json()
    statuses = [r["status"] for r in again["results"]]
    assert statuses == [200] * 501 + [201, 409]
    assert [r["id"] for r in again["results"][:501]] == \
        [r["id"] for r in first["results"][:501]]
    assert count(database, Report) == 3 + 503


def test_batch_positions_do_not_share_keys_with_single_submissions(client, make_token, database):
    secret = make_token("IDN")
    single = client.post("/api/v1/reports", json=report(narrative="Single."),
                         headers={**bearer(secret), "Idempotency-Key": "k"})
    assert single.status_code == 201
    batched = post_batch(client, secret, [report()], **{"Idempotency-Key": "k"})
    assert [r["status"] for r in batched.get_json()["results"]] == [201]
    assert count(database, Report) == 2


def test_concurrent_retries_of_one_batch_store_it_once(app, make_token, database):
    secret = make_token("IDN")
    items = [report(narrative=f"Boat {n}.") for n in range(6)]

    def send(_n: int) -> list[dict]:
        with app.test_client() as client:
            response = post_batch(client, secret, items, **{"Idempotency-Key": "retry-storm"})
            assert response.status_code == 200, response.get_json()
            return response.get_json()["results"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(send, range(4)))
    ids = [[r["id"] for r in results] for results in answers]
    assert all(these == ids[0] for these in ids)
    assert all(r["status"] in (200, 201) for results in answers for r in results)
    assert sum(r["status"] == 201 for results in answers for r in results) == 6
    assert count(database, Report) == count(database, LogLeaf) == 6


@pytest.mark.parametrize(("document", "path"), [
    pytest.param({"reports": []}, "reports", id="empty"),
    pytest.param({"reports": [{}] * 1001}, "reports", id="over-1000"),
    pytest.param({"reports": report()}, "reports", id="not-a-list"),
    # Unknown keys are named by position (the test client sends keys sorted).
    pytest.param({"reports": [report()], "dry_run": True}, "<unknown field 1>",
                 id="unknown-field"),
    pytest.param({}, "reports", id="missing"),
    pytest.param([report()], "body", id="not-an-object"),
])
def test_a_malformed_batch_is_one_422_and_stores_nothing(client, make_token, database,
                                                         document, path):
    secret = make_token("IDN")
    response = client.post(BATCH, json=document, headers=bearer(secret))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert path in response.get_json()["errors"]
    assert count(database, Report) == 0


def test_a_batch_may_be_larger_than_one_report_but_not_than_its_own_limit(app, client,
                                                                         make_token, database):
    secret = make_token("IDN")
    single_limit = app.config["MAX_CONTENT_LENGTH"]
    items = [report(narrative=f"Boat {n} intercepted at dawn.") for n in range(60)]
    assert len(json.dumps({"reports": items})) > single_limit
    response = post_batch(client, secret, items)
    assert response.status_code == 200
    assert response.get_json()["accepted"] == 60

    batch_limit = app.config["VRS_SETTINGS"].max_batch_bytes
    padding = json.dumps({"reports": [report(narrative="x" * 100)] * 10}).replace(
        "x" * 100, "x" * (batch_limit // 10), 10)
    too_big = client.post(BATCH, data=padding, content_type="application/json",
                          headers=bearer(secret))
    assert too_big.status_code == 413
    assert str(batch_limit) in too_big.get_json()["detail"]
    assert count(database, Report) == 60


def test_batch_headers_and_roles_are_checked(client, make_token, database):
    reporter = make_token("IDN")
    signed = post_batch(client, reporter, [report()], **{"State-Signature": "00ab:AAAA"})
    assert signed.status_code == 422
    assert "State-Signature" in signed.get_json()["errors"]
    long_key = post_batch(client, reporter, [report()], **{"Idempotency-Key": "k" * 251})
    assert long_key.status_code == 422
    analyst = make_token("IDN", "analyst")
    assert post_batch(client, analyst, [report()]).status_code == 403
    assert client.post(BATCH, json={"reports": [report()]}).status_code == 401
    assert count(database, Report) == 0
