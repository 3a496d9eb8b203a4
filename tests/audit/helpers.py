"""Reading the audit trail in tests, through GET /audit as the secretariat."""

from __future__ import annotations

from typing import Any

from tests.conftest import bearer
from tests.factories import report


def trail(client: Any, secretariat: str, **query: str) -> list[dict[str, Any]]:
    """Every entry the secretariat sees (all of them), oldest first."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {**query, "limit": "500", **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/v1/audit", query_string=params,
                              headers=bearer(secretariat))
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        items.extend(page["items"])
        if (cursor := page["next_cursor"]) is None:
            return list(reversed(items))


def actions(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["action"] for entry in entries]


def shared_report(client: Any, reporter: str, admin: str, sharing: str = "all_members") -> str:
    """A report of the reporter's state, approved by its admin, shared at ``sharing``."""
    created = client.post("/api/v1/reports", json=report(sharing=sharing),
                          headers=bearer(reporter))
    assert created.status_code == 201, created.get_json()
    report_id = created.get_json()["id"]
    approved = client.post(f"/api/v1/reports/{report_id}/approve", headers=bearer(admin))
    assert approved.status_code == 200, approved.get_json()
    return report_id
