"""The secretariat's administration (issue 14 item 1): member states added, suspended
and reinstated, a state's first state admin, named groups and their members."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from reporting.cli import main
from reporting.outbox import OutboxMessage
from tests.conftest import bearer
from tests.factories import approve, report, submit_ok

PASSWORD = "correct horse battery staple"


@pytest.fixture
def secretariat(make_token):
    return make_token(None, "secretariat")


def login(client, email, password=PASSWORD):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def test_the_secretariat_admits_a_state_and_creates_its_first_state_admin(client,
                                                                          secretariat):
    added = client.post("/api/v1/states", json={"iso3": "fra", "default_sharing": "region"},
                        headers=bearer(secretariat))
    assert added.status_code == 201, added.get_json()
    assert {k: added.get_json()[k] for k in ("iso3", "default_sharing", "auto_approve",
                                              "suspended_at")} == {
        "iso3": "FRA", "default_sharing": "region", "auto_approve": False,
        "suspended_at": None}
    listed = client.get("/api/v1/states", headers=bearer(secretariat)).get_json()
    assert "FRA" in {state["iso3"] for state in listed}
    again = client.post("/api/v1/states", json={"iso3": "FRA"}, headers=bearer(secretariat))
    assert (again.status_code, again.get_json()["type"].split("/")[-1]) == (
        409, "member-state-exists")
    admin = client.post("/api/v1/users", headers=bearer(secretariat), json={
        "email": "admin@fra.example", "role": "state_admin", "state": "FRA",
        "password": PASSWORD})
    assert admin.status_code == 201, admin.get_json()
    assert (admin.get_json()["state"], admin.get_json()["role"]) == ("FRA", "state_admin")
    # The new admin logs in and runs the state from there.
    token = login(client, "admin@fra.example").get_json()["token"]
    reporter = client.post("/api/v1/users", headers=bearer(token), json={
        "email": "reporter@fra.example", "role": "reporter"})
    assert (reporter.status_code, reporter.get_json()["state"]) == (201, "FRA")


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"email": "a@fra.example", "role": "state_admin"}, 422, "state"),
    ({"email": "a@fra.example", "role": "reporter", "state": "FRA"}, 422, "role"),
    ({"email": "a@deu.example", "role": "state_admin", "state": "DEU"}, 404, None),
])
def test_the_secretariat_creates_only_a_member_states_admin(client, secretariat, make_token,
                                                            body, status, field):
    make_token("FRA", "state_admin")
    response = client.post("/api/v1/users", headers=bearer(secretariat), json=body)
    assert response.status_code == status
    if field:
        assert field in response.get_json()["errors"]


def test_a_state_admin_adds_users_to_its_own_state_only(client, make_token):
    admin = make_token("IDN", "state_admin")
    make_token("MYS")
    response = client.post("/api/v1/users", headers=bearer(admin), json={
        "email": "x@mys.example", "role": "reporter", "state": "MYS"})
    assert response.status_code == 403


def test_the_secretariat_admits_only_countries(client, secretariat, make_token):
    assert client.post("/api/v1/states", json={"iso3": "XXX"},
                       headers=bearer(secretariat)).status_code == 422
    assert client.post("/api/v1/states", json={"iso3": "FRA"},
                       headers=bearer(make_token("IDN", "state_admin"))).status_code == 403


def test_suspension_stops_a_states_tokens_and_logins_at_once_and_reinstatement_restores(
        client, database, secretariat, make_token):
    reporter = make_token("IDN", "reporter")
    admin = make_token("IDN", "state_admin")
    neighbour = make_token("MYS", "reporter")
    client.post("/api/v1/users", headers=bearer(admin), json={
        "email": "analyst@idn.example", "role": "analyst", "password": PASSWORD})
    stored = submit_ok(client, admin, report(sharing="all_members"))
    approve(client, admin, stored["id"])
    session_token = login(client, "analyst@idn.example").get_json()["token"]

    suspended = client.post("/api/v1/states/IDN/suspend", headers=bearer(secretariat))
    assert suspended.status_code == 200
    assert suspended.get_json()["suspended_at"] is not None
    for secret in (reporter, admin, session_token):
        refused = client.get("/api/v1/reports", headers=bearer(secret))
        assert refused.status_code == 401
        assert refused.mimetype == "application/problem+json"
    assert client.post("/api/v1/reports", json=report(),
                       headers=bearer(reporter)).status_code == 401
    wrong = login(client, "analyst@idn.example", "not the password at all")
    blocked = login(client, "analyst@idn.example")
    assert blocked.status_code == wrong.status_code == 401
    assert blocked.get_json()["detail"] == wrong.get_json()["detail"]
    # Another state is not affected, and the suspended state's data stays.
    assert client.get("/api/v1/reports", headers=bearer(neighbour)).status_code == 200
    analyst = make_token("DEU", "analyst")
    assert client.get(f"/api/v1/reports/{stored['id']}",
                      headers=bearer(analyst)).status_code == 200

    reinstated = client.post("/api/v1/states/IDN/reinstate", headers=bearer(secretariat))
    assert (reinstated.status_code, reinstated.get_json()["suspended_at"]) == (200, None)
    for secret in (reporter, admin, session_token):
        assert client.get("/api/v1/reports", headers=bearer(secret)).status_code == 200
    assert login(client, "analyst@idn.example").status_code == 201
    assert client.get(f"/api/v1/reports/{stored['id']}",
                      headers=bearer(admin)).status_code == 200


def test_only_a_member_state_is_suspended(client, secretariat, make_token):
    assert client.post("/api/v1/states/FRA/suspend",
                       headers=bearer(secretariat)).status_code == 404
    make_token("IDN")
    assert client.post("/api/v1/states/IDN/suspend",
                       headers=bearer(make_token("IDN", "state_admin"))).status_code == 403


def directory_messages(database):
    with database.session() as session:
        return [json.loads(m.payload) for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == "directory.changed")
            .order_by(OutboxMessage.id))]


def test_the_secretariat_creates_a_group_and_manages_its_members(client, database,
                                                                  secretariat):
    created = client.post("/api/v1/regions", json={"code": "asean-plus",
                                                   "name": "ASEAN Plus"},
                          headers=bearer(secretariat))
    assert created.status_code == 201, created.get_json()
    assert created.get_json() == {"code": "asean-plus", "name": "ASEAN Plus",
                                  "kind": "group", "members": [], "member_states": []}
    path = "/api/v1/regions/asean-plus/members"
    for iso3 in ("IDN", "jpn"):
        added = client.put(f"{path}/{iso3}", headers=bearer(secretariat))
        assert added.status_code == 200, added.get_json()
    assert added.get_json()["members"] == ["IDN", "JPN"]
    # Adding a member twice changes nothing and asks for no refresh.
    assert client.put(f"{path}/IDN", headers=bearer(secretariat)).status_code == 200
    removed = client.delete(f"{path}/JPN", headers=bearer(secretariat))
    assert removed.get_json()["members"] == ["IDN"]
    listed = {r["code"]: r for r in client.get("/api/v1/regions",
                                               headers=bearer(secretariat)).get_json()}
    assert listed["asean-plus"]["members"] == ["IDN"]
    assert directory_messages(database) == [
        {"region": "asean-plus", "state": "IDN", "event": "member_added"},
        {"region": "asean-plus", "state": "JPN", "event": "member_added"},
        {"region": "asean-plus", "state": "JPN", "event": "member_removed"}]


@pytest.mark.parametrize(("method", "path", "status", "problem"), [
    ("PUT", "/api/v1/regions/035/members/DEU", 409, "region-not-editable"),
    ("DELETE", "/api/v1/regions/035/members/IDN", 409, "region-not-editable"),
    ("PUT", "/api/v1/regions/no-such-group/members/IDN", 404, None),
    ("PUT", "/api/v1/regions/bali-process/members/XXX", 422, "unknown-country"),
])
def test_m49_regions_and_unknown_codes_are_refused(client, database, secretariat, method,
                                                    path, status, problem):
    response = client.open(path, method=method, headers=bearer(secretariat))
    assert response.status_code == status
    if problem:
        assert response.get_json()["type"].endswith(f"/{problem}")
    assert directory_messages(database) == []


@pytest.mark.parametrize(("body", "status"), [
    ({"code": "035", "name": "South-eastern Asia again"}, 422),
    ({"code": "bali-process", "name": "Bali Process again"}, 409),
    ({"code": "Upper-Case", "name": "Refused"}, 422),
    ({"code": "ok-code", "name": ""}, 422),
])
def test_a_group_code_is_a_new_slug(client, database, secretariat, body, status):
    assert client.post("/api/v1/regions", json=body,
                       headers=bearer(secretariat)).status_code == status


def test_a_groups_members_read_what_is_shared_with_the_group(client, secretariat,
                                                             make_token):
    """Region sharing reaches every group the reporting state belongs to: a new group
    widens it at once, and removing a member narrows it."""
    admin = make_token("IDN", "state_admin")
    stored = submit_ok(client, admin, report(sharing="region"))
    approve(client, admin, stored["id"])
    far = make_token("DEU", "analyst")
    path = f"/api/v1/reports/{stored['id']}"
    assert client.get(path, headers=bearer(far)).status_code == 404
    client.post("/api/v1/regions", json={"code": "idn-deu", "name": "IDN and DEU"},
                headers=bearer(secretariat))
    for iso3 in ("IDN", "DEU"):
        client.put(f"/api/v1/regions/idn-deu/members/{iso3}", headers=bearer(secretariat))
    assert client.get(path, headers=bearer(far)).status_code == 200
    client.delete("/api/v1/regions/idn-deu/members/DEU", headers=bearer(secretariat))
    assert client.get(path, headers=bearer(far)).status_code == 404


def test_the_operator_suspends_states_and_manages_groups_from_the_cli(
        client, database, make_token, database_url, tmp_path):
    reporter = make_token("IDN")

    def vrs(*args):
        return CliRunner().invoke(main, ["--data-dir", str(tmp_path), "--database-url",
                                         database_url, *args])

    suspended = vrs("states", "suspend", "idn")
    assert suspended.exit_code == 0, suspended.output
    assert suspended.output.startswith("IDN suspended since ")
    assert client.get("/api/v1/reports", headers=bearer(reporter)).status_code == 401
    assert vrs("states", "reinstate", "IDN").output == "IDN takes part\n"
    assert client.get("/api/v1/reports", headers=bearer(reporter)).status_code == 200
    assert vrs("groups", "create", "asean-plus", "ASEAN Plus").output == "created asean-plus\n"
    assert vrs("groups", "add", "asean-plus", "IDN", "JPN").output == "asean-plus: IDN JPN\n"
    assert vrs("groups", "remove", "asean-plus", "JPN").output == "asean-plus: IDN\n"
    refused = vrs("groups", "add", "035", "DEU")
    assert refused.exit_code == 1
    assert refused.output.startswith("error: 035 is a UN M49 sub region")
    assert len(directory_messages(database)) == 3
    unknown = vrs("states", "suspend", "FRA")
    assert unknown.output == "error: FRA is not a member state of this installation\n"


def test_the_state_list_shows_suspension_to_the_secretariat_only(client, secretariat,
                                                                   make_token):
    analyst = make_token("MYS", "analyst")
    make_token("IDN")
    assert client.post("/api/v1/states/IDN/suspend",
                       headers=bearer(secretariat)).status_code == 200

    def listed(secret):
        states = client.get("/api/v1/states", headers=bearer(secret)).get_json()
        return {state["iso3"]: state for state in states}

    seen = listed(secretariat)
    assert seen["IDN"]["suspended_at"] is not None
    assert seen["MYS"]["suspended_at"] is None
    assert {"auto_approve", "joined_at"} <= seen["MYS"].keys()
    assert not {"suspended_at", "auto_approve", "joined_at"} & listed(analyst)["IDN"].keys()
