"""What the audit trail records: every write, every login, and reads of other states'
reports, each in the unit of work of what it records; through the HTTP API and the CLI."""

from __future__ import annotations

import base64

from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reporting.cli import main
from reporting.ledger.signing import b64url
from tests.audit.helpers import actions, shared_report, trail
from tests.conftest import bearer
from tests.factories import report
from tests.ledger.test_log_api import cosign, register, submit_ok

PASSWORD = "correct horse battery"


def test_each_kind_of_write_leaves_one_entry_naming_actor_and_object(client, make_token):
    reporter, admin = make_token("IDN", "reporter"), make_token("IDN", "state_admin")
    secretariat = make_token(None, "secretariat")
    first = client.post("/api/v1/reports", json=report(), headers=bearer(reporter))
    report_id = first.get_json()["id"]
    calls = [
        ("POST", f"/api/v1/reports/{report_id}/return", admin, {"reason": "Totals?"}),
        ("POST", f"/api/v1/reports/{report_id}/versions", reporter, report()),
        ("POST", f"/api/v1/reports/{report_id}/approve", admin, None),
        ("POST", f"/api/v1/reports/{report_id}/sharing", reporter, {"sharing": "national"}),
        ("POST", f"/api/v1/reports/{report_id}/withdraw", reporter, None),
        ("POST", "/api/v1/users", admin, {"email": "new@example.org", "role": "analyst"}),
        ("POST", "/api/v1/tokens", admin, {"role": "analyst", "label": "case system"}),
        ("POST", "/api/v1/states/IDN/keys", admin,
         {"public_key": b64url(Ed25519PrivateKey.generate().public_key().public_bytes_raw())}),
    ]
    # The sharing change is refused (national is not lower): a refusal records nothing.
    expected_status = [200, 201, 200, 409, 200, 201, 201, 201]
    created: dict[str, str] = {}
    for (method, path, secret, body), status in zip(calls, expected_status, strict=True):
        response = client.open(path, method=method, json=body, headers=bearer(secret))
        assert response.status_code == status, (path, response.get_json())
        created[path] = (response.get_json() or {}).get("id") or \
            (response.get_json() or {}).get("kid")
    user_id, token_id = created["/api/v1/users"], created["/api/v1/tokens"]
    kid = created["/api/v1/states/IDN/keys"]
    for method, path in (("PATCH", f"/api/v1/users/{user_id}"),
                         ("DELETE", f"/api/v1/tokens/{token_id}"),
                         ("DELETE", f"/api/v1/states/IDN/keys/{kid}")):
        response = client.open(path, method=method, json={"role": "reporter"}
                               if method == "PATCH" else None, headers=bearer(admin))
        assert response.status_code == 200, response.get_json()

    entries = trail(client, secretariat)
    assert actions(entries) == [
        "report.submit", "report.return", "report.amend", "report.approve",
        "report.withdraw", "user.create", "token.create", "key.register", "user.update",
        "token.revoke", "key.revoke"]
    objects = [(e["object"]["type"], e["object"]["id"], e["object"]["state"])
               for e in entries]
    assert objects[:5] == [("report", report_id, "IDN")] * 5
    assert objects[5:] == [("user", user_id, "IDN"), ("token", token_id, "IDN"),
                           ("key", kid, "IDN"), ("user", user_id, "IDN"),
                           ("token", token_id, "IDN"), ("key", kid, "IDN")]
    assert {(e["actor"]["state"], e["actor"]["role"]) for e in entries[:1]} == {
        ("IDN", "reporter")}
    assert entries[1]["actor"]["role"] == "state_admin"
    assert all(e["outcome"] == "success" and e["ip"] and e["request_id"] for e in entries)
    # The actor is the token (a machine client), named by id, never by its secret.
    assert all(e["actor"]["id"] and e["actor"]["id"] not in (reporter, admin)
               for e in entries)


def test_a_batch_records_one_entry_per_stored_report(client, make_token):
    reporter, secretariat = make_token("IDN"), make_token(None, "secretariat")
    bad = report(**{"smuggled_migrants.total": -1})
    response = client.post("/api/v1/reports/batch", headers=bearer(reporter),
                           json={"reports": [report(), bad, report()]})
    assert response.get_json()["accepted"] == 2
    stored = [r["id"] for r in response.get_json()["results"] if "id" in r]
    entries = trail(client, secretariat)
    assert actions(entries) == ["report.submit"] * 2
    assert sorted(e["object"]["id"] for e in entries) == sorted(stored)
    assert len({e["request_id"] for e in entries}) == 1


