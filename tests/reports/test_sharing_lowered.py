"""The owning state lowers a report's sharing level: others stop reading it at once."""

from __future__ import annotations

import json

from tests.conftest import bearer
from tests.factories import report, submit_approved, submit_ok


def lower(client, secret, report_id, level):
    return client.post(f"/api/v1/reports/{report_id}/sharing", json={"sharing": level},
                       headers=bearer(secret))


def test_lowering_takes_effect_at_once_and_is_logged(client, make_token):
    idn = make_token("IDN", "state_admin")
    neighbour = make_token("MYS", "analyst")
    stored = submit_approved(client, idn, report(sharing="all_members"))
    path = f"/api/v1/reports/{stored['id']}"
    assert client.get(path, headers=bearer(neighbour)).status_code == 200
    response = lower(client, idn, stored["id"], "national")
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["sharing"] == "national"
    assert (answer["receipt"]["event"], answer["receipt"]["sharing"]) == (
        "sharing_lowered", "national")
    assert client.get(path, headers=bearer(neighbour)).status_code == 404
    listed = client.get("/api/v1/reports", headers=bearer(neighbour)).get_json()["items"]
    assert stored["id"] not in [item["id"] for item in listed]
    # The receipt is in the log, readable by its own state.
    entries = client.get("/api/v1/log/entries?start=0", headers=bearer(idn)).get_json()
    logged = [json.loads(e["entry"]) for e in entries["entries"] if "entry" in e]
    assert answer["receipt"] in logged


def test_raising_or_keeping_the_level_is_refused(client, make_token):
    idn = make_token("IDN")
    stored = submit_ok(client, idn, report(sharing="region"))
    for level in ("region", "all_members"):
        response = client.post(f"/api/v1/reports/{stored['id']}/sharing",
                               json={"sharing": level}, headers=bearer(idn))
        assert response.status_code in (409, 422)
    assert lower(client, idn, stored["id"], "region").get_json()["type"].endswith(
        "/sharing-not-lowered")


def test_only_the_owning_states_writers_lower(client, make_token):
    stored = submit_ok(client, make_token("IDN"), report(sharing="all_members"))
    assert lower(client, make_token("MYS"), stored["id"], "national").status_code == 404
    assert lower(client, make_token("IDN", "analyst"), stored["id"],
                 "national").status_code == 403
