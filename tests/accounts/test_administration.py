"""A state admin manages its own state's users and API tokens, and no other state's."""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.factories import submit


@pytest.fixture
def admin(make_token):
    make_token("MYS", "state_admin")
    return make_token("IDN", "state_admin")


def test_users_are_added_listed_and_disabled_and_disabling_ends_their_logins(client, admin):
    added = client.post("/api/v1/users", headers=bearer(admin),
                        json={"email": "Officer@Example.org", "role": "reporter",
                              "password": "a long enough passphrase"})
    assert added.status_code == 201, added.get_json()
    user = added.get_json()
    assert (user["email"], user["role"], user["state"], user["active"]) == (
        "officer@example.org", "reporter", "IDN", True)
    listed = client.get("/api/v1/users", headers=bearer(admin)).get_json()
    assert [u["email"] for u in listed] == ["officer@example.org"]
    login = client.post("/api/v1/auth/login", json={"email": "officer@example.org",
                                                    "password": "a long enough passphrase"})
    token = login.get_json()["token"]
    assert submit(client, token).status_code == 201
    disabled = client.patch(f"/api/v1/users/{user['id']}", json={"active": False},
                            headers=bearer(admin))
    assert disabled.get_json()["active"] is False
    assert submit(client, token).status_code == 401
    again = client.post("/api/v1/auth/login", json={"email": "officer@example.org",
                                                    "password": "a long enough passphrase"})
    assert again.status_code == 401


def test_a_role_change_ends_the_users_logins(client, admin):
    user = client.post("/api/v1/users", headers=bearer(admin),
                       json={"email": "analyst@example.org", "role": "reporter",
                             "password": "another long passphrase"}).get_json()
    token = client.post("/api/v1/auth/login", json={
        "email": "analyst@example.org", "password": "another long passphrase"}).get_json()["token"]
    changed = client.patch(f"/api/v1/users/{user['id']}", json={"role": "analyst"},
                           headers=bearer(admin))
    assert changed.get_json()["role"] == "analyst"
    assert client.get("/api/v1/reports", headers=bearer(token)).status_code == 401


def test_tokens_are_issued_listed_without_secrets_and_revoked(client, admin):
    issued = client.post("/api/v1/tokens", headers=bearer(admin),
                         json={"role": "reporter", "label": "case system",
                               "scopes": ["reports:write", "reports:read"],
                               "expires_in_days": 30})
    assert issued.status_code == 201, issued.get_json()
    body = issued.get_json()
    secret = body["token"]
    assert body["scopes"] == ["reports:read", "reports:write"]
    assert submit(client, secret).status_code == 201
    listed = client.get("/api/v1/tokens", headers=bearer(admin))
    assert secret not in listed.get_data(as_text=True)
    assert body["id"] in [t["id"] for t in listed.get_json()]
    revoked = client.delete(f"/api/v1/tokens/{body['id']}", headers=bearer(admin))
    assert revoked.status_code == 200
    assert revoked.get_json()["revoked_at"]
    assert submit(client, secret).status_code == 401


def test_another_states_users_and_tokens_do_not_exist_for_an_admin(client, admin, make_token):
    other = make_token("MYS", "state_admin")
    mys_user = client.post("/api/v1/users", headers=bearer(other),
                           json={"email": "mys@example.org", "role": "analyst"}).get_json()
    mys_token = client.post("/api/v1/tokens", headers=bearer(other),
                            json={"role": "analyst"}).get_json()
    assert "mys@example.org" not in client.get("/api/v1/users",
                                               headers=bearer(admin)).get_data(as_text=True)
    assert mys_token["id"] not in [t["id"] for t in client.get(
        "/api/v1/tokens", headers=bearer(admin)).get_json()]
    assert client.patch(f"/api/v1/users/{mys_user['id']}", json={"active": False},
                        headers=bearer(admin)).status_code == 404
    assert client.delete(f"/api/v1/tokens/{mys_token['id']}",
                         headers=bearer(admin)).status_code == 404
    assert submit(client, mys_token["token"]).status_code == 403  # analysts do not write


def test_a_state_admin_cannot_make_a_secretariat_user_or_token(client, admin):
    for path, body in (("/api/v1/users", {"email": "s@example.org", "role": "secretariat"}),
                       ("/api/v1/tokens", {"role": "secretariat"})):
        response = client.post(path, json=body, headers=bearer(admin))
        assert response.status_code == 422