def test_a_refused_write_records_nothing(client, make_token):
    reporter, secretariat = make_token("IDN"), make_token(None, "secretariat")
    other = make_token("MYS")
    invalid = client.post("/api/v1/reports", json=report(**{"smuggled_migrants.total": -1}),
                          headers=bearer(reporter))
    assert invalid.status_code == 422
    mine = client.post("/api/v1/reports", json=report(), headers=bearer(reporter))
    foreign = client.post(f"/api/v1/reports/{mine.get_json()['id']}/withdraw",
                          headers=bearer(other))
    assert foreign.status_code == 404
    assert actions(trail(client, secretariat)) == ["report.submit"]


def test_an_idempotent_replay_is_not_a_second_write(client, make_token):
    reporter, secretariat = make_token("IDN"), make_token(None, "secretariat")
    for status in (201, 200):
        response = client.post("/api/v1/reports", json=report(), headers={
            **bearer(reporter), "Idempotency-Key": "case-17"})
        assert response.status_code == status
    assert actions(trail(client, secretariat)) == ["report.submit"]


def test_logins_are_recorded_and_a_failure_does_not_say_whether_the_account_exists(
        client, make_token):
    admin, secretariat = make_token("IDN", "state_admin"), make_token(None, "secretariat")
    added = client.post("/api/v1/users", headers=bearer(admin), json={
        "email": "officer@example.org", "role": "reporter", "password": PASSWORD})
    user_id = added.get_json()["id"]
    ok = client.post("/api/v1/auth/login",
                     json={"email": "officer@example.org", "password": PASSWORD})
    assert ok.status_code == 201
    wrong_password = client.post("/api/v1/auth/login",
                                 json={"email": "officer@example.org", "password": "nope"})
    no_account = client.post("/api/v1/auth/login",
                             json={"email": "nobody@example.org", "password": "nope"})
    assert wrong_password.status_code == no_account.status_code == 401
    # The same answer either way, but for the request id each answer carries.
    assert wrong_password.get_json() == no_account.get_json()
    assert ({k: v for k, v in wrong_password.headers if k != "X-Request-ID"}
            == {k: v for k, v in no_account.headers if k != "X-Request-ID"})

    login, failed, unknown = trail(client, secretariat)[1:]
    assert (login["action"], login["outcome"]) == ("auth.login", "success")
    assert login["actor"] == {"id": user_id, "state": "IDN", "role": "reporter",
                              "label": None}
    assert (failed["action"], failed["outcome"]) == ("auth.login_failed", "failure")
    assert failed["object"] == {"type": "user", "id": user_id, "state": "IDN"}
    assert failed["actor"]["id"] is None
    assert unknown["action"] == "auth.login_failed"
    # An address that is no account is not kept: it may be a mistyped password.
    assert unknown["object"] == {"type": "user", "id": None, "state": None}
    assert "nobody@example.org" not in str(unknown)


def test_reads_of_another_states_reports_are_recorded_one_entry_per_report(
        client, make_token):
    reporter, admin = make_token("IDN", "reporter"), make_token("IDN", "state_admin")
    analyst, secretariat = make_token("MYS", "analyst"), make_token(None, "secretariat")
    first = shared_report(client, reporter, admin)
    second = shared_report(client, reporter, admin)
    own = client.post("/api/v1/reports", json=report(), headers=bearer(make_token("MYS")))
    assert own.status_code == 201
    before = len(trail(client, secretariat))

    for path in (f"/api/v1/reports/{first}", f"/api/v1/reports/{first}/versions",
                 "/api/v1/reports"):
        assert client.get(path, headers=bearer(analyst)).status_code == 200

    reads = trail(client, secretariat)[before:]
    assert [(e["action"], e["object"]["id"]) for e in reads] == [
        ("report.read", first), ("report.read_versions", first),
        # The list: one entry per other state's report on the page (MYS's own is not).
        *sorted([("report.read_in_list", first), ("report.read_in_list", second)],
                key=lambda pair: pair[1] != second)]
    assert {(e["actor"]["state"], e["actor"]["role"], e["object"]["state"])
            for e in reads} == {("MYS", "analyst", "IDN")}


def test_reads_of_own_reports_are_not_recorded(client, make_token):
    reporter, admin = make_token("IDN", "reporter"), make_token("IDN", "state_admin")
    secretariat = make_token(None, "secretariat")
    report_id = shared_report(client, reporter, admin)
    before = trail(client, secretariat)
    for path in (f"/api/v1/reports/{report_id}", f"/api/v1/reports/{report_id}/versions",
                 "/api/v1/reports"):
        assert client.get(path, headers=bearer(reporter)).status_code == 200
    assert trail(client, secretariat) == before


