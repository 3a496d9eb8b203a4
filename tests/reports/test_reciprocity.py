"""Reciprocity (issue 14 item 6): a member state with no report approved in the last N
months (VRS_RECIPROCITY_MONTHS, 12) reads other states' reports only as summaries.

Its analysts' reads of other states' reports answer as if those reports were not shared
with it: absent from lists, 404 on single reads and versions, no receipts in the log.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import update

from reporting.config import Settings
from reporting.db import utcnow
from reporting.reports.models import ReportEvent
from tests.conftest import bearer
from tests.factories import report, submit_approved


@pytest.fixture
def shared(client, make_token):
    """An approved IDN report shared with all members; MYS's admin and analyst."""
    idn = make_token("IDN", "state_admin")
    stored = submit_approved(client, idn, report(sharing="all_members"))
    return stored["id"], make_token("MYS", "state_admin"), make_token("MYS", "analyst")


def reads(client, secret, report_id):
    single = client.get(f"/api/v1/reports/{report_id}", headers=bearer(secret)).status_code
    versions = client.get(f"/api/v1/reports/{report_id}/versions",
                          headers=bearer(secret)).status_code
    listed = [item["id"] for item in client.get(
        "/api/v1/reports", headers=bearer(secret)).get_json()["items"]]
    entries = client.get("/api/v1/log/entries?start=0", headers=bearer(secret)).get_json()
    receipts = {json.loads(e["entry"])["report_id"] for e in entries["entries"] if "entry" in e}
    return single, versions, report_id in listed, report_id in receipts


def test_a_state_that_has_not_contributed_reads_no_other_states_reports(app_with, shared):
    report_id, mys_admin, analyst = shared
    client = app_with(reciprocity=True).test_client()
    assert reads(client, analyst, report_id) == (404, 404, False, False)
    missing = client.get("/api/v1/reports/00000000-0000-4000-8000-000000000000",
                         headers=bearer(analyst))
    hidden = client.get(f"/api/v1/reports/{report_id}", headers=bearer(analyst))
    assert hidden.get_json()["detail"] == missing.get_json()["detail"]
    # A submitted report is no contribution; an approved one is.
    stored = client.post("/api/v1/reports", json=report(**{"incident.country": "MYS"}),
                         headers=bearer(mys_admin)).get_json()
    assert reads(client, analyst, report_id) == (404, 404, False, False)
    client.post(f"/api/v1/reports/{stored['id']}/approve", headers=bearer(mys_admin))
    assert reads(client, analyst, report_id) == (200, 200, True, True)


def test_an_approval_older_than_the_window_no_longer_counts(app_with, database, client,
                                                            shared, make_token):
    report_id, mys_admin, analyst = shared
    own = submit_approved(client, mys_admin)
    with_reciprocity = app_with(reciprocity=True, reciprocity_months=6).test_client()
    assert reads(with_reciprocity, analyst, report_id)[0] == 200
    with database.session() as session:
        session.execute(update(ReportEvent).where(ReportEvent.report_id == own["id"])
                        .values(at=utcnow() - timedelta(days=200)))
    assert reads(with_reciprocity, analyst, report_id) == (404, 404, False, False)
    longer = app_with(reciprocity=True, reciprocity_months=12).test_client()
    assert reads(longer, analyst, report_id)[0] == 200


def test_with_reciprocity_off_sharing_alone_decides(app_with, shared):
    report_id, _, analyst = shared
    client = app_with(reciprocity=False).test_client()
    assert reads(client, analyst, report_id) == (200, 200, True, True)


def test_reciprocity_binds_member_states_not_the_secretariat_nor_a_states_own_reads(
        app_with, shared, make_token):
    report_id, _, _ = shared
    client = app_with(reciprocity=True).test_client()
    assert reads(client, make_token(None, "secretariat"), report_id)[0] == 200
    # IDN's analyst reads its own state's report whatever the rule.
    assert reads(client, make_token("IDN", "analyst"), report_id)[0] == 200


def test_reciprocity_is_on_for_twelve_months_unless_configured(monkeypatch):
    monkeypatch.delenv("VRS_RECIPROCITY", raising=False)
    monkeypatch.delenv("VRS_RECIPROCITY_MONTHS", raising=False)
    default = Settings.from_env(database_url="sqlite://")
    assert (default.reciprocity, default.reciprocity_months) == (True, 12)
    monkeypatch.setenv("VRS_RECIPROCITY", "off")
    monkeypatch.setenv("VRS_RECIPROCITY_MONTHS", "6")
    configured = Settings.from_env(database_url="sqlite://")
    assert (configured.reciprocity, configured.reciprocity_months) == (False, 6)
    monkeypatch.setenv("VRS_RECIPROCITY_MONTHS", "0")
    with pytest.raises(ValueError, match="VRS_RECIPROCITY_MONTHS"):
        Settings.from_env(database_url="sqlite://")
