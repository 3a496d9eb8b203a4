"""The ``vrs`` command line, run as a user runs it (click's runner, real database)."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner
from sqlalchemy import func, select

from reporting.accounts.models import ApiToken, User
from reporting.accounts.service import hash_token
from reporting.cli import main
from reporting.db import Database
from reporting.directory.models import Country, MemberState


def run(tmp_path, *args: str, input: str | None = None):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "--database-url", url,
                                       *args], input=input)
    return result, url


def count(url: str, model) -> int:
    database = Database(url)
    try:
        with database.session() as session:
            return session.scalar(select(func.count()).select_from(model))
    finally:
        database.dispose()


def test_init_twice_changes_nothing(tmp_path):
    first, url = run(tmp_path, "init")
    assert first.exit_code == 0, first.output
    countries = count(url, Country)
    second, _ = run(tmp_path, "init")
    assert second.exit_code == 0, second.output
    assert "added 0 countries, 0 regions and groups, 0 memberships" in second.output
    assert count(url, Country) == countries > 240


def test_members_add_checks_codes(tmp_path):
    run(tmp_path, "init")
    ok, url = run(tmp_path, "members", "add", "IDN", "aus")
    assert ok.exit_code == 0
    assert "IDN AUS" in ok.output
    bad, _ = run(tmp_path, "members", "add", "XYZ")
    assert bad.exit_code == 1
    assert "not an ISO 3166-1" in bad.output
    assert count(url, MemberState) == 2


def test_tokens_create_prints_only_the_token_and_stores_its_hash(tmp_path):
    run(tmp_path, "init")
    run(tmp_path, "members", "add", "MYS")
    result, url = run(tmp_path, "tokens", "create", "--state", "MYS", "--role", "analyst",
                      "--expires-in", "30")
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("vrs_")
    assert "\n" not in secret
    database = Database(url)
    with database.session() as session:
        token = session.scalars(select(ApiToken)).one()
        assert token.token_hash == hash_token(secret)
        assert f"token id {token.id}" in result.stderr
        assert token.scopes == "reports:read summaries:read"
        assert token.expires_at is not None
    database.dispose()


def test_tokens_are_listed_without_secrets_and_revoked_by_the_listed_id(tmp_path):
    run(tmp_path, "init")
    run(tmp_path, "members", "add", "MYS", "IDN")
    made, _ = run(tmp_path, "tokens", "create", "--state", "MYS", "--role", "analyst",
                  "--label", "case system")
    run(tmp_path, "tokens", "create", "--state", "IDN", "--role", "reporter")
    secret = made.stdout.strip()
    listed, _ = run(tmp_path, "tokens", "list", "--state", "MYS")
    assert listed.exit_code == 0, listed.output
    assert secret not in listed.output
    assert "case system" in listed.output
    assert "IDN" not in listed.output
    token_id = listed.output.splitlines()[1].split()[0]
    revoked, _ = run(tmp_path, "tokens", "revoke", token_id)
    assert revoked.exit_code == 0, revoked.output
    assert "no tokens" in run(tmp_path, "tokens", "list", "--state", "MYS")[0].output
    assert "revoked" in run(tmp_path, "tokens", "list", "--all", "--state", "MYS")[0].output


def test_tokens_create_refuses_scopes_beyond_the_role(tmp_path):
    run(tmp_path, "init")
    run(tmp_path, "members", "add", "MYS")
    result, url = run(tmp_path, "tokens", "create", "--state", "MYS", "--role", "analyst",
                      "--scopes", "reports:write")
    assert result.exit_code == 1
    assert "may not hold" in result.output
    assert count(url, ApiToken) == 0


def test_tokens_for_non_members_are_refused(tmp_path):
    run(tmp_path, "init")
    result, url = run(tmp_path, "tokens", "create", "--state", "FRA", "--role", "reporter")
    assert result.exit_code == 1
    assert count(url, ApiToken) == 0


def test_users_add_hashes_the_prompted_password(tmp_path):
    run(tmp_path, "init")
    run(tmp_path, "members", "add", "THA")
    result, url = run(tmp_path, "users", "add", "officer@example.org", "--state", "THA",
                      "--role", "state_admin",
                      input="ferry manifest lantern\nferry manifest lantern\n")
    assert result.exit_code == 0, result.output
    database = Database(url)
    with database.session() as session:
        user = session.scalars(select(User)).one()
        assert user.password_hash.startswith("$argon2id$")
    database.dispose()


def test_users_add_refuses_a_password_that_breaks_the_rules(tmp_path):
    run(tmp_path, "init")
    run(tmp_path, "members", "add", "THA")
    for weak in ("pa55word", "Password2026!", "officer-example-org"):
        result, url = run(tmp_path, "users", "add", "officer@example.org", "--state", "THA",
                          "--role", "state_admin", input=f"{weak}\n{weak}\n")
        assert result.exit_code == 1, weak
        assert "Traceback" not in result.output
    assert count(url, User) == 0


def test_demo_submits_through_http_and_shows_rejections(tmp_path):
    result, url = run(tmp_path, "demo", "--reports", "25", "--seed", "7")
    assert result.exit_code == 0, result.output
    assert "accepted: 25 new, 0 replayed" in result.output
    assert "Personal data in free text" in result.output
    assert "+62 812" not in result.output.split("deliberately invalid")[1]
    # The bulk upload: 40 stored together, the one broken report refused on its own.
    assert "POST /api/v1/reports/batch with 41 reports" in result.output
    assert "40 new, 0 replayed; their receipts sit at log indexes 25..64" in result.output
    assert "report 20 refused alone: 422 Personal data in free text (narrative)" \
        in result.output
    # Approval: one report returned per state, the rest approved in bulk; another
    # state's analyst reads an approved report, not a returned one, and the read is
    # in the owner's audit trail.
    assert re.search(r"AUS's admin returned 1 report .* approved [0-9]+ in bulk \(0 refused\)",
                     result.output)
    assert re.search(r"- approved report [0-9a-f-]{36}: 200 OK", result.output)
    assert re.search(r"- returned report [0-9a-f-]{36}: 404 Not Found", result.output)
    assert "AUS's admin sees it in GET /audit: " in result.output
    assert "report.read by analyst of IDN" in result.output
    # The worker (a real process on the embedded broker) made the summaries; the demo
    # printed one, wrote its three forms, verified and recomputed it.
    assert "audience 'region' as an analyst of IDN reads it" in result.output
    assert "vrs verify summary: verified: summary bali-process 2024" in result.output
    assert re.search(r"vrs recompute: agrees: bali-process 2024 \(audience region\) "
                     r"recomputed from [1-9][0-9]* reports", result.output)
    exports = tmp_path / "exports"
    document = json.loads((exports / "summary-bali-process-2024-region.json").read_text())
    assert document["region"] == "bali-process"
    assert document["contributing_states"] >= 2
    sdmx = (exports / "summary-bali-process-2024-region.sdmx.csv").read_text()
    assert sdmx.startswith("STRUCTURE,STRUCTURE_ID,")
    assert (exports / "summary-bali-process-2024-region.csv").stat().st_size > 0
    again, _ = run(tmp_path, "demo", "--reports", "25", "--seed", "7")
    assert again.exit_code == 0, again.output
    assert "accepted: 0 new, 25 replayed" in again.output
    assert "0 new, 40 replayed" in again.output
    assert "AUS: nothing awaits review (approved by an earlier run)" in again.output
    assert "vrs recompute: agrees: bali-process 2024" in again.output


def test_states_add_key_registers_and_revoke_key_revokes_a_state_key(tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from reporting.directory.models import StateKey
    from reporting.ledger.signing import b64url

    run(tmp_path, "init")
    run(tmp_path, "members", "add", "LKA")
    public = b64url(Ed25519PrivateKey.generate().public_key().public_bytes_raw())
    # "--" ends the options: one base64url key in 64 starts with "-", as a user's may.
    result, url = run(tmp_path, "states", "add-key", "--witness-name", "lk/w", "--", "LKA",
                      public)
    assert result.exit_code == 0, result.output
    assert len(result.output.strip()) == 16
    again, _ = run(tmp_path, "states", "add-key", "--", "LKA", public)
    assert again.exit_code == 1
    assert "registered already" in again.output
    other = b64url(Ed25519PrivateKey.generate().public_key().public_bytes_raw())
    spaced, _ = run(tmp_path, "states", "add-key", "--witness-name", "lk w", "--", "LKA",
                    other)
    assert spaced.exit_code == 1
    assert "no spaces" in spaced.output
    bad, _ = run(tmp_path, "states", "add-key", "LKA", "not-a-key")
    assert bad.exit_code == 1
    assert count(url, StateKey) == 1
    kid = result.output.strip()
    revoked, _ = run(tmp_path, "states", "revoke-key", "LKA", kid)
    assert revoked.exit_code == 0, revoked.output
    assert revoked.output.startswith(f"{kid} revoked at ")
    database = Database(url)
    try:
        with database.session() as session:
            assert session.get(StateKey, kid).revoked_at is not None
    finally:
        database.dispose()
    unknown, _ = run(tmp_path, "states", "revoke-key", "IDN", kid)
    assert unknown.exit_code == 1
    assert "has no key" in unknown.output


def test_keys_generate_then_rotate_keeps_old_public_keys(tmp_path, monkeypatch):
    from reporting.ledger.models import SigningKeyRecord

    monkeypatch.delenv("VRS_SIGNING_KEY", raising=False)
    monkeypatch.setenv("VRS_KEY_PASSPHRASE", "correct horse battery")
    run(tmp_path, "init")
    first, url = run(tmp_path, "keys", "generate")
    assert first.exit_code == 0, first.output
    twice, _ = run(tmp_path, "keys", "generate")
    assert twice.exit_code == 1
    rotated, _ = run(tmp_path, "keys", "rotate")
    assert rotated.exit_code == 0, rotated.output
    assert count(url, SigningKeyRecord) == 2
    key_files = list((tmp_path / "keys").glob("*.pem"))
    assert len(key_files) == 2
    assert all(b"ENCRYPTED PRIVATE KEY" in f.read_bytes() for f in key_files)
    assert all(f.stat().st_mode & 0o077 == 0 for f in key_files)


def test_keys_generate_refuses_to_store_an_unencrypted_key(tmp_path, monkeypatch):
    monkeypatch.delenv("VRS_SIGNING_KEY", raising=False)
    monkeypatch.delenv("VRS_KEY_PASSPHRASE", raising=False)
    run(tmp_path, "init")
    result, _ = run(tmp_path, "keys", "generate")
    assert result.exit_code == 1
    assert "VRS_KEY_PASSPHRASE" in result.output
    assert not (tmp_path / "keys").exists() or not list((tmp_path / "keys").iterdir())


def test_users_are_listed_and_disabled_from_the_command_line(tmp_path):
    run(tmp_path, "init")
    run(tmp_path, "members", "add", "THA")
    added, _ = run(tmp_path, "users", "add", "officer@example.org", "--state", "THA",
                   "--role", "reporter", "--password", "a long enough passphrase")
    assert added.exit_code == 0, added.output
    listed, _ = run(tmp_path, "users", "list", "--state", "THA")
    user_id, email, role, state, status = listed.output.split()
    assert (email, role, state, status) == ("officer@example.org", "reporter", "THA", "active")
    disabled, _ = run(tmp_path, "users", "disable", user_id)
    assert disabled.exit_code == 0, disabled.output
    assert run(tmp_path, "users", "list")[0].output.split()[-1] == "disabled"
    unknown, _ = run(tmp_path, "users", "disable", "no-such-user")
    assert unknown.exit_code == 1
    assert "No such user" in unknown.output


def test_tokens_create_limits_a_token_to_networks_and_list_shows_them(tmp_path):
    run(tmp_path, "init")
    run(tmp_path, "members", "add", "MYS")
    made, _ = run(tmp_path, "tokens", "create", "--state", "MYS", "--role", "reporter",
                  "--allowed-network", "10.20.0.0/16", "--allowed-network", "2001:db8::/32")
    assert made.exit_code == 0, made.output
    listed, _ = run(tmp_path, "tokens", "list")
    assert "10.20.0.0/16,2001:db8::/32" in listed.output
    assert "last used" in listed.output.splitlines()[0]
    assert "never" in listed.output.splitlines()[1]
    refused, _ = run(tmp_path, "tokens", "create", "--state", "MYS", "--role", "reporter",
                     "--allowed-network", "10.20.0.1/16")
    assert refused.exit_code == 1
    assert "not a CIDR network" in refused.output
    assert "Traceback" not in refused.output