def test_a_clients_request_id_is_returned_and_recorded(client, make_token):
    reporter, secretariat = make_token("IDN"), make_token(None, "secretariat")
    response = client.post("/api/v1/reports", json=report(), headers={
        **bearer(reporter), "X-Request-ID": "case-system.0042"})
    assert response.headers["X-Request-ID"] == "case-system.0042"
    # Anything but a plain id is replaced: the id is stored and echoed.
    odd = client.get("/api/v1/reports", headers={**bearer(reporter),
                                                 "X-Request-ID": "a@b.example"})
    assert odd.headers["X-Request-ID"] != "a@b.example"
    assert len(odd.headers["X-Request-ID"]) == 36
    [entry] = trail(client, secretariat)
    assert entry["request_id"] == "case-system.0042"


def test_a_cosignature_is_recorded_and_a_refused_one_is_not(client, make_token):
    admin, secretariat = make_token("IDN", "state_admin"), make_token(None, "secretariat")
    witness = Ed25519PrivateKey.generate()
    register(client, admin, "IDN", witness, "idn.example/witness")
    submit_ok(client, admin)
    refused = client.post("/api/v1/log/cosignatures", headers=bearer(admin), json={
        "tree_size": 999, "cosignature": "— idn.example/witness " + base64.b64encode(
            bytes(76)).decode()})
    assert refused.status_code == 404
    response, _ = cosign(client, admin, "idn.example/witness", witness)
    assert response.status_code == 201
    entries = trail(client, secretariat)
    assert actions(entries) == ["key.register", "report.submit", "log.cosign"]
    assert entries[-1]["object"] == {"type": "checkpoint", "id": "1", "state": "IDN"}


def test_command_line_writes_are_recorded_as_cli_commands(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"

    def vrs(*args: str):
        result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "--database-url",
                                           url, *args])
        assert result.exit_code == 0, result.output
        return result

    vrs("init")
    vrs("members", "add", "IDN")
    vrs("tokens", "create", "--state", "IDN", "--role", "reporter", "--label", "ingest")
    vrs("tokens", "list")
    verified = vrs("audit", "verify")
    assert verified.output.strip() == "audit chain intact, 2 entries"

    from sqlalchemy import select

    from reporting.audit.models import AuditEntry
    from reporting.db import Database

    database = Database(url)
    try:
        with database.session() as session:
            rows = session.execute(select(AuditEntry.action, AuditEntry.object_type,
                                          AuditEntry.object_state, AuditEntry.role)
                                   .order_by(AuditEntry.seq)).all()
    finally:
        database.dispose()
    assert [tuple(row) for row in rows] == [("cli.members.add", "state", "IDN", "operator"),
                                            ("cli.tokens.create", "token", "IDN", "operator")]


def test_reads_of_lists_who_read_a_report(app, client, make_token, database):
    from reporting.audit.service import reads_of

    reporter, admin = make_token("IDN", "reporter"), make_token("IDN", "state_admin")
    report_id = shared_report(client, reporter, admin)
    other = shared_report(client, reporter, admin)
    client.get(f"/api/v1/reports/{report_id}", headers=bearer(make_token("MYS", "analyst")))
    client.get(f"/api/v1/reports/{other}", headers=bearer(make_token("THA", "analyst")))
    client.get("/api/v1/reports", headers=bearer(make_token(None, "secretariat")))
    with database.session() as session:
        reads = reads_of(session, report_id)
    assert [(r.action, r.actor_state, r.role) for r in reads] == [
        ("report.read", "MYS", "analyst"), ("report.read_in_list", None, "secretariat")]


def test_a_login_refused_while_locked_out_is_recorded_as_throttled(app_with, make_token):
    client = app_with(login_backoff_after=100, login_max_failures=2,
                      login_lockout_minutes=15).test_client()
    admin, secretariat = make_token("IDN", "state_admin"), make_token(None, "secretariat")
    added = client.post("/api/v1/users", headers=bearer(admin), json={
        "email": "officer@example.org", "role": "reporter", "password": PASSWORD})
    statuses = [client.post("/api/v1/auth/login", json={
        "email": "officer@example.org", "password": password}).status_code
        for password in ("wrong guess", "wrong guess", PASSWORD)]
    assert statuses == [401, 401, 429]
    attempts = trail(client, secretariat, action="auth.login_failed")
    assert [e["outcome"] for e in attempts] == ["failure", "failure", "throttled"]
    assert {e["object"]["id"] for e in attempts} == {added.get_json()["id"]}
