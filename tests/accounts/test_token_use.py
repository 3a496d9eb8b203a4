"""API tokens: last use (time and client address) shown in lists and written at most once
a minute, after the answer; tokens limited to IP networks; read-only tokens."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text, update

from reporting.accounts.models import ApiToken
from reporting.db import get_database, utcnow
from tests.conftest import bearer
from tests.factories import report
from tests.test_authorization_matrix import MATRIX


def _from(address: str) -> dict[str, dict[str, str]]:
    return {"environ_base": {"REMOTE_ADDR": address}}


def _issue(client, admin: str, **fields) -> dict:
    response = client.post("/api/v1/tokens", headers=bearer(admin),
                           json={"role": "reporter", **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _listed(client, admin: str, token_id: str) -> dict:
    response = client.get("/api/v1/tokens", headers=bearer(admin))
    assert response.status_code == 200
    assert not any("token" in row for row in response.get_json())
    return next(row for row in response.get_json() if row["id"] == token_id)


def test_token_list_shows_when_and_from_where_a_token_was_last_used(client, make_token):
    admin = make_token("IDN", "state_admin")
    issued = _issue(client, admin, label="case system")
    assert _listed(client, admin, issued["id"])["last_used_at"] is None

    with client.get("/api/v1/reports", headers=bearer(issued["token"]),
                    **_from("198.51.100.7")) as used:
        assert used.status_code == 200

    shown = _listed(client, admin, issued["id"])
    assert shown["last_used_ip"] == "198.51.100.7"
    assert shown["last_used_at"] is not None
    assert issued["token"] not in str(shown)


def test_last_use_is_written_at_most_once_a_minute(client, make_token):
    admin = make_token("IDN", "state_admin")
    issued = _issue(client, admin)
    with client.post("/api/v1/reports", json=report(), headers=bearer(issued["token"]),
                     **_from("198.51.100.7")) as first:
        assert first.status_code == 201
    recorded = _listed(client, admin, issued["id"])

    for address in ("203.0.113.1", "203.0.113.2"):
        with client.post("/api/v1/reports", json=report(), headers=bearer(issued["token"]),
                         **_from(address)) as again:
            assert again.status_code == 201

    # Within the minute, the later writes did not write the token's row again.
    assert _listed(client, admin, issued["id"]) == recorded


def test_a_use_after_a_minute_is_recorded_again(client, make_token, database):
    admin = make_token("IDN", "state_admin")
    issued = _issue(client, admin)
    with client.get("/api/v1/reports", headers=bearer(issued["token"]),
                    **_from("198.51.100.7")):
        pass
    with database.session() as session:  # as if that use was two minutes ago
        session.execute(update(ApiToken).where(ApiToken.id == issued["id"]).values(
            last_used_at=utcnow().replace(microsecond=0) - _minutes(2)))
    with client.get("/api/v1/reports", headers=bearer(issued["token"]),
                    **_from("203.0.113.9")):
        pass
    assert _listed(client, admin, issued["id"])["last_used_ip"] == "203.0.113.9"


def _minutes(count: int):
    from datetime import timedelta

    return timedelta(minutes=count)


def test_a_failure_to_record_the_use_is_logged_and_the_request_stands(
        app_with, database, make_token, caplog):
    # Recording waits at most a second for a lock, then fails; a second connection holds
    # the token's row (PostgreSQL) or the write lock (SQLite) meanwhile.
    app = app_with(db_lock_timeout=1)
    client = app.test_client()
    admin = make_token("IDN", "state_admin")
    issued = _issue(client, admin)
    response = client.get("/api/v1/reports", headers=bearer(issued["token"]))
    assert response.status_code == 200
    engine = get_database(app).engine
    with caplog.at_level(logging.WARNING, logger="reporting.accounts.auth"), \
            engine.connect() as blocker:
        blocker.execute(text("SELECT 1 FROM api_tokens WHERE id = :id FOR UPDATE"
                             if engine.dialect.name == "postgresql"
                             else "UPDATE api_tokens SET label = label WHERE id = :id"),
                        {"id": issued["id"]})
        response.close()
        blocker.rollback()
    assert response.get_json()["items"] == []
    assert f"could not record the use of token {issued['id']}" in caplog.text
    assert issued["token"] not in caplog.text
    assert _listed(client, admin, issued["id"])["last_used_at"] is None


# ---- tokens limited to networks ------------------------------------------------------


def test_a_token_is_accepted_from_inside_its_networks(client, make_token):
    secret = make_token("IDN", allowed_networks=["198.51.100.0/24", "2001:db8::/32"])
    for address in ("198.51.100.200", "2001:db8::7", "::ffff:198.51.100.1"):
        with client.get("/api/v1/reports", headers=bearer(secret), **_from(address)) as ok:
            assert ok.status_code == 200, address


def test_a_token_used_from_outside_its_networks_is_401_invalid_token(client, make_token):
    secret = make_token("IDN", allowed_networks=["198.51.100.0/24"])
    response = client.post("/api/v1/reports", json=report(), headers=bearer(secret),
                           **_from("203.0.113.5"))
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert "203.0.113.5" not in response.get_data(as_text=True)


def test_networks_are_validated_when_a_token_is_issued(client, make_token):
    admin = make_token("IDN", "state_admin")
    for bad in ("10.0.0.1/8", "not-a-network", "10.0.0.0/33"):
        response = client.post("/api/v1/tokens", headers=bearer(admin),
                               json={"role": "reporter", "allowed_networks": [bad]})
        assert response.status_code == 422, bad
        assert response.mimetype == "application/problem+json"
    issued = _issue(client, admin, allowed_networks=["10.1.0.0/16", "2001:DB8::/32"])
    assert issued["allowed_networks"] == ["10.1.0.0/16", "2001:db8::/32"]
    assert _listed(client, admin, issued["id"])["allowed_networks"] == [
        "10.1.0.0/16", "2001:db8::/32"]


def test_forwarded_for_counts_only_behind_trusted_proxies(client, app_with, make_token):
    secret = make_token("IDN", allowed_networks=["198.51.100.0/24"])
    claim = {"X-Forwarded-For": "198.51.100.9", **bearer(secret)}
    # No trusted proxy: the header is the client's own claim, and the connection's
    # address (10.0.0.1) is outside.
    assert client.get("/api/v1/reports", headers=claim,
                      **_from("10.0.0.1")).status_code == 401
    behind_proxy = app_with(trusted_proxies=1).test_client()
    with behind_proxy.get("/api/v1/reports", headers=claim, **_from("10.0.0.1")) as ok:
        assert ok.status_code == 200


# ---- read-only tokens ------------------------------------------------------------------

WRITES = sorted(route for route in MATRIX if route[0] in {"POST", "PATCH", "PUT", "DELETE"}
                and route[1] != "/api/v1/auth/login")


@pytest.mark.parametrize("route", WRITES, ids=lambda r: f"{r[0]} {r[1]}")
def test_a_read_only_token_is_refused_every_write(route):
    # The matrix test calls each route as the read-only token and asserts these.
    expected = MATRIX[route][1]
    assert all(by_caller["read_only"] == 403 for by_caller in expected.values())
