"""Nothing the guard or the parser refused comes back: not in a body, a header or a log line.

Each request below carries personal data where the API refuses it (free text, an unknown
or duplicate key, a header, a query parameter, a path); every response and every log
record written meanwhile (all loggers, DEBUG and up) is searched for it.
"""

from __future__ import annotations

import json
import logging

from tests.conftest import bearer
from tests.factories import report, submit_ok

EMAIL = "ahmad.rahimi@example.org"
PHONE = "+62 812 3456 7890"
DOB = "15-01-1990"
SECRETS = (EMAIL, "ahmad.rahimi", PHONE, "3456 7890", "812 3456", DOB)


def test_no_refused_text_is_echoed_or_logged(client, make_token, caplog):
    secret = make_token("IDN", "state_admin")
    stored = submit_ok(client, secret)
    post_json = {"headers": {**bearer(secret), "Content-Type": "application/json"}}
    requests = [
        ("POST", "/api/v1/reports",
         {"json": report(narrative=f"Skipper reachable on {PHONE}, mail {EMAIL}.")}),
        ("POST", "/api/v1/reports",
         {"json": report(**{"incident.admin_area": f"born {DOB}"})}),
        ("POST", "/api/v1/reports", {"json": {**report(), EMAIL: 1}}),
        ("POST", "/api/v1/reports", {"json": report(**{f"incident.{PHONE}": "x"})}),
        ("POST", "/api/v1/reports",
         {"data": f'{{"incident": 1, "{EMAIL}": 1, "{EMAIL}": 2}}', **post_json}),
        ("POST", "/api/v1/reports",
         {"json": report(), "headers": {**bearer(secret), "State-Signature": f"{EMAIL}:AA"}}),
        ("POST", "/api/v1/reports",
         {"json": report(), "headers": {**bearer(secret), "Idempotency-Key": f"{PHONE}"}}),
        ("POST", "/api/v1/reports/batch",
         {"json": {"reports": [report(narrative=f"Call {PHONE}"), {EMAIL: 1}]}}),
        ("GET", f"/api/v1/reports?cursor={EMAIL}", {}),
        ("GET", f"/api/v1/reports?period={DOB}", {}),
        ("GET", f"/api/v1/reports?state={EMAIL}", {}),
        ("GET", f"/api/v1/reports/{EMAIL}", {}),
        ("POST", f"/api/v1/reports/{stored['id']}/withdraw",
         {"json": {"reason": f"Duplicate; ask {EMAIL}"}}),
        ("POST", f"/api/v1/reports/{stored['id']}/return",
         {"json": {"reason": f"Phone the officer on {PHONE}"}}),
        ("POST", f"/api/v1/reports/{stored['id']}/versions",
         {"json": report(narrative=f"Organiser's e-mail {EMAIL}")}),
        ("POST", "/api/v1/states/IDN/keys",
         {"json": {"public_key": "A" * 43, "witness_name": EMAIL}}),
        ("GET", "/api/v1/log/entries", {"headers": {"Authorization": f"Bearer {EMAIL}"}}),
    ]
    with caplog.at_level(logging.DEBUG):
        for method, path, options in requests:
            response = client.open(path, method=method,
                                   **{"headers": bearer(secret), **options})
            assert response.status_code >= 400 or path.endswith("/batch"), (path, response.data)
            text = response.get_data(as_text=True) + json.dumps(dict(response.headers))
            for value in SECRETS:
                assert value not in text, (method, path, value)
    logged = "\n".join(record.getMessage() + (record.exc_text or "")
                       for record in caplog.records)
    for value in SECRETS:
        assert value not in logged
