"""The report endpoints over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from reporting.ledger.canonical import canonical_bytes, sha256_hex
from reporting.reports.models import Report, ReportVersion
from tests.conftest import bearer
from tests.factories import report, submit

PROBLEM = "application/problem+json"


def count_rows(database, model) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


# ---- submission -------------------------------------------------------------------------


def test_submitted_report_gets_id_version_status_and_receipt(client, make_token):
    secret = make_token("IDN")
    response = submit(client, secret)
    assert response.status_code == 201
    body = response.get_json()
    assert body["version"] == 1
    assert body["status"] == "submitted"
    receipt = body["receipt"]
    assert receipt["report_id"] == body["id"]
    assert receipt["state"] == "IDN"
    assert receipt["received_at"].endswith("Z")


def test_content_hash_is_sha256_of_rfc8785_canonical_body(client, make_token):
    secret = make_token("IDN")
    created = submit(client, secret).get_json()
    stored = client.get(f"/api/v1/reports/{created['id']}", headers=bearer(secret)).get_json()
    assert stored["content_sha256"] == sha256_hex(canonical_bytes(stored["report"]))
    assert created["receipt"]["content_sha256"] == stored["content_sha256"]


def test_missing_sharing_takes_the_states_default(client, make_token):
    body = report()
    del body["sharing"]
    secret = make_token("IDN", default_sharing="region")
    created = submit(client, secret, body).get_json()
    stored = client.get(f"/api/v1/reports/{created['id']}", headers=bearer(secret)).get_json()
    assert stored["sharing"] == "region"
    assert stored["report"]["sharing"] == "region"


def test_set_valued_fields_are_stored_sorted(client, make_token):
    secret = make_token("IDN")
    body = report(modus_operandi=["other", "corruption_of_officials", "maritime_transfer"])
    created = submit(client, secret, body).get_json()
    stored = client.get(f"/api/v1/reports/{created['id']}", headers=bearer(secret)).get_json()
    assert stored["report"]["modus_operandi"] == [
        "corruption_of_officials", "maritime_transfer", "other"]


def test_invalid_report_is_rejected_and_nothing_is_stored(client, make_token, database):
    secret = make_token("IDN")
    response = submit(client, secret, report(**{"smuggled_migrants.girls": 5}))
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    problem = response.get_json()
    assert problem["type"].endswith("/validation-error")
    assert "smuggled_migrants.total" in problem["errors"]
    assert count_rows(database, Report) == 0
    assert count_rows(database, ReportVersion) == 0


def test_personal_data_is_rejected_with_field_kind_and_offsets_not_echoed(client, make_token,
                                                                          database):
    secret = make_token("IDN")
    narrative = "Organiser can be reached on +62 812 3456 7890 according to the crew."
    response = submit(client, secret, report(narrative=narrative))
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["type"].endswith("/personal-data")
    (message,) = problem["errors"]["narrative"]
    assert "phone_number" in message
    start = narrative.index("+62")
    assert f"{start}-" in message
    assert "812" not in response.get_data(as_text=True)
    assert count_rows(database, Report) == 0


def test_personal_data_in_admin_area_is_rejected(client, make_token):
    secret = make_token("IDN")
    response = submit(client, secret, report(**{"incident.admin_area": "dob 12/05/1990"}))
    assert response.status_code == 422
    assert "incident.admin_area" in response.get_json()["errors"]


# ---- idempotency ------------------------------------------------------------------------


def test_replay_with_same_key_and_body_returns_the_same_report(client, make_token, database):
    secret = make_token("IDN")
    first = submit(client, secret, **{"Idempotency-Key": "case-2024-0001"})
    again = submit(client, secret, **{"Idempotency-Key": "case-2024-0001"})
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    assert count_rows(database, Report) == 1


def test_replay_ignores_key_order_and_whitespace(client, make_token):
    secret = make_token("IDN")
    body = report()
    first = client.post("/api/v1/reports", data=json.dumps(body),
                        headers={**bearer(secret), "Idempotency-Key": "k1",
                                 "Content-Type": "application/json"})
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)
    again = client.post("/api/v1/reports", data=reordered,
                        headers={**bearer(secret), "Idempotency-Key": "k1",
                                 "Content-Type": "application/json"})
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]


def test_same_key_with_another_body_is_a_conflict(client, make_token, database):
    secret = make_token("IDN")
    submit(client, secret, **{"Idempotency-Key": "case-7"})
    response = submit(client, secret, report(**{"harm.injured": 3}),
                      **{"Idempotency-Key": "case-7"})
    assert response.status_code == 409
    assert response.mimetype == PROBLEM
    assert response.get_json()["type"].endswith("/idempotency-conflict")
    assert count_rows(database, Report) == 1


def test_idempotency_keys_belong_to_one_state(client, make_token, database):
    idn, mys = make_token("IDN"), make_token("MYS")
    first = submit(client, idn, **{"Idempotency-Key": "shared-key"})
    second = submit(client, mys, **{"Idempotency-Key": "shared-key"})
    assert second.status_code == 201
    assert second.get_json()["id"] != first.get_json()["id"]


def test_malformed_idempotency_key_is_rejected(client, make_token, database):
    secret = make_token("IDN")
    response = submit(client, secret, **{"Idempotency-Key": "x" * 300})
    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["errors"]
    assert count_rows(database, Report) == 0


# ---- amendment and withdrawal -----------------------------------------------------------


def test_amendment_creates_a_new_version_and_keeps_the_old(client, make_token):
    secret = make_token("IDN")
    report_id = submit(client, secret).get_json()["id"]
    amended = client.post(f"/api/v1/reports/{report_id}/versions",
                          json=report(**{"harm.injured": 4}), headers=bearer(secret))
    assert amended.status_code == 201
    assert amended.get_json()["version"] == 2
    current = client.get(f"/api/v1/reports/{report_id}", headers=bearer(secret)).get_json()
    assert current["version"] == 2
    assert current["report"]["harm"]["injured"] == 4
    versions = client.get(f"/api/v1/reports/{report_id}/versions",
                          headers=bearer(secret)).get_json()["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["report"]["harm"]["injured"] == 1
    assert versions[0]["content_sha256"] != versions[1]["content_sha256"]


def test_amendment_without_sharing_keeps_the_reports_level(client, make_token):
    secret = make_token("IDN")
    report_id = submit(client, secret, report(sharing="all_members")).get_json()["id"]
    body = report()
    del body["sharing"]
    client.post(f"/api/v1/reports/{report_id}/versions", json=body, headers=bearer(secret))
    current = client.get(f"/api/v1/reports/{report_id}", headers=bearer(secret)).get_json()
    assert current["sharing"] == "all_members"


def test_invalid_amendment_leaves_the_report_unchanged(client, make_token, database):
    secret = make_token("IDN")
    report_id = submit(client, secret).get_json()["id"]
    response = client.post(f"/api/v1/reports/{report_id}/versions",
                           json=report(**{"smugglers.arrested": 9}), headers=bearer(secret))
    assert response.status_code == 422
    assert "smugglers.arrested" in response.get_json()["errors"]
    assert count_rows(database, ReportVersion) == 1


def test_another_state_cannot_amend_or_withdraw(client, make_token, database):
    owner, other = make_token("IDN"), make_token("MYS")
    report_id = submit(client, owner, report(sharing="all_members")).get_json()["id"]
    amend = client.post(f"/api/v1/reports/{report_id}/versions", json=report(),
                        headers=bearer(other))
    withdraw = client.post(f"/api/v1/reports/{report_id}/withdraw", headers=bearer(other))
    assert (amend.status_code, withdraw.status_code) == (404, 404)
    assert count_rows(database, ReportVersion) == 1


def test_withdrawal_marks_the_report_and_keeps_its_versions(client, make_token):
    secret = make_token("IDN")
    report_id = submit(client, secret).get_json()["id"]
    response = client.post(f"/api/v1/reports/{report_id}/withdraw",
                           json={"reason": "Duplicate of an earlier submission"},
                           headers=bearer(secret))
    assert response.status_code == 200
    assert response.get_json()["status"] == "withdrawn"
    versions = client.get(f"/api/v1/reports/{report_id}/versions", headers=bearer(secret))
    assert versions.get_json()["status"] == "withdrawn"
    assert len(versions.get_json()["versions"]) == 1


def test_withdrawn_report_cannot_be_withdrawn_or_amended_again(client, make_token, database):
    secret = make_token("IDN")
    report_id = submit(client, secret).get_json()["id"]
    client.post(f"/api/v1/reports/{report_id}/withdraw", headers=bearer(secret))
    again = client.post(f"/api/v1/reports/{report_id}/withdraw", headers=bearer(secret))
    amend = client.post(f"/api/v1/reports/{report_id}/versions", json=report(),
                        headers=bearer(secret))
    assert (again.status_code, amend.status_code) == (409, 409)
    assert again.get_json()["type"].endswith("/lifecycle-conflict")
    assert count_rows(database, ReportVersion) == 1


def test_withdrawal_reason_is_screened_for_personal_data(client, make_token):
    secret = make_token("IDN")
    report_id = submit(client, secret).get_json()["id"]
    response = client.post(f"/api/v1/reports/{report_id}/withdraw",
                           json={"reason": "ask officer at j.smith@police.example.org"},
                           headers=bearer(secret))
    assert response.status_code == 422
    current = client.get(f"/api/v1/reports/{report_id}", headers=bearer(secret)).get_json()
    assert current["status"] == "submitted"


# ---- roles and scopes -------------------------------------------------------------------


def test_analyst_cannot_submit(client, make_token, database):
    response = submit(client, make_token("IDN", "analyst"))
    assert response.status_code == 403
    assert response.mimetype == PROBLEM
    assert count_rows(database, Report) == 0


def test_token_without_write_scope_cannot_submit(client, make_token, database):
    response = submit(client, make_token("IDN", scopes=["reports:read"]))
    assert response.status_code == 403
    assert response.get_json()["type"].endswith("/insufficient-scope")


def test_token_without_read_scope_cannot_read(client, make_token):
    writer = make_token("IDN")
    report_id = submit(client, writer).get_json()["id"]
    write_only = make_token("IDN", scopes=["reports:write"])
    response = client.get(f"/api/v1/reports/{report_id}", headers=bearer(write_only))
    assert response.status_code == 403


# ---- listing ----------------------------------------------------------------------------


def test_list_filters_by_period_mode_route_and_status(client, make_token):
    secret = make_token("IDN")
    sea = submit(client, secret).get_json()["id"]
    land = submit(client, secret, report(**{
        "incident.date": "2023-07-01", "incident.transport_mode": "land",
        "incident.conveyance": "truck", "route.origin_countries": ["MMR"],
        "route.intended_destination": "MYS",
        "smuggled_migrants.nationalities": [{"country": "MMR", "count": 20}]})).get_json()["id"]
    client.post(f"/api/v1/reports/{land}/withdraw", headers=bearer(secret))

    def ids(query: str) -> list[str]:
        response = client.get(f"/api/v1/reports?{query}", headers=bearer(secret))
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert ids("mode=sea") == [sea]
    assert ids("period=2023") == [land]
    assert ids("period=2024-Q1") == [sea]
    assert ids("period=2024-03") == [sea]
    assert ids("period=2024-04") == []
    assert ids("origin=AFG") == [sea]
    assert ids("origin=MMR&destination=MYS") == [land]
    assert ids("status=withdrawn") == [land]
    assert ids("state=IDN") == [land, sea]
    assert ids("state=MYS") == []


def test_cursor_pagination_visits_every_report_once(client, make_token):
    secret = make_token("IDN")
    created = {submit(client, secret).get_json()["id"] for _ in range(7)}
    seen: list[str] = []
    url = "/api/v1/reports?limit=3"
    pages = 0
    while url:
        page = client.get(url, headers=bearer(secret)).get_json()
        seen.extend(item["id"] for item in page["items"])
        pages += 1
        url = f"/api/v1/reports?limit=3&cursor={page['next_cursor']}" \
            if page["next_cursor"] else ""
    assert pages == 3
    assert sorted(seen) == sorted(created)
    assert len(seen) == len(set(seen))


def test_bad_list_parameters_are_rejected(client, make_token):
    secret = make_token("IDN")
    for query in ("limit=0", "limit=500", "period=2024-13", "period=24", "mode=boat",
                  "cursor=%%%", "cursor=bm90LWEtY3Vyc29y", "state=idn",
                  "cursor=cjk5OTk5OTk5OTk5OTk5OTk5OTk", "colour=blue", "cursor=", "=1"):
        response = client.get(f"/api/v1/reports?{query}", headers=bearer(secret))
        assert response.status_code == 422, query
        assert response.mimetype == PROBLEM
        # Keyed by the parameter's own name, an empty one included.
        assert list(response.get_json()["errors"]) == [query.partition("=")[0]], query

