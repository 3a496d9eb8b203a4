"""No password, token secret or signing key leaves the service but where it is issued.

A run of the main flows (login, a failed login, a password change, creating a token,
submitting, approving, reading and listing another state's report, the audit trail,
`vrs verify` against a live server and `vrs audit verify`) with every log record of
every logger captured at DEBUG, and every response's body and headers kept. Each secret
may appear only in the one answer that issues it (a login's token, a new API token);
nowhere else, and never in a log line.
"""

from __future__ import annotations

import base64
import logging
import os
from typing import Any

from click.testing import CliRunner

from reporting.cli import main
from reporting.ledger.signing import b64url, b64url_decode
from tests.conftest import bearer
from tests.factories import report

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a longer passphrase than before"
TYPO_PASSWORD = "correct horse battery stapel"


def signing_key_forms() -> set[str]:
    """The test signing key as it could be written out: the seed in each encoding."""
    seed_text = os.environ["VRS_SIGNING_KEY"]
    seed = b64url_decode(seed_text)
    return {seed_text, b64url(seed), base64.b64encode(seed).decode(), seed.hex()}


class Recorder:
    """A test client wrapper that keeps every response, headers and body, as text."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.answers: list[str] = []

    def call(self, method: str, path: str, expect: int, secret: str | None = None,
             **kwargs: Any) -> Any:
        headers = {**kwargs.pop("headers", {}), **(bearer(secret) if secret else {})}
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        assert response.status_code == expect, (path, response.get_data(as_text=True))
        self.answers.append("\n".join(f"{k}: {v}" for k, v in response.headers)
                            + "\n\n" + response.get_data(as_text=True))
        return response


def test_no_secret_is_logged_or_answered_beyond_its_issue(client, make_token, caplog,
                                                          live_server, tmp_path, database):
    # Every logger, including those that set their own level (SQLAlchemy's are at WARN).
    for name in ["", *logging.root.manager.loggerDict]:
        caplog.set_level(logging.DEBUG, logger=name)
    http = Recorder(client)
    admin = make_token("IDN", "state_admin")
    mys_admin, analyst = make_token("MYS", "state_admin"), make_token("MYS", "analyst")
    secretariat = make_token(None, "secretariat")

    # People: a reporter with a password, who logs in, mistypes, and changes it.
    http.call("POST", "/api/v1/users", 201, admin, json={
        "email": "officer@example.org", "role": "reporter", "password": PASSWORD})
    login = http.call("POST", "/api/v1/auth/login", 201,
                      json={"email": "officer@example.org", "password": PASSWORD})
    issued = {len(http.answers) - 1}
    session_token = login.get_json()["token"]
    http.call("POST", "/api/v1/auth/login", 401,
              json={"email": "officer@example.org", "password": TYPO_PASSWORD})
    http.call("POST", "/api/v1/auth/login", 401,
              json={"email": "nobody@example.org", "password": PASSWORD})
    http.call("POST", "/api/v1/auth/password", 204, session_token,
              json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})

    # A machine client's token, shown once.
    created = http.call("POST", "/api/v1/tokens", 201, admin,
                        json={"role": "reporter", "label": "case system"})
    issued.add(len(http.answers) - 1)
    api_token = created.get_json()["token"]
    http.call("GET", "/api/v1/tokens", 200, admin)

    # Reports: submitted by both, approved, read and listed by the other state.
    report_id = http.call("POST", "/api/v1/reports", 201, session_token,
                          json=report(sharing="all_members")).get_json()["id"]
    http.call("POST", "/api/v1/reports/batch", 200, api_token,
              json={"reports": [report(), report(narrative=None)]})
    http.call("POST", f"/api/v1/reports/{report_id}/approve", 200, admin)
    http.call("POST", "/api/v1/reports", 201, mys_admin, json=report())
    http.call("GET", f"/api/v1/reports/{report_id}", 200, analyst)
    http.call("GET", f"/api/v1/reports/{report_id}/versions", 200, analyst)
    http.call("GET", "/api/v1/reports", 200, analyst)
    http.call("GET", "/api/v1/reports", 401, headers={"Authorization": "Bearer vrs_wrong"})
    http.call("GET", "/api/v1/audit", 200, admin)
    http.call("GET", "/api/v1/audit", 200, secretariat)
    http.call("GET", "/api/v1/log/tree-head", 200)
    http.call("GET", "/api/v1/keys", 200)
    http.call("POST", "/api/v1/auth/logout", 204, session_token)

    # Verification from outside (a live server) and of the audit trail.
    outputs = []
    for args in (["verify", "--server", live_server, "--token", api_token],
                 ["--data-dir", str(tmp_path), "--database-url", database.url,
                  "audit", "verify"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        outputs.append(result.output)

    secrets = {"password": {PASSWORD, NEW_PASSWORD, TYPO_PASSWORD},
               "login token": {session_token}, "API token": {api_token},
               "test tokens": {admin, mys_admin, analyst, secretariat},
               "signing key": signing_key_forms()}
    logged = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    assert len(caplog.records) > 20  # the run was logged: the search below means something
    for kind, values in secrets.items():
        for value in values:
            assert value not in logged, f"a {kind} in the log"
            assert not any(value in output for output in outputs), f"a {kind} printed"
            shown = [i for i, answer in enumerate(http.answers) if value in answer]
            allowed = issued if kind in ("login token", "API token") else set()
            assert set(shown) <= allowed, f"a {kind} in answers {shown}"
    assert {i for i, answer in enumerate(http.answers) if api_token in answer} == \
        {max(issued)}
