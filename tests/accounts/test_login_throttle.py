"""Failed logins: backoff, then lockout, per account and per client address, answered
the same whether or not the e-mail address has an account."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from reporting.accounts.models import LoginThrottle
from reporting.accounts.service import create_user
from reporting.db import utcnow
from reporting.directory.service import add_member_states

EMAIL = "officer@example.org"
PASSWORD = "ferry manifest lantern"
UNKNOWN = "nobody-here@example.org"


@pytest.fixture
def officer(database):
    with database.session() as session:
        add_member_states(session, ["IDN"])
        create_user(session, EMAIL, "reporter", "IDN", PASSWORD)
    return EMAIL


def _login(client, email: str, password: str, address: str = "198.51.100.1"):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _throttled(response, most: int) -> None:
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"] == "/api/v1/problems/login-throttled"
    assert 1 <= int(response.headers["Retry-After"]) <= most


def test_failures_past_the_backoff_make_the_next_attempt_wait(app_with, officer):
    client = app_with(login_backoff_after=3, login_max_failures=10).test_client()
    for _ in range(2):
        assert _login(client, officer, "wrong guess").status_code == 401
    assert _login(client, officer, PASSWORD).status_code == 201  # under the backoff
    for _ in range(3):
        assert _login(client, officer, "wrong guess").status_code == 401
    # The third failure in a row: the next attempt waits a second, even with the right
    # password, which is not looked at.
    _throttled(_login(client, officer, PASSWORD), most=1)


def test_an_account_is_locked_out_after_repeated_failures(app_with, officer):
    client = app_with(login_backoff_after=100, login_max_failures=3,
                      login_lockout_minutes=15).test_client()
    for _ in range(3):
        assert _login(client, officer, "wrong guess").status_code == 401
    for address in ("198.51.100.1", "203.0.113.50"):  # the account, from any address
        _throttled(_login(client, officer, PASSWORD, address), most=900)


def test_a_lockout_ends_when_its_time_has_passed(app_with, officer, database):
    client = app_with(login_backoff_after=100, login_max_failures=3).test_client()
    for _ in range(3):
        _login(client, officer, "wrong guess")
    with database.session() as session:  # as if the lockout ended a second ago
        session.execute(update(LoginThrottle).values(
            locked_until=utcnow() - timedelta(seconds=1)))
    assert _login(client, officer, PASSWORD).status_code == 201


def test_a_success_clears_the_accounts_failures(app_with, officer):
    client = app_with(login_backoff_after=3, login_max_failures=10).test_client()
    for _ in range(2):
        _login(client, officer, "wrong guess")
    assert _login(client, officer, PASSWORD).status_code == 201
    for _ in range(2):
        assert _login(client, officer, "wrong guess").status_code == 401
    assert _login(client, officer, PASSWORD).status_code == 201


def test_an_address_is_locked_out_after_failures_at_many_accounts(app_with, officer):
    client = app_with(login_backoff_after=100, login_max_failures=100,
                      login_ip_backoff_after=100, login_ip_max_failures=3).test_client()
    for n in range(3):
        assert _login(client, f"guess{n}@example.org", "wrong guess").status_code == 401
    _throttled(_login(client, officer, PASSWORD), most=900)
    # The same account from another address is not held back by this one's failures.
    assert _login(client, officer, PASSWORD, "203.0.113.50").status_code == 201


def test_a_locked_out_unknown_email_is_answered_as_a_locked_out_account(app_with, officer):
    # Same status, same body, a Retry-After of the same lockout, and the right password
    # of the real account changes nothing while it is locked.
    client = app_with(login_backoff_after=100, login_max_failures=3,
                      login_lockout_minutes=15).test_client()

    def pattern(email: str, address: str) -> list[tuple[int, dict, int]]:
        answers = []
        for password in ("wrong guess", "again wrong", "wrong guess", PASSWORD,
                         "wrong guess"):
            response = _login(client, email, password, address)
            retry = int(response.headers.get("Retry-After", 0))
            # The lockout's remaining seconds, to the minute: the second runs took
            # a little longer to arrive.
            answers.append((response.status_code, response.get_json(), -(-retry // 60)))
        return answers

    known = pattern(officer, "198.51.100.1")
    unknown = pattern(UNKNOWN, "198.51.100.2")
    assert known == unknown
    assert [(status, minutes) for status, _, minutes in known] == [
        (401, 0), (401, 0), (401, 0), (429, 15), (429, 15)]


def test_the_throttle_table_names_no_email_and_no_address(app_with, officer, database):
    client = app_with(login_backoff_after=2, login_max_failures=5).test_client()
    for email in (officer, UNKNOWN):
        _login(client, email, "wrong guess", "198.51.100.77")
    with database.session() as session:
        rows = session.scalars(select(LoginThrottle)).all()
        stored = " ".join(f"{row.key} {row.kind}" for row in rows)
    assert {row.kind for row in rows} == {"account", "address"}
    assert len(rows) == 3
    for secret in ("officer", "nobody", "example.org", "198.51.100.77"):
        assert secret not in stored
