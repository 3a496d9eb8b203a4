"""Roles of SPEC §1 and the API scopes each may hold."""

from __future__ import annotations

REPORTS_WRITE = "reports:write"
REPORTS_READ = "reports:read"
SUMMARIES_READ = "summaries:read"
ADMIN = "admin"
SCOPES = (REPORTS_WRITE, REPORTS_READ, SUMMARIES_READ, ADMIN)

REPORTER = "reporter"
STATE_ADMIN = "state_admin"
ANALYST = "analyst"
SECRETARIAT = "secretariat"
ROLES = (REPORTER, STATE_ADMIN, ANALYST, SECRETARIAT)

# The widest set of scopes a token of each role may carry; a token may ask for fewer.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    REPORTER: frozenset({REPORTS_WRITE, REPORTS_READ, SUMMARIES_READ}),
    STATE_ADMIN: frozenset({REPORTS_WRITE, REPORTS_READ, SUMMARIES_READ, ADMIN}),
    ANALYST: frozenset({REPORTS_READ, SUMMARIES_READ}),
    SECRETARIAT: frozenset({REPORTS_READ, SUMMARIES_READ, ADMIN}),
}

# Roles that write their own state's reports (create, amend, withdraw).
REPORT_WRITERS = frozenset({REPORTER, STATE_ADMIN})


def role_is_state_bound(role: str) -> bool:
    """Every role but the secretariat belongs to exactly one member state."""
    return role != SECRETARIAT
