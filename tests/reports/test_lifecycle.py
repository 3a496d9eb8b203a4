"""Every lifecycle transition, legal and illegal, through the API (SPEC §2).

The expectations come from the one table of transitions (reports/lifecycle.py): each
status a report can be in × each action. A legal one answers 200 (201 for an amendment)
with the status the table names; an illegal one is a 409 lifecycle-conflict problem and
leaves the report as it was.
"""

from __future__ import annotations

import itertools

import pytest

from reporting.reports import lifecycle
from tests.conftest import bearer
from tests.factories import report, submit_ok

ACTIONS = (lifecycle.AMEND, lifecycle.APPROVE, lifecycle.RETURN, lifecycle.WITHDRAW)
# How to bring a new report to each status from `submitted`.
REACH = {lifecycle.SUBMITTED: None, lifecycle.APPROVED: lifecycle.APPROVE,
         lifecycle.RETURNED: lifecycle.RETURN, lifecycle.WITHDRAWN: lifecycle.WITHDRAW}


def act(client, secret, report_id, action):
    path = f"/api/v1/reports/{report_id}"
    if action == lifecycle.AMEND:
        return client.post(f"{path}/versions", json=report(narrative="Amended."),
                           headers=bearer(secret))
    body = {"reason": "Please check the totals."} if action == lifecycle.RETURN else None
    return client.post(f"{path}/{action}", json=body, headers=bearer(secret))


@pytest.mark.parametrize(("status", "action"), list(itertools.product(REACH, ACTIONS)),
                         ids=lambda value: value)
def test_each_action_in_each_status_follows_the_transition_table(client, make_token, status,
                                                                 action):
    admin = make_token("IDN", "state_admin")
    stored = submit_ok(client, admin)
    if REACH[status]:
        assert act(client, admin, stored["id"], REACH[status]).status_code == 200
    response = act(client, admin, stored["id"], action)
    after = client.get(f"/api/v1/reports/{stored['id']}", headers=bearer(admin)).get_json()
    if (status, action) in lifecycle.TRANSITIONS:
        expected = 201 if action == lifecycle.AMEND else 200
        assert response.status_code == expected, response.get_json()
        assert after["status"] == lifecycle.TRANSITIONS[status, action]
    else:
        assert response.status_code == 409
        problem = response.get_json()
        assert response.mimetype == "application/problem+json"
        assert problem["type"].endswith("/lifecycle-conflict")
        assert problem["detail"] == f"A report that is {status} cannot be " \
                                    f"{lifecycle.DONE[action]}."
        assert after["status"] == status
