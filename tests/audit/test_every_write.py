"""Every write route records what it did: driven by the authorisation matrix, so a new
write route is checked as soon as it has its row there."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from reporting.audit.models import AuditEntry
from tests.test_authorization_matrix import CALLERS, MATRIX, World

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _succeeding_caller(expected: dict[str, dict[str, int]]) -> tuple[str, str] | None:
    """A (target state, caller) the matrix expects to succeed, own state first."""
    for target in sorted(expected, key=lambda state: state != "IDN"):
        for caller in CALLERS:
            if 200 <= expected[target][caller] < 300:
                return target, caller
    return None


SUCCEEDING = {route: found for route, (_, expected) in MATRIX.items()
              if route[0] in WRITES and (found := _succeeding_caller(expected))}


def test_the_write_routes_were_found():
    assert ("POST", "/api/v1/reports") in SUCCEEDING
    assert ("DELETE", "/api/v1/tokens/<uuid:token_id>") in SUCCEEDING


@pytest.mark.parametrize("route", sorted(SUCCEEDING), ids=lambda r: f"{r[0]} {r[1]}")
def test_a_successful_write_leaves_an_audit_entry_with_its_request_id(
        client, database, make_token, route):
    world = World(client, database, make_token)
    world.new_report("IDN")
    call, _ = MATRIX[route]
    target, caller = SUCCEEDING[route]
    response = call(world, target, world.headers(caller))
    assert 200 <= response.status_code < 300, response.get_json()
    request_id = response.headers["X-Request-ID"]
    with database.session() as session:
        recorded = session.scalars(select(AuditEntry.action)
                                   .where(AuditEntry.request_id == request_id)).all()
    assert recorded, f"{route} succeeded and recorded nothing"
