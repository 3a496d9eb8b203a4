"""reporting.client, `vrs sign` and `vrs submit` against the app on a real loopback port."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reporting.cli import main
from reporting.client import (
    Client,
    ClientError,
    content_key,
    load_private_key,
    state_signature,
)
from reporting.examples import example
from reporting.ledger.signing import b64url

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def server(live_server: str) -> str:
    return live_server


@pytest.fixture
def reporter(server, make_token) -> Client:
    return Client(server, make_token("IDN"))


@pytest.fixture
def state_key(server, make_token) -> Ed25519PrivateKey:
    """A key IDN registered through the API, as its state admin does."""
    key = Ed25519PrivateKey.generate()
    admin = Client(server + "/api/v1/", make_token("IDN", "state_admin"))
    admin.request("POST", "/states/IDN/keys",
                  {"public_key": b64url(key.public_key().public_bytes_raw())})
    return key


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,  # noqa: S603
                          text=True, timeout=120, check=False)


def test_the_client_and_the_modules_it_uses_import_no_flask():
    # reporting/__init__.py (the app factory) is skipped: an empty package stands in for it,
    # so this checks client.py, reporting.examples and the ledger modules it imports.
    done = _python(
        "import sys, types; package = types.ModuleType('reporting'); "
        "package.__path__ = ['reporting']; sys.modules['reporting'] = package; "
        "import reporting.client, reporting.examples; "
        "assert 'flask' not in sys.modules, sorted(m for m in sys.modules if 'flask' in m)")
    assert done.returncode == 0, done.stderr


def test_importing_reporting_client_loads_no_flask():
    done = _python("import reporting.client, sys; assert 'flask' not in sys.modules")
    assert done.returncode == 0, done.stderr


def test_submit_amend_read_list_withdraw_and_verify(reporter, server, make_token):
    first = reporter.submit(example("report"), idempotency_key="case-0918")
    assert first.status == 201
    assert first["version"] == 1
    report_id, receipt = first["id"], first["receipt"]
    assert reporter.verify_receipt(receipt)
    assert reporter.verify_inclusion(receipt)

    again = reporter.submit(example("report"), idempotency_key="case-0918")
    assert again.replayed
    assert again["id"] == report_id
    assert again["receipt"] == receipt

    amended = reporter.amend(report_id, example("amendment"))
    assert (amended.status, amended["version"]) == (201, 2)
    current = reporter.get(report_id)
    assert current["version"] == 2
    assert current["report"]["harm"]["deaths"] == 2
    versions = reporter.versions(report_id)["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert all(reporter.verify_inclusion(v["receipt"]) for v in versions)

    other = reporter.submit(example("batch")["reports"][0])
    admin = Client(server, make_token("IDN", "state_admin"))
    returned = admin.return_report(other["id"], example("return")["reason"])
    assert returned["status"] == "returned"
    # Pages of one report each, followed through next_cursor.
    assert {item["id"] for item in reporter.list(limit=1)} == {report_id, other["id"]}
    assert [item["id"] for item in reporter.list(status="returned")] == [other["id"]]

    withdrawn = reporter.withdraw(report_id, example("withdrawal")["reason"])
    assert withdrawn["status"] == "withdrawn"
    assert withdrawn["receipt"]["event"] == "withdrawn"
    assert reporter.verify_receipt(withdrawn["receipt"])
    assert reporter.verify_inclusion(withdrawn["receipt"])


def test_a_tampered_receipt_fails_both_checks(reporter):
    receipt = reporter.submit(example("report"))["receipt"]
    reporter.submit(example("report"))  # the tree grows past the receipt
    for change in ({"version": 2}, {"content_sha256": "0" * 64}, {"log_index": 1}):
        forged = {**receipt, **change}
        assert not reporter.verify_receipt(forged), change
        assert not reporter.verify_inclusion(forged), change
    assert not reporter.verify_inclusion({**receipt, "log_index": 99})


def test_a_state_signed_submission_is_accepted_and_kept(reporter, state_key):
    body = example("report")
    answer = reporter.submit(body, sign_key=state_key)
    assert answer.status == 201
    assert reporter.versions(answer["id"])["versions"][0]["state_signed"] is True
    amended = reporter.amend(answer["id"], example("amendment"), sign_key=state_key)
    assert amended["version"] == 2

    with pytest.raises(ClientError) as refused:
        reporter.submit(body, sign_key=Ed25519PrivateKey.generate())
    assert refused.value.status == 422
    assert refused.value.type.endswith("state-signature-invalid")
    assert "State-Signature" in refused.value.errors


def test_a_refused_report_raises_the_problem_document(reporter):
    body = example("report")
    body["narrative"] = "Tip received from captain.smuggler@example.org before departure."
    body["smuggled_migrants"]["total"] += 1
    with pytest.raises(ClientError) as refused:
        reporter.submit(body)
    error = refused.value
    assert error.status == 422
    assert error.title
    assert error.problem["status"] == 422
    assert {"narrative", "smuggled_migrants.total"} <= set(error.errors), error.errors
    assert "captain.smuggler" not in json.dumps(error.problem)

    with pytest.raises(ClientError) as missing:
        reporter.get("00000000-0000-4000-8000-000000000000")
    assert missing.value.status == 404

    with pytest.raises(ClientError) as unauthenticated:
        Client(reporter.base, "not-a-token").get("00000000-0000-4000-8000-000000000000")
    assert unauthenticated.value.status == 401


def test_the_base_url_may_carry_the_api_prefix_or_not(server, make_token):
    token = make_token("IDN")
    for url in (server, server + "/", server + "/api/v1", server + "/api/v1/"):
        assert Client(url, token).base == server + "/api/v1"
    with pytest.raises(ValueError, match="http"):
        Client("ftp://example.org", token)


# ---- the command line --------------------------------------------------------------------

def vrs(*args: str):
    return CliRunner().invoke(main, list(args))


def _key_files(key: Ed25519PrivateKey, tmp_path: Path) -> tuple[Path, Path]:
    pem = tmp_path / "state.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    seed = tmp_path / "state.seed"
    seed.write_text(b64url(key.private_bytes_raw()) + "\n")
    return pem, seed


def test_vrs_sign_prints_the_header_value_from_a_pem_or_a_seed(tmp_path):
    key = Ed25519PrivateKey.generate()
    pem, seed = _key_files(key, tmp_path)
    report = ROOT / "examples" / "report.json"
    expected = state_signature(json.loads(report.read_text()), key)
    assert re.fullmatch(r"[0-9a-f]{16}:[A-Za-z0-9_-]{86}", expected)
    for key_file in (pem, seed):
        assert load_private_key(key_file).private_bytes_raw() == key.private_bytes_raw()
        result = vrs("sign", "--key", str(key_file), str(report))
        assert result.exit_code == 0, result.output
        assert result.output == expected + "\n"

    (tmp_path / "bad.key").write_text("not a key\n")
    result = vrs("sign", "--key", str(tmp_path / "bad.key"), str(report))
    assert result.exit_code == 1
    assert result.output.startswith("error: ")
    assert "Traceback" not in result.output


def test_vrs_submit_sends_a_directory_and_replays_when_run_again(server, make_token,
                                                                  state_key, tmp_path):
    token = make_token("IDN")
    folder = tmp_path / "reports"
    folder.mkdir()
    for number, body in enumerate([example("report"), *example("batch")["reports"]]):
        (folder / f"{number}.json").write_text(json.dumps(body, indent=2))
    pem, _ = _key_files(state_key, tmp_path)
    args = ("submit", str(folder), "--server", server, "--token", token, "--sign-key", str(pem))

    first = vrs(*args)
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert len(lines) == 3
    assert all(re.search(r"\.json: [0-9a-f-]{36} version 1 submitted log \d+ created, "
                         r"receipt signature verified$", line) for line in lines), lines
    ids = [line.split()[1] for line in lines]

    again = vrs(*args)
    assert again.exit_code == 0, again.output
    assert [line.split()[1] for line in again.output.splitlines()] == ids
    assert "replayed" in again.output
    assert "created" not in again.output

    # The key is the content's hash: reformatting a file still replays.
    body = json.loads((folder / "0.json").read_text())
    assert content_key(body) == content_key(json.loads(json.dumps(body)))
    single = vrs("submit", str(folder / "0.json"), "--server", server + "/api/v1",
                 "--token", token)
    assert single.exit_code == 0, single.output
    assert single.output.split()[1] == ids[0]
    assert "replayed" in single.output


def test_vrs_submit_prints_the_problem_of_a_refused_file_and_exits_1(server, make_token,
                                                                       tmp_path):
    token = make_token("IDN")
    folder = tmp_path / "reports"
    folder.mkdir()
    good, bad = example("report"), example("report")
    bad["smuggled_migrants"]["total"] += 1
    bad["route"]["origin_countries"] = ["XX"]
    (folder / "a-good.json").write_text(json.dumps(good))
    (folder / "b-bad.json").write_text(json.dumps(bad))
    (folder / "c-broken.json").write_text("{not json")

    result = vrs("submit", str(folder), "--server", server, "--token", token)
    assert result.exit_code == 1
    assert "a-good.json: " in result.output
    assert "created" in result.output
    assert "b-bad.json: refused: 422 " in result.output
    assert "  route.origin_countries.0: " in result.output
    assert "  smuggled_migrants.total: " in result.output
    assert "c-broken.json: not a JSON file" in result.output
    assert result.output.rstrip().endswith(
        "error: 2 of 3 files not accepted with a verified receipt")
    assert "Traceback" not in result.output


def test_vrs_submit_says_in_one_line_when_the_server_is_unreachable(tmp_path):
    report = ROOT / "examples" / "report.json"
    result = vrs("submit", str(report), "--server", "http://127.0.0.1:9", "--token", "t")
    assert result.exit_code == 1
    assert result.output.startswith("error: cannot reach http://127.0.0.1:9")
