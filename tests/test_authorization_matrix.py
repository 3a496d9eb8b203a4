"""Who may call what: every route of the URL map × every kind of caller × own and other
state's objects, with the status each must get.

A route added without a row here fails `test_every_route_is_in_the_matrix`. Callers:
no token, an expired, a revoked and a read-only token, a token used from outside the
networks it is limited to, a state admin's token of a suspended state (THA), and each
role (SPEC §1). The objects: IDN's own national report or key, and MYS's; the
secretariat's administration acts on MYS (suspended last) and a named group. Approval as
the gate for reads is tested in tests/reports/test_approval_gate.py: these reports are
national, so no other state reads them either way.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from reporting.accounts.models import ApiToken
from reporting.accounts.service import revoke_token
from reporting.db import utcnow
from reporting.directory.service import create_group, suspend_member_state
from reporting.ledger.signing import b64url
from tests.conftest import bearer
from tests.factories import report

CALLERS = ("none", "expired", "revoked", "disallowed_ip", "suspended", "read_only",
           "reporter", "state_admin", "analyst", "secretariat")
BAD = {"none": 401, "expired": 401, "revoked": 401, "disallowed_ip": 401, "suspended": 401}
WRITERS = {"reporter", "state_admin"}


def statuses(default: int, **overrides: int) -> dict[str, int]:
    """Expected status by caller: BAD's 401s, then ``default``, then ``overrides``."""
    return {caller: overrides.get(caller, BAD.get(caller, default)) for caller in CALLERS}


