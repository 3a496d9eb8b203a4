"""A state's settings (GET/PATCH /states/{iso3}/settings, `vrs states settings`) and
auto-approval: the state's submissions and amendments are approved as they arrive, each
approval logged with a receipt like a review's."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import func, select

from reporting.cli import main
from reporting.ledger.signing import b64url_decode, verify_document
from reporting.outbox import OutboxMessage
from reporting.reports.models import ReportEvent, VersionFigures
from tests.conftest import bearer
from tests.factories import DELETE, report, submit_ok

SETTINGS = "/api/v1/states/IDN/settings"


def set_auto_approve(client, admin, on=True):
    response = client.patch(SETTINGS, json={"auto_approve": on}, headers=bearer(admin))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def receipts(client, secret):
    entries = client.get("/api/v1/log/entries?start=0", headers=bearer(secret)).get_json()
    return [json.loads(e["entry"]) for e in entries["entries"] if "entry" in e]


def test_a_state_admin_reads_and_changes_the_states_settings(client, make_token):
    admin = make_token("IDN", "state_admin")
    assert client.get(SETTINGS, headers=bearer(admin)).get_json() == {
        "iso3": "IDN", "default_sharing": "national", "auto_approve": False}
    changed = client.patch(SETTINGS, json={"default_sharing": "region"}, headers=bearer(admin))
    assert changed.get_json() == {"iso3": "IDN", "default_sharing": "region",
                                  "auto_approve": False}
    assert set_auto_approve(client, admin)["default_sharing"] == "region"
    body = report(sharing=DELETE)
    stored = submit_ok(client, admin, body)
    assert client.get(f"/api/v1/reports/{stored['id']}",
                      headers=bearer(admin)).get_json()["sharing"] == "region"


def test_settings_refuse_bad_values_and_other_callers(client, make_token):
    admin = make_token("IDN", "state_admin")
    bad = client.patch(SETTINGS, json={"default_sharing": "everyone"}, headers=bearer(admin))
    assert bad.status_code == 422
    assert "default_sharing" in bad.get_json()["errors"]
    assert client.patch(SETTINGS, json={"auto_approve": "yes please"},
                        headers=bearer(admin)).status_code == 422
    other = make_token("MYS", "state_admin")
    assert client.patch(SETTINGS, json={"auto_approve": True},
                        headers=bearer(other)).status_code == 403
    assert client.get(SETTINGS, headers=bearer(make_token("IDN"))).status_code == 403
    assert client.get(SETTINGS, headers=bearer(admin)).get_json()["auto_approve"] is False


def test_an_auto_approving_states_submission_is_approved_and_logged_at_once(
        client, database, make_token):
    admin = make_token("IDN", "state_admin")
    set_auto_approve(client, admin)
    reporter = make_token("IDN")
    stored = submit_ok(client, reporter, report(sharing="all_members"))
    assert stored["status"] == "approved"
    logged = receipts(client, reporter)
    approval = [r for r in logged if r.get("event") == "approved"]
    assert len(approval) == 1
    assert (approval[0]["report_id"], approval[0]["content_sha256"]) == (
        stored["id"], stored["receipt"]["content_sha256"])
    keys = {k["kid"]: b64url_decode(k["x"])
            for k in client.get("/api/v1/keys").get_json()["keys"]}
    assert verify_document(approval[0], keys)
    # It counts and it leaves the state, like a reviewed approval.
    neighbour = make_token("MYS", "analyst")
    seen = client.get(f"/api/v1/reports/{stored['id']}", headers=bearer(neighbour))
    assert (seen.status_code, seen.get_json()["status"]) == (200, "approved")
    with database.session() as session:
        figures = session.scalar(select(func.count()).select_from(VersionFigures))
        events = sorted((e.action, e.status_after, e.log_index is not None)
                        for e in session.scalars(select(ReportEvent)))
        outbox = [json.loads(m.payload) for m in session.scalars(select(OutboxMessage))]
    assert figures == 1
    assert events == [("approve", "approved", True), ("submit", "submitted", False)]
    assert outbox == [{"report_id": stored["id"], "state": "IDN", "event": "approved"}]


def test_an_auto_approving_states_batch_and_amendments_are_approved(client, make_token):
    admin = make_token("IDN", "state_admin")
    set_auto_approve(client, admin)
    batch = client.post("/api/v1/reports/batch", json={"reports": [report(), report()]},
                        headers=bearer(admin)).get_json()
    assert [r["report_status"] for r in batch["results"]] == ["approved", "approved"]
    first = batch["results"][0]["id"]
    amended = client.post(f"/api/v1/reports/{first}/versions", json=report(narrative="New."),
                          headers=bearer(admin))
    assert (amended.status_code, amended.get_json()["status"]) == (201, "approved")
    versions = client.get(f"/api/v1/reports/{first}/versions", headers=bearer(admin))
    assert versions.get_json()["status"] == "approved"
    approvals = [(r["report_id"], r["version"]) for r in receipts(client, admin)
                 if r.get("event") == "approved"]
    assert sorted(approvals) == sorted([(first, 1), (batch["results"][1]["id"], 1),
                                        (first, 2)])


def test_without_auto_approval_submissions_wait_for_review(client, make_token):
    admin = make_token("IDN", "state_admin")
    set_auto_approve(client, admin)
    set_auto_approve(client, admin, on=False)
    assert submit_ok(client, admin)["status"] == "submitted"
    # Another state's setting is its own.
    set_auto_approve(client, admin)
    assert submit_ok(client, make_token("MYS"))["status"] == "submitted"


def test_the_operator_sets_a_states_settings_from_the_cli(client, make_token, database_url,
                                                          tmp_path):
    admin = make_token("IDN", "state_admin")

    def vrs(*args):
        return CliRunner().invoke(main, ["--data-dir", str(tmp_path), "--database-url",
                                         database_url, "states", "settings", *args])

    result = vrs("idn", "--auto-approve", "--default-sharing", "region")
    assert result.exit_code == 0, result.output
    assert result.output == "IDN  default sharing: region  auto-approve: on\n"
    assert client.get(SETTINGS, headers=bearer(admin)).get_json()["auto_approve"] is True
    assert vrs("IDN", "--no-auto-approve").output.endswith("auto-approve: off\n")
    unknown = vrs("FRA")
    assert unknown.exit_code == 1
    assert unknown.output == "error: FRA is not a member state of this installation\n"
