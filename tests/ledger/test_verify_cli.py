"""`vrs verify` against a live server, and `vrs audit-log` against the database."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from reporting.cli import main
from reporting.ledger.models import LogLeaf
from reporting.reports.models import ReportVersion
from tests.conftest import bearer
from tests.factories import report


@pytest.fixture
def server(live_server: str) -> str:
    return live_server


@pytest.fixture
def submitted(client, make_token):
    secret = make_token("IDN")
    ids = [client.post("/api/v1/reports", json=report(), headers=bearer(secret)).get_json()["id"]
           for _ in range(6)]
    client.post(f"/api/v1/reports/{ids[0]}/withdraw", headers=bearer(secret))
    return secret, ids


def vrs(*args: str):
    return CliRunner().invoke(main, list(args))


def test_verify_passes_on_a_clean_server(server, submitted, tmp_path):
    secret, ids = submitted
    head_file = tmp_path / "head.json"
    result = vrs("verify", "--server", server, "--token", secret, "--report", ids[0],
                 "--save", str(head_file))
    assert result.exit_code == 0, result.output
    assert "7 entries" in result.output
    assert "7 receipts readable by this caller" in result.output
    assert "receipt 6 (version 1, withdrawn) is included" in result.output
    assert json.loads(head_file.read_text())["tree_size"] == 7


def test_anyone_verifies_the_tree_without_a_token_and_sees_no_receipt(server, submitted):
    _, ids = submitted
    result = vrs("verify", "--server", server)
    assert result.exit_code == 0, result.output
    assert "7 entries: the tree rebuilt from their leaves; 0 receipts" in result.output
    assert "rebuilt root of 7 entries matches the tree head" in result.output
    # Inclusion of a report's receipts needs its receipts: not without a token.
    named = vrs("verify", "--server", server, "--report", ids[0])
    assert named.exit_code == 1
    assert "no receipt in the log that this caller may read" in named.output


def test_another_states_token_sees_none_of_a_national_reports_receipts(server, submitted,
                                                                      make_token):
    _, ids = submitted
    neighbour = make_token("MYS", "analyst")
    result = vrs("verify", "--server", server, "--token", neighbour, "--report", ids[1])
    assert result.exit_code == 1
    assert "0 receipts readable by this caller" in result.output


def test_verify_takes_the_server_url_with_or_without_the_api_prefix(server, submitted):
    for url in (server, server + "/", server + "/api/v1", server + "/api/v1/"):
        result = vrs("verify", "--server", url)
        assert result.exit_code == 0, (url, result.output)


def test_verify_json_output_is_machine_readable(server, submitted):
    result = vrs("verify", "--server", server, "--json")
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.output)
    assert outcome["passed"] is True
    assert outcome["failures"] == []


def test_verify_since_accepts_growth_and_detects_rewritten_history(server, submitted, client,
                                                                   database, tmp_path):
    secret, _ = submitted
    head_file = tmp_path / "head.json"
    assert vrs("verify", "--server", server, "--save", str(head_file)).exit_code == 0
    client.post("/api/v1/reports", json=report(), headers=bearer(secret))
    grown = vrs("verify", "--server", server, "--since", str(head_file))
    assert grown.exit_code == 0, grown.output
    assert "consistency proof 7 → 8 verifies" in grown.output

    saved = json.loads(head_file.read_text())
    saved["root_hash"] = "00" * 32
    head_file.write_text(json.dumps(saved))
    forged = vrs("verify", "--server", server, "--since", str(head_file))
    assert forged.exit_code == 1
    assert "saved tree head signature does not verify" in forged.output


def test_verify_fails_when_a_log_row_was_altered(server, submitted, database):
    with database.session() as session:
        leaf = session.get(LogLeaf, 2)
        tampered = bytes(leaf.entry).replace(b'"state":"IDN"', b'"state":"MYS"')
        session.execute(update(LogLeaf).where(LogLeaf.index == 2).values(entry=tampered))
    # The receipt is checked by those who may read it: its own state.
    result = vrs("verify", "--server", server, "--token", submitted[0])
    assert result.exit_code == 1
    assert "entry 2: served leaf hash differs" in result.output
    assert "entry 2: signature does not verify" in result.output
    assert "VERIFICATION FAILED" in result.output


def test_verify_of_an_exported_bundle_works_offline(server, submitted, tmp_path):
    secret, ids = submitted
    bundle = tmp_path / "bundle.json"
    assert vrs("verify", "--server", server, "--token", secret,
               "--export", str(bundle)).exit_code == 0
    offline = vrs("verify", "--bundle", str(bundle), "--report", ids[1])
    assert offline.exit_code == 0, offline.output
    data = json.loads(bundle.read_text())
    data["entries"].pop(3)
    bundle.write_text(json.dumps(data))
    assert vrs("verify", "--bundle", str(bundle)).exit_code == 1


def test_audit_log_detects_an_altered_report_version(submitted, database, database_url,
                                                     tmp_path):
    _, ids = submitted
    args = ["--data-dir", str(tmp_path), "--database-url", database_url, "audit-log"]
    clean = vrs(*args)
    assert clean.exit_code == 0, clean.output
    with database.session() as session:
        version = session.get(ReportVersion, (ids[3], 1))
        session.execute(update(ReportVersion).where(ReportVersion.report_id == ids[3])
                        .values(body=version.body.replace('"injured":1', '"injured":0')))
    altered = vrs(*args)
    assert altered.exit_code == 1
    assert f"report {ids[3]} version 1: stored body no longer matches" in altered.output
