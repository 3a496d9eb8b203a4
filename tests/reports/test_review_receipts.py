"""Approval and return receipts are in the log where `vrs verify` proves them included."""

from __future__ import annotations

from click.testing import CliRunner

from reporting.cli import main
from tests.conftest import bearer
from tests.factories import approve, report, submit_ok


def test_vrs_verify_proves_approval_and_return_receipts_included(client, make_token,
                                                                 live_server):
    admin = make_token("IDN", "state_admin")
    stored = submit_ok(client, admin)
    returned = client.post(f"/api/v1/reports/{stored['id']}/return",
                           json={"reason": "Add the smugglers' roles."}, headers=bearer(admin))
    assert returned.status_code == 200
    client.post(f"/api/v1/reports/{stored['id']}/versions", json=report(narrative="Fixed."),
                headers=bearer(admin))
    approval = approve(client, admin, stored["id"])["receipt"]
    result = CliRunner().invoke(main, ["verify", "--server", live_server, "--token", admin,
                                       "--report", stored["id"]])
    assert result.exit_code == 0, result.output
    returned_at = returned.get_json()["receipt"]["log_index"]
    assert f"receipt {returned_at} (version 1, returned) is included" in result.output
    assert f"receipt {approval['log_index']} (version 2, approved) is included" in result.output
    assert "verified" in result.output
