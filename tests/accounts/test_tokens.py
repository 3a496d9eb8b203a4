"""Bearer tokens: hashing, expiry, revocation, and the 401s that go with them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from reporting.accounts.models import ApiToken
from reporting.accounts.service import create_user, hash_token, revoke_token
from tests.conftest import bearer
from tests.factories import report, submit


def test_missing_token_is_401_with_bearer_challenge(client, database):
    response = client.post("/api/v1/reports", json=report())
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_token_is_401(client, database):
    response = submit(client, "vrs_not-a-real-token")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_wrong_scheme_is_401(client, make_token):
    secret = make_token("IDN")
    response = client.get("/api/v1/reports", headers={"Authorization": f"Basic {secret}"})
    assert response.status_code == 401


def test_only_a_hash_of_the_token_is_stored(make_token, database):
    secret = make_token("IDN")
    with database.session() as session:
        stored = session.scalars(select(ApiToken)).one()
    assert stored.token_hash == hash_token(secret)
    assert secret not in (stored.token_hash, stored.prefix, stored.label or "")


def test_expired_token_is_refused(client, make_token, database):
    secret = make_token("IDN", expires_in=timedelta(days=1))
    assert submit(client, secret).status_code == 201
    with database.session() as session:
        token = session.scalars(select(ApiToken)).one()
        token.expires_at = token.created_at - timedelta(seconds=1)
    response = submit(client, secret)
    assert response.status_code == 401
    assert "expired" in response.get_json()["detail"]


def test_revoked_token_is_refused_at_once(client, make_token, database):
    secret = make_token("IDN")
    assert submit(client, secret).status_code == 201
    with database.session() as session:
        revoke_token(session, session.scalars(select(ApiToken.id)).one())
    response = submit(client, secret)
    assert response.status_code == 401
    assert "revoked" in response.get_json()["detail"]


def test_login_issues_a_short_lived_token_for_the_users_state(client, make_token, database):
    make_token("MYS")
    with database.session() as session:
        create_user(session, "Analyst@Example.org", "analyst", "MYS", "correct horse")
    response = client.post("/api/v1/auth/login",
                           json={"email": "analyst@example.org", "password": "correct horse"})
    assert response.status_code == 201
    issued = response.get_json()
    assert (issued["role"], issued["state"]) == ("analyst", "MYS")
    listed = client.get("/api/v1/reports", headers=bearer(issued["token"]))
    assert listed.status_code == 200
    denied = submit(client, issued["token"])
    assert denied.status_code == 403


def test_login_with_wrong_password_is_401_and_says_nothing_specific(client, make_token,
                                                                    database):
    make_token("MYS")
    with database.session() as session:
        create_user(session, "a@example.org", "analyst", "MYS", "right")
    wrong = client.post("/api/v1/auth/login", json={"email": "a@example.org", "password": "x"})
    unknown = client.post("/api/v1/auth/login",
                          json={"email": "nobody@example.org", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["detail"] == unknown.get_json()["detail"]


def test_passwords_are_stored_as_argon2_hashes(make_token, database):
    make_token("MYS")
    with database.session() as session:
        user = create_user(session, "b@example.org", "reporter", "MYS", "s3cret-pass")
        assert user.password_hash.startswith("$argon2id$")
        assert "s3cret-pass" not in user.password_hash


@pytest.mark.parametrize("email", ["a\x00@example.org", "\udbda@x.org", "a\x07b@c.d"])
def test_login_with_unstorable_text_is_422_not_a_database_error(client, database, email):
    # Found by schemathesis on PostgreSQL: NUL and lone surrogates cannot reach a query.
    response = client.post("/api/v1/auth/login", json={"email": email, "password": "x"})
    assert response.status_code == 422
    assert "email" in response.get_json()["errors"]
