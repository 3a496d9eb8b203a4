"""People log out, change their password (by the documented rules), and end their logins."""

from __future__ import annotations

import pytest

from tests.conftest import bearer

EMAIL = "officer@example.org"
PASSWORD = "correct horse battery"


@pytest.fixture
def login(client, make_token):
    admin = make_token("IDN", "state_admin")
    added = client.post("/api/v1/users", headers=bearer(admin),
                        json={"email": EMAIL, "role": "reporter", "password": PASSWORD})
    assert added.status_code == 201, added.get_json()

    def log_in(password: str = PASSWORD):
        response = client.post("/api/v1/auth/login", json={"email": EMAIL,
                                                           "password": password})
        return response.get_json().get("token") if response.status_code == 201 else None

    return log_in


def test_logout_ends_the_login_at_once(client, login):
    token = login()
    assert client.get("/api/v1/reports", headers=bearer(token)).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    assert client.get("/api/v1/reports", headers=bearer(token)).status_code == 401


def test_an_api_token_cannot_log_out(client, make_token):
    token = make_token("IDN")
    response = client.post("/api/v1/auth/logout", headers=bearer(token))
    assert response.status_code == 403
    assert client.get("/api/v1/reports", headers=bearer(token)).status_code == 200


def test_a_password_change_needs_the_current_one_and_ends_other_logins(client, login):
    here, elsewhere = login(), login()
    wrong = client.post("/api/v1/auth/password", headers=bearer(here),
                        json={"current_password": "not it", "new_password": "x" * 20 + "y"})
    assert wrong.status_code == 401
    changed = client.post("/api/v1/auth/password", headers=bearer(here),
                          json={"current_password": PASSWORD,
                                "new_password": "a new and longer passphrase"})
    assert changed.status_code == 204
    assert client.get("/api/v1/reports", headers=bearer(here)).status_code == 200
    assert client.get("/api/v1/reports", headers=bearer(elsewhere)).status_code == 401
    assert login() is None
    assert login("a new and longer passphrase") is not None


@pytest.mark.parametrize(("password", "rule"), [
    ("short pass", "at least 12 characters"),
    ("officer-2024-secret", "e-mail address"),
    ("aaaaaaaaaaaaaaaa", "one character repeated"),
    ("Password2026!", "too common"),
    ("p@ssw0rd123456", "too common"),
    ("qwertyuiopasdf", "too common"),
    ("987654321098", "too common"),
    ("abcabcabcabcabc", "too common"),
])
def test_new_passwords_follow_the_rules(client, login, password, rule):
    token = login()
    response = client.post("/api/v1/auth/password", headers=bearer(token),
                           json={"current_password": PASSWORD, "new_password": password})
    assert response.status_code == 422
    assert rule in response.get_json()["detail"]
    assert password not in response.get_data(as_text=True)
