"""Test data: a valid report body and ways to vary it."""

from __future__ import annotations

import copy
from typing import Any

VALID_REPORT: dict[str, Any] = {
    "incident": {
        "date": "2024-03-15",
        "date_precision": "day",
        "country": "IDN",
        "admin_area": "East Nusa Tenggara",
        "location_type": "sea_border",
        "detection_stage": "departure",
        "detecting_agency": "police",
        "transport_mode": "sea",
        "conveyance": "fishing_vessel",
    },
    "route": {
        "origin_countries": ["AFG", "IRN"],
        "transit_countries": ["MYS", "IDN"],
        "intended_destination": "AUS",
    },
    "smuggled_migrants": {
        "total": 20, "men": 12, "women": 4, "boys": 3, "girls": 1, "sex_age_unknown": 0,
        "unaccompanied_minors": 2,
        "nationalities": [{"country": "AFG", "count": 14}, {"country": "IRN", "count": 6}],
        "fee_per_person": {"amount": 4500, "currency": "USD"},
    },
    "harm": {
        "deaths": 0, "missing": 0, "injured": 1,
        "crimes_against_migrants": ["extortion"],
        "aggravating_circumstances": ["endangered_life_or_safety"],
    },
    "smugglers": {
        "total": 3, "arrested": 2, "men": 3, "women": 0, "sex_unknown": 0,
        "nationalities": [{"country": "IDN", "count": 3}],
        "roles": [{"role": "transporter", "count": 2}, {"role": "organiser", "count": 1}],
    },
    "documents": [
        {"document_type": "passport", "fraud_type": "counterfeit", "issuing_country": "MYS",
         "count": 2},
    ],
    "modus_operandi": ["maritime_transfer"],
    "related_conduct": [],
    "financial_benefit_established": "yes",
    "criminal_justice": {
        "investigation_opened": True, "persons_prosecuted": 2, "persons_convicted": 0,
        "financial_investigation": False,
    },
    "narrative": "Vessel intercepted 12 nautical miles off Rote Island at 02:30; each "
                 "migrant paid USD 4,500 to an organiser in Kupang.",
    "sharing": "national",
}


def report(**changes: Any) -> dict[str, Any]:
    """A valid report with dotted-path changes: report(**{"incident.country": "MYS"})."""
    body = copy.deepcopy(VALID_REPORT)
    for path, value in changes.items():
        *parents, leaf = path.split(".")
        target = body
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if value is DELETE:
            del target[leaf]
        else:
            target[leaf] = value
    return body


DELETE = object()


def submit(client, secret: str, body: dict[str, Any] | None = None, **headers: str):
    """POST a report (the valid one unless ``body``) with a bearer token; the response."""
    from tests.conftest import bearer

    return client.post("/api/v1/reports", json=report() if body is None else body,
                       headers={**bearer(secret), **headers})


def submit_ok(client, secret: str, body: dict[str, Any] | None = None,
              **headers: str) -> dict[str, Any]:
    """As ``submit``, for a report that must be stored: its 201 answer's JSON."""
    response = submit(client, secret, body, **headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def approve(client, admin_secret: str, report_id: str) -> dict[str, Any]:
    """Approve a report's newest version as its state's admin: the 200 answer's JSON.

    Only approved reports leave their state: a test where another state reads a report
    approves it first."""
    from tests.conftest import bearer

    response = client.post(f"/api/v1/reports/{report_id}/approve",
                           headers=bearer(admin_secret))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def submit_approved(client, admin_secret: str, body: dict[str, Any] | None = None,
                    **headers: str) -> dict[str, Any]:
    """Submit a report with a state admin's token and approve it: the submission's 201
    answer, with ``status`` now approved."""
    stored = submit_ok(client, admin_secret, body, **headers)
    approve(client, admin_secret, stored["id"])
    return {**stored, "status": "approved"}
