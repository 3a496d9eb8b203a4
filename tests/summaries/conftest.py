"""A small world of member states that submit, approve, amend and withdraw reports over
HTTP, and a way to run the summaries service as the workers do (in a unit of work)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from reporting.summaries import service
from reporting.summaries.cells import Cell
from reporting.summaries.models import Summary
from reporting.unit_of_work import UnitOfWork
from tests.conftest import bearer
from tests.factories import report

# IDN and MYS are in South-eastern Asia (035), AUS in Australia and New Zealand (053);
# all three are in the Bali Process group.
STATES = ("IDN", "MYS", "AUS")


class World:
    def __init__(self, app: Any, client: Any, make_token: Callable[..., str]) -> None:
        self.app = app
        self.client = client
        self.admins = {state: make_token(state, "state_admin") for state in STATES}

    def run(self, operation: Callable[..., Any], *args: Any) -> Any:
        """Call a service operation in its own unit of work, as a task does."""
        with UnitOfWork.begin(self.app.extensions["vrs_binding"]) as unit:
            return operation(unit, *args)

    def submit(self, state: str, *, date: str = "2024-03-15", sharing: str = "region",
               approve: bool = True, **changes: Any) -> str:
        body = report(**{"incident.date": date, "incident.country": state,
                         "sharing": sharing, **changes})
        response = self.client.post("/api/v1/reports", json=body,
                                    headers=bearer(self.admins[state]))
        assert response.status_code == 201, response.get_json()
        report_id = response.get_json()["id"]
        if approve:
            self.approve(state, report_id)
        return report_id

    def approve(self, state: str, report_id: str) -> None:
        response = self.client.post(f"/api/v1/reports/{report_id}/approve",
                                    headers=bearer(self.admins[state]))
        assert response.status_code == 200, response.get_json()

    def amend(self, state: str, report_id: str, *, date: str = "2024-03-15",
              sharing: str = "region", approve: bool = True, **changes: Any) -> None:
        body = report(**{"incident.date": date, "incident.country": state,
                         "sharing": sharing, **changes})
        response = self.client.post(f"/api/v1/reports/{report_id}/versions", json=body,
                                    headers=bearer(self.admins[state]))
        assert response.status_code == 201, response.get_json()
        if approve:
            self.approve(state, report_id)

    def withdraw(self, state: str, report_id: str) -> None:
        response = self.client.post(f"/api/v1/reports/{report_id}/withdraw",
                                    headers=bearer(self.admins[state]))
        assert response.status_code == 200, response.get_json()

    def lower(self, state: str, report_id: str, level: str) -> None:
        response = self.client.post(f"/api/v1/reports/{report_id}/sharing",
                                    json={"sharing": level},
                                    headers=bearer(self.admins[state]))
        assert response.status_code == 200, response.get_json()

    def change(self, report_id: str) -> int:
        """What the worker does for a report.changed outbox row."""
        return self.run(service.apply_change, report_id)

    def stored(self, database: Any) -> dict[Cell, dict[str, Any]]:
        with database.session() as session:
            return {Cell(s.region, s.period, s.audience): json.loads(s.document)
                    for s in session.scalars(select(Summary))}


def observation(document: dict[str, Any], measure: str, breakdown: str = "_T",
                code: str = "_T", currency: str = "_Z") -> dict[str, Any] | None:
    for entry in document["observations"]:
        if (entry["measure"], entry["breakdown"], entry["code"], entry["currency"]) == (
                measure, breakdown, code, currency):
            return entry
    return None


@pytest.fixture
def world(app, client, make_token) -> World:
    return World(app, client, make_token)


@pytest.fixture
def rated(world, tmp_path):
    """The world's service run with a rate table configured (VRS_SUMMARY_RATES)."""
    from dataclasses import replace

    table = tmp_path / "rates.json"
    table.write_text(json.dumps({"name": "test table 2024-12-01", "base": "USD",
                                 "rates": {"AUD": 0.65, "MYR": 0.21}}))
    binding = world.app.extensions["vrs_binding"]
    settings = replace(binding.settings, summary_rates=table)
    rated_binding = replace(binding, settings=settings)

    def run(operation: Callable[..., Any], *args: Any) -> Any:
        with UnitOfWork.begin(rated_binding) as unit:
            return operation(unit, *args)

    world.run = run  # type: ignore[method-assign]
    return table