class World:
    """IDN (the callers' state) and MYS, each with a national report and a key."""

    def __init__(self, client: Any, database: Any, make_token: Callable[..., str]) -> None:
        self.client = client
        self.tokens = {role: make_token("IDN", role)
                       for role in ("reporter", "state_admin", "analyst")}
        self.tokens["secretariat"] = make_token(None, "secretariat")
        self.tokens["read_only"] = make_token("IDN", "reporter", scopes=["reports:read"])
        self.tokens["expired"] = make_token("IDN", "reporter")
        self.tokens["revoked"] = make_token("IDN", "reporter")
        # A state admin's token limited to TEST-NET-1; the test client calls from 127.0.0.1.
        self.tokens["disallowed_ip"] = make_token("IDN", "state_admin",
                                                  allowed_networks=["192.0.2.0/24"])
        self.mys = {"reporter": make_token("MYS", "reporter"),
                    "state_admin": make_token("MYS", "state_admin")}
        self.tokens["suspended"] = make_token("THA", "state_admin")
        self.group = f"g-{os.urandom(3).hex()}"
        with database.session() as session:
            suspend_member_state(session, "THA")
            create_group(session, self.group, "A group for the matrix")
            session.execute(update(ApiToken).where(ApiToken.token_hash == _hash(
                self.tokens["expired"])).values(expires_at=utcnow() - timedelta(days=1)))
            revoked = session.query(ApiToken).filter_by(
                token_hash=_hash(self.tokens["revoked"])).one()
            revoke_token(session, revoked.id)

    def headers(self, caller: str) -> dict[str, str]:
        return {} if caller == "none" else bearer(self.tokens[caller])

    def new_report(self, state: str) -> str:
        secret = self.tokens["reporter"] if state == "IDN" else self.mys["reporter"]
        response = self.client.post("/api/v1/reports", json=report(sharing="national"),
                                    headers=bearer(secret))
        assert response.status_code == 201
        return response.get_json()["id"]

    def admin_of(self, state: str) -> str:
        return self.tokens["state_admin"] if state == "IDN" else self.mys["state_admin"]

    def new_user(self, state: str) -> str:
        response = self.client.post("/api/v1/users", headers=bearer(self.admin_of(state)),
                                    json={"email": f"{os.urandom(4).hex()}@example.org",
                                          "role": "analyst"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def new_token(self, state: str) -> str:
        response = self.client.post("/api/v1/tokens", headers=bearer(self.admin_of(state)),
                                    json={"role": "analyst"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def new_key(self, state: str) -> str:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        secret = self.tokens["state_admin"] if state == "IDN" else self.mys["state_admin"]
        public = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
        response = self.client.post(f"/api/v1/states/{state}/keys",
                                    json={"public_key": b64url(public)}, headers=bearer(secret))
        assert response.status_code == 201, response.get_json()
        return response.get_json()["kid"]


def _hash(secret: str) -> str:
    from reporting.accounts.service import hash_token

    return hash_token(secret)


# (method, rule) -> (how to call it for a target state, expected status by caller and
# target). A call gets the world, the target state ("IDN": own, "MYS": another's) and the
# caller's headers, and returns the response.
Call = Callable[[World, str, dict[str, str]], Any]
READ_OWN_NATIONAL = statuses(200, secretariat=404)
ANY_OTHER_NATIONAL = statuses(404)
WRITE_OWN = statuses(403, reporter=0, state_admin=0)  # 0: filled in per route
REVIEW = statuses(403, state_admin=200)


def _writers(code: int, base: dict[str, int]) -> dict[str, int]:
    return {caller: code if caller in WRITERS and status == 0 else status
            for caller, status in base.items()}


def _get(path: str) -> Call:
    return lambda world, state, headers: world.client.get(path, headers=headers)


def _on_report(method: str, suffix: str, body: Any = None) -> Call:
    def call(world: World, state: str, headers: dict[str, str]) -> Any:
        path = f"/api/v1/reports/{world.new_report(state)}{suffix}"
        return world.client.open(path, method=method, json=body, headers=headers)

    return call


def _on_state(method: str, suffix: str, body: Any = None) -> Call:
    def call(world: World, state: str, headers: dict[str, str]) -> Any:
        path = f"/api/v1/states/{state}{suffix}"
        if "{kid}" in path:
            path = path.replace("{kid}", world.new_key(state))
        return world.client.open(path, method=method, json=body, headers=headers)

    return call


def _post(path: str, body: Any) -> Call:
    return lambda world, state, headers: world.client.post(path, json=body, headers=headers)


def _summary(suffix: str = "") -> Call:
    """The region-audience summary (or its export: ``suffix`` ``.csv``, ``.sdmx.csv``) of
    a region IDN belongs to ("IDN") or not ("MYS")."""
    return lambda world, state, headers: _read_summary(world, state, headers, suffix)


def _read_summary(world: World, state: str, headers: dict[str, str], suffix: str) -> Any:
    if not getattr(world, "summaries", False):
        from reporting.summaries import service
        from reporting.summaries.cells import Cell
        from reporting.unit_of_work import UnitOfWork

        admin = bearer(world.tokens["state_admin"])
        stored = world.client.post("/api/v1/reports", json=report(sharing="region"),
                                   headers=admin).get_json()["id"]
        assert world.client.post(f"/api/v1/reports/{stored}/approve",
                                 headers=admin).status_code == 200
        with UnitOfWork.begin(world.client.application.extensions["vrs_binding"]) as unit:
            service.apply_change(unit, stored)
            service.refresh_cells(unit, [Cell("053", "2024", "region")])
        world.summaries = True
    region = "035" if state == "IDN" else "053"
    return world.client.get(f"/api/v1/summaries/{region}/2024{suffix}?audience=region",
                            headers=headers)


PUBLIC = statuses(200, expired=200, revoked=200, none=200, disallowed_ip=200,
                  suspended=200)
SECRETARIAT_ONLY = statuses(403, secretariat=200)
MATRIX: dict[tuple[str, str], tuple[Call, dict[str, dict[str, int]]]] = {
    ("POST", "/api/v1/reports"): (
        _post("/api/v1/reports", report()),
        {"IDN": _writers(201, WRITE_OWN)}),
    ("GET", "/api/v1/reports"): (_get("/api/v1/reports"), {"IDN": statuses(200)}),
    ("POST", "/api/v1/reports/batch"): (
        _post("/api/v1/reports/batch", {"reports": [report()]}),
        {"IDN": _writers(200, WRITE_OWN)}),
    ("POST", "/api/v1/reports/approve"): (
        # An id of the target state: the admin's own is approved, another state's is a
        # 404 inside the 200 answer (one result per id).
        lambda world, state, headers: world.client.post(
            "/api/v1/reports/approve", json={"ids": [world.new_report(state)]},
            headers=headers),
        {"IDN": REVIEW, "MYS": REVIEW}),
    ("GET", "/api/v1/reports/<uuid:report_id>"): (
        _on_report("GET", ""), {"IDN": READ_OWN_NATIONAL, "MYS": ANY_OTHER_NATIONAL}),
    ("GET", "/api/v1/reports/<uuid:report_id>/versions"): (
        _on_report("GET", "/versions"),
        {"IDN": READ_OWN_NATIONAL, "MYS": ANY_OTHER_NATIONAL}),
    ("POST", "/api/v1/reports/<uuid:report_id>/versions"): (
        _on_report("POST", "/versions", report()),
        {"IDN": _writers(201, WRITE_OWN), "MYS": _writers(404, WRITE_OWN)}),
    ("POST", "/api/v1/reports/<uuid:report_id>/withdraw"): (
        _on_report("POST", "/withdraw"),
        {"IDN": _writers(200, WRITE_OWN), "MYS": _writers(404, WRITE_OWN)}),
    ("POST", "/api/v1/reports/<uuid:report_id>/approve"): (
        _on_report("POST", "/approve"), {"IDN": REVIEW, "MYS": statuses(403, state_admin=404)}),
    ("POST", "/api/v1/reports/<uuid:report_id>/return"): (
        _on_report("POST", "/return", {"reason": "Totals are missing."}),
        {"IDN": REVIEW, "MYS": statuses(403, state_admin=404)}),
    ("POST", "/api/v1/reports/<uuid:report_id>/sharing"): (
        # The reports are national: "national" is not lower, so a writer of the owning
        # state gets 409; of another state, 404.
        _on_report("POST", "/sharing", {"sharing": "national"}),
        {"IDN": _writers(409, WRITE_OWN), "MYS": _writers(404, WRITE_OWN)}),
    ("GET", "/api/v1/states"): (_get("/api/v1/states"), {"IDN": statuses(200)}),
    ("GET", "/api/v1/regions"): (_get("/api/v1/regions"), {"IDN": statuses(200)}),
    ("POST", "/api/v1/states/<iso3>/keys"): (
        lambda world, state, headers: world.client.post(
            f"/api/v1/states/{state}/keys", headers=headers,
            json={"public_key": b64url(os.urandom(32))}),
        {"IDN": statuses(403, state_admin=201), "MYS": statuses(403)}),
    ("DELETE", "/api/v1/states/<iso3>/keys/<kid>"): (
        _on_state("DELETE", "/keys/{kid}"),
        {"IDN": statuses(403, state_admin=200), "MYS": statuses(403)}),
    ("GET", "/api/v1/states/<iso3>/settings"): (
        _on_state("GET", "/settings"),
        {"IDN": statuses(403, state_admin=200), "MYS": statuses(403)}),
    ("PATCH", "/api/v1/states/<iso3>/settings"): (
        _on_state("PATCH", "/settings", {"default_sharing": "national",
                                         "auto_approve": False}),
        {"IDN": statuses(403, state_admin=200), "MYS": statuses(403)}),
    ("POST", "/api/v1/log/cosignatures"): (
        # A cosignature for a checkpoint never published: a caller who may cosign gets 404.
        _post("/api/v1/log/cosignatures",
              {"tree_size": 999,
               "cosignature": "— idn.example/w " + base64.b64encode(bytes(76)).decode()}),
        {"IDN": statuses(403, state_admin=404)}),
    ("GET", "/api/v1/users"): (_get("/api/v1/users"), {"IDN": statuses(403, state_admin=200)}),
    ("POST", "/api/v1/users"): (
        lambda world, state, headers: world.client.post(
            "/api/v1/users", headers=headers,
            json={"email": f"{os.urandom(4).hex()}@example.org", "role": "reporter"}),
        # The secretariat creates only a state's first state admin, naming the state.
        {"IDN": statuses(403, state_admin=201, secretariat=422)}),
    ("POST", "/api/v1/states"): (
        lambda world, state, headers: world.client.post(
            "/api/v1/states", headers=headers, json={"iso3": "FRA"}),
        {"IDN": statuses(403, secretariat=201)}),
    # MYS: suspending IDN would stop the callers' own tokens for the rows after it.
    ("POST", "/api/v1/states/<iso3>/suspend"): (
        _on_state("POST", "/suspend"), {"MYS": SECRETARIAT_ONLY}),
    ("POST", "/api/v1/states/<iso3>/reinstate"): (
        _on_state("POST", "/reinstate"), {"MYS": SECRETARIAT_ONLY}),
    ("POST", "/api/v1/regions"): (
        lambda world, state, headers: world.client.post(
            "/api/v1/regions", headers=headers,
            json={"code": f"g-{os.urandom(3).hex()}", "name": "A new group"}),
        {"IDN": statuses(403, secretariat=201)}),
    ("PUT", "/api/v1/regions/<code>/members/<iso3>"): (
        lambda world, state, headers: world.client.put(
            f"/api/v1/regions/{world.group}/members/{state}", headers=headers),
        {"IDN": SECRETARIAT_ONLY}),
    ("DELETE", "/api/v1/regions/<code>/members/<iso3>"): (
        lambda world, state, headers: world.client.delete(
            f"/api/v1/regions/{world.group}/members/{state}", headers=headers),
        {"IDN": SECRETARIAT_ONLY}),
    ("PATCH", "/api/v1/users/<uuid:user_id>"): (
        lambda world, state, headers: world.client.patch(
            f"/api/v1/users/{world.new_user(state)}", json={"active": False}, headers=headers),
        {"IDN": statuses(403, state_admin=200), "MYS": statuses(403, state_admin=404)}),
    ("GET", "/api/v1/tokens"): (_get("/api/v1/tokens"), {"IDN": statuses(403, state_admin=200)}),
    ("POST", "/api/v1/tokens"): (
        _post("/api/v1/tokens", {"role": "analyst"}), {"IDN": statuses(403, state_admin=201)}),
    ("DELETE", "/api/v1/tokens/<uuid:token_id>"): (
        lambda world, state, headers: world.client.delete(
            f"/api/v1/tokens/{world.new_token(state)}", headers=headers),
        {"IDN": statuses(403, state_admin=200), "MYS": statuses(403, state_admin=404)}),
    # Logout and password change are for people's login tokens: every API token here
    # is refused (403), no token is 401.
    ("POST", "/api/v1/auth/logout"): (
        _post("/api/v1/auth/logout", None), {"IDN": statuses(403)}),
    ("POST", "/api/v1/auth/password"): (
        _post("/api/v1/auth/password", {"current_password": "x", "new_password": "y"}),
        {"IDN": statuses(403)}),
    ("GET", "/api/v1/log/entries"): (
        _get("/api/v1/log/entries"), {"IDN": statuses(200, none=200)}),
    # A state admin reads its own state's entries, the secretariat all (scoping is in
    # tests/audit/test_audit_api.py); everyone else is refused.
    ("GET", "/api/v1/audit"): (
        _get("/api/v1/audit"), {"IDN": statuses(403, state_admin=200, secretariat=200)}),
    ("GET", "/api/v1/summaries"): (
        _get("/api/v1/summaries"), {"IDN": statuses(200, read_only=403)}),
    # IDN's own region (035) reads its region audience; 053 (Australia and New Zealand)
    # is not IDN's: its region summary is a 404, as for the secretariat everywhere.
    **{("GET", f"/api/v1/summaries/<region>/<period>{suffix}"): (
        _summary(suffix), {"IDN": statuses(200, secretariat=404, read_only=403),
                           "MYS": statuses(404, read_only=403)})
       for suffix in ("", ".csv", ".sdmx.csv")},
    # The workers' execution log: the secretariat's only.
    ("GET", "/api/v1/runs"): (_get("/api/v1/runs"), {"IDN": statuses(403, secretariat=200)}),
    ("POST", "/api/v1/auth/login"): (
        # Public: a token is not looked at; wrong credentials are a 401 for anyone.
        _post("/api/v1/auth/login", {"email": "nobody@example.org", "password": "wrong one"}),
        {"IDN": statuses(401)}),
    **{("GET", rule): (_get(path), {"IDN": PUBLIC}) for rule, path in (
        ("/api/v1/keys", "/api/v1/keys"),
        ("/api/v1/sdmx/structure", "/api/v1/sdmx/structure"),
        ("/api/v1/log/tree-head", "/api/v1/log/tree-head"),
        ("/api/v1/log/checkpoint", "/api/v1/log/checkpoint"),
        ("/api/v1/log/proof/inclusion", "/api/v1/log/proof/inclusion?index=0&tree_size=1"),
        ("/api/v1/log/proof/consistency",
         "/api/v1/log/proof/consistency?first=1&second=1"),
        ("/api/v1/health", "/api/v1/health"),
        ("/api/v1/ready", "/api/v1/ready"),
        ("/api/v1/openapi.json", "/api/v1/openapi.json"),
        ("/api/v1/docs", "/api/v1/docs"),
        ("/api/v1/problems/", "/api/v1/problems/"),
        ("/api/v1/problems/<name>", "/api/v1/problems/validation-error"),
        ("/api/v1/docs/assets/<path:filename>", "/api/v1/docs/assets/swagger-ui.css"),
    )},
}
# The public entries route answers a token it cannot verify with 401 rather than
# silently serving less.
MATRIX["GET", "/api/v1/log/entries"][1]["IDN"].update(expired=401, revoked=401,
                                                      disallowed_ip=401)


def test_every_route_is_in_the_matrix(app):
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == set(MATRIX)


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_each_caller_gets_the_expected_status(client, database, make_token, route):
    world = World(client, database, make_token)
    # The log needs an entry for the public proofs of size 1.
    world.new_report("IDN")
    call, expected = MATRIX[route]
    got = {target: dict.fromkeys(CALLERS) for target in expected}
    for target in expected:
        for caller in CALLERS:
            response = call(world, target, world.headers(caller))
            got[target][caller] = response.status_code
            response.close()
    assert got == expected
