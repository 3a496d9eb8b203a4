"""Signed receipts and the transparency log through the public API, on both engines."""

from __future__ import annotations

import base64
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select, update

from reporting.accounts.service import authenticate
from reporting.ledger import merkle
from reporting.ledger.canonical import canonical_bytes
from reporting.ledger.log import make_cosignature
from reporting.ledger.models import LogLeaf, LogNode, LogState
from reporting.ledger.signing import SigningKey, b64url, b64url_decode, verify_document
from reporting.ledger.verify import MemoryTree
from reporting.reports.intake import prepare_submission, store_submissions
from reporting.reports.models import Report, ReportVersion
from reporting.reports.schemas import REPORT_SCHEMA
from reporting.unit_of_work import UnitOfWork, current_binding, current_ledger
from tests.conftest import bearer
from tests.factories import report, submit_ok
from tests.ledger.test_merkle import RefTree


def jwks_keys(client) -> dict[str, bytes]:
    return {k["kid"]: b64url_decode(k["x"]) for k in client.get("/api/v1/keys").get_json()["keys"]}


def entries(client, secret: str | None = None) -> list[dict]:
    """The log's entries; with a token, the receipts it may read are in them."""
    headers = bearer(secret) if secret else {}
    return client.get("/api/v1/log/entries?start=0", headers=headers).get_json()["entries"]


def test_receipt_is_signed_logged_and_served_identically(client, make_token):
    secret = make_token("IDN")
    first = submit_ok(client, secret)["receipt"]
    second = submit_ok(client, secret)["receipt"]
    keys = jwks_keys(client)
    assert verify_document(first, keys)
    assert verify_document(second, keys)
    assert (first["log_index"], second["log_index"]) == (0, 1)
    logged = entries(client, secret)
    assert [json.loads(e["entry"]) for e in logged] == [first, second]
    assert logged[0]["entry"].encode() == canonical_bytes(first)
    assert logged[0]["leaf_hash"] == hashlib.sha256(b"\x00" + canonical_bytes(first)).hexdigest()
    versions = client.get(f"/api/v1/reports/{first['report_id']}/versions",
                          headers=bearer(secret)).get_json()["versions"]
    assert versions[0]["receipt"] == first


def test_withdrawal_is_logged_with_an_event_receipt(client, make_token):
    secret = make_token("IDN")
    created = submit_ok(client, secret)
    withdrawn = client.post(f"/api/v1/reports/{created['id']}/withdraw",
                            headers=bearer(secret)).get_json()
    receipt = withdrawn["receipt"]
    assert receipt["event"] == "withdrawn"
    assert receipt["log_index"] == 1
    assert receipt["content_sha256"] == created["receipt"]["content_sha256"]
    assert verify_document(receipt, jwks_keys(client))


def test_tree_head_and_checkpoint_commit_to_the_rebuilt_root(client, make_token):
    secret = make_token("IDN")
    for _ in range(5):
        submit_ok(client, secret)
    keys = jwks_keys(client)
    head = client.get("/api/v1/log/tree-head").get_json()
    assert head["tree_size"] == 5
    assert verify_document(head, keys)
    root = rebuilt_root(client, secret, 5)
    assert head["root_hash"] == root.hex()

    note = client.get("/api/v1/log/checkpoint")
    assert note.mimetype == "text/plain"
    body, _, signatures = note.get_data(as_text=True).partition("\n\n")
    origin, size, root_b64 = body.split("\n")
    assert (int(size), base64.b64decode(root_b64)) == (5, root)
    name, blob = signatures.strip().removeprefix("\u2014 ").rsplit(" ", 1)
    raw = base64.b64decode(blob)
    public = keys[head["key_id"]]
    assert name == origin
    assert raw[:4] == hashlib.sha256(origin.encode() + b"\n\x01" + public).digest()[:4]
    Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], (body + "\n").encode())


def test_served_proofs_verify_for_every_entry(client, make_token):
    secret = make_token("IDN")
    for _ in range(7):
        submit_ok(client, secret)
    head = client.get("/api/v1/log/tree-head").get_json()
    root = bytes.fromhex(head["root_hash"])
    for entry in entries(client, secret):
        proof = client.get(f"/api/v1/log/proof/inclusion?index={entry['index']}&tree_size=7")
        body = proof.get_json()
        assert body["leaf_hash"] == entry["leaf_hash"]
        assert merkle.verify_inclusion(bytes.fromhex(body["leaf_hash"]), entry["index"], 7,
                                       [bytes.fromhex(p) for p in body["audit_path"]], root)
    old_root = client.get("/api/v1/log/proof/inclusion?index=0&tree_size=3")
    assert old_root.status_code == 200
    consistency = client.get("/api/v1/log/proof/consistency?first=3&second=7").get_json()
    first_root = rebuilt_root(client, secret, 3)
    assert merkle.verify_consistency(3, 7, first_root, root,
                                     [bytes.fromhex(p) for p in consistency["proof"]])


def rebuilt_root(client, secret: str, size: int) -> bytes:
    """The root of the first ``size`` served entries, computed here from their bytes."""
    tree = MemoryTree()
    for entry in entries(client, secret)[:size]:
        tree.append(merkle.leaf_hash(entry["entry"].encode()))
    return tree.root(size)


@pytest.mark.parametrize("query", ["index=5&tree_size=5", "index=0&tree_size=99",
                                   "index=-1&tree_size=3", "index=x&tree_size=3"])
def test_impossible_inclusion_queries_are_422(client, make_token, query):
    secret = make_token("IDN")
    for _ in range(5):
        submit_ok(client, secret)
    response = client.get(f"/api/v1/log/proof/inclusion?{query}")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_impossible_consistency_queries_are_422(client, make_token):
    submit_ok(client, make_token("IDN"))
    for query in ("first=2&second=1", "first=0&second=1", "first=1&second=50"):
        assert client.get(f"/api/v1/log/proof/consistency?{query}").status_code == 422


def test_log_endpoints_are_public_and_never_serve_private_keys(client, make_token):
    submit_ok(client, make_token("IDN"))
    for path in ("/api/v1/keys", "/api/v1/log/tree-head", "/api/v1/log/checkpoint",
                 "/api/v1/log/entries", "/api/v1/log/proof/inclusion?index=0&tree_size=1"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert '"d"' not in response.get_data(as_text=True)


def test_rotation_signs_with_the_new_key_and_keeps_old_receipts_verifiable(app, client,
                                                                            make_token,
                                                                            database):
    secret = make_token("IDN")
    old = submit_ok(client, secret)["receipt"]
    new_key = SigningKey.generate()
    with app.app_context():
        ledger = current_ledger()
        ledger.keyring.remember(new_key)
        with database.session() as session:
            ledger.activate(session, new_key)
    new = submit_ok(client, secret)["receipt"]
    keys = jwks_keys(client)
    assert new["key_id"] == new_key.kid != old["key_id"]
    assert set(keys) >= {old["key_id"], new["key_id"]}
    assert verify_document(old, keys)
    assert verify_document(new, keys)
    assert client.get("/api/v1/log/tree-head").get_json()["key_id"] == new_key.kid


def test_without_an_active_key_nothing_is_stored(client, make_token, database):
    secret = make_token("IDN")
    with database.session() as session:
        session.execute(update(LogState).values(active_kid=None))
    response = client.post("/api/v1/reports", json=report(), headers=bearer(secret))
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 0
        assert session.scalar(select(func.count()).select_from(LogLeaf)) == 0


def test_concurrent_submissions_make_a_gap_free_duplicate_free_log(app, make_token, database):
    secrets = [make_token(state) for state in ("IDN", "MYS", "THA", "AUS")]

    def post(n: int) -> int:
        with app.test_client() as client:
            response = client.post("/api/v1/reports", json=report(),
                                   headers=bearer(secrets[n % len(secrets)]))
            return response.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(post, range(40)))
    assert statuses == [201] * 40
    with database.session() as session:
        indexes = session.scalars(select(LogLeaf.index).order_by(LogLeaf.index)).all()
        version_indexes = session.scalars(select(ReportVersion.log_index)).all()
        size = session.get(LogState, 1).tree_size
    assert indexes == list(range(40))
    assert sorted(version_indexes) == list(range(40))
    assert size == 40


def test_a_group_of_submissions_is_logged_as_consecutive_appends(app, client, make_token,
                                                                  database):
    # Five single appends first, so the group starts mid-tree and needs stored siblings
    # as well as the nodes its own earlier appends complete.
    secret = make_token("IDN")
    for _ in range(5):
        submit_ok(client, secret)
    with app.app_context(), UnitOfWork.begin(current_binding()) as unit:
        principal = authenticate(unit.session, secret)
        group = [prepare_submission(unit.session, principal, REPORT_SCHEMA.load(report()))
                 for _ in range(37)]
        outcomes = store_submissions(unit, group)
    assert [o.receipt["log_index"] for o in outcomes] == list(range(5, 42))
    assert [o.report.id for o in outcomes] == [item.report["id"] for item in group]
    logged = entries(client, secret)
    assert [json.loads(e["entry"]) for e in logged[5:]] == [o.receipt for o in outcomes]
    reference = RefTree([e["entry"].encode() for e in logged])
    head = client.get("/api/v1/log/tree-head").get_json()
    assert (head["tree_size"], head["root_hash"]) == (42, reference.mth(0, 42).hex())
    with database.session() as session:
        nodes = session.execute(select(LogNode.level, LogNode.index, LogNode.hash)).all()
    assert len(nodes) == sum(42 >> level for level in range(6))
    for level, index, digest in nodes:
        assert bytes(digest) == reference.mth(index << level, (index + 1) << level)
    for report_id in (outcomes[0].report.id, outcomes[-1].report.id):
        got = client.get(f"/api/v1/reports/{report_id}", headers=bearer(secret))
        assert got.status_code == 200


# ---- state keys, state signatures, cosignatures ------------------------------------------


def stored_versions(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(ReportVersion))


def register(client, admin, iso3, private, witness_name=None):
    public = private.public_key().public_bytes_raw()
    body = {"public_key": b64url(public)}
    if witness_name:
        body["witness_name"] = witness_name
    return client.post(f"/api/v1/states/{iso3}/keys", json=body, headers=bearer(admin))


def test_state_signed_report_is_verified_kept_and_recorded(client, make_token):
    admin = make_token("IDN", "state_admin")
    private = Ed25519PrivateKey.generate()
    kid = register(client, admin, "IDN", private).get_json()["kid"]
    body = report()
    signature = b64url(private.sign(canonical_bytes(body)))
    created = submit_ok(client, admin, body, **{"State-Signature": f"{kid}:{signature}"})
    assert created["receipt"]["state_key_id"] == kid
    versions = client.get(f"/api/v1/reports/{created['id']}/versions",
                          headers=bearer(admin)).get_json()["versions"]
    assert versions[0]["state_signed"] is True


def test_bad_or_foreign_state_signatures_are_422_and_store_nothing(client, make_token,
                                                                   database):
    admin = make_token("IDN", "state_admin")
    other_admin = make_token("MYS", "state_admin")
    private, foreign = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    kid = register(client, admin, "IDN", private).get_json()["kid"]
    foreign_kid = register(client, other_admin, "MYS", foreign).get_json()["kid"]
    body = report()
    wrong_body = b64url(private.sign(canonical_bytes(report(narrative="Other."))))
    foreign_sig = b64url(foreign.sign(canonical_bytes(body)))
    for header in (f"{kid}:{wrong_body}", f"{foreign_kid}:{foreign_sig}", "nokey:abc", kid):
        response = client.post("/api/v1/reports", json=body,
                               headers={**bearer(admin), "State-Signature": header})
        assert response.status_code == 422, header
        assert "State-Signature" in response.get_json()["errors"]
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 0


def test_state_admin_registers_keys_for_its_own_state_only(client, make_token):
    admin = make_token("IDN", "state_admin")
    private = Ed25519PrivateKey.generate()
    assert register(client, admin, "MYS", private).status_code == 403
    assert register(client, make_token("IDN", "reporter"), "IDN", private).status_code == 403
    assert register(client, admin, "IDN", private).status_code == 201
    assert register(client, admin, "IDN", private).status_code == 409


def test_member_state_cosigns_a_checkpoint_and_it_is_served(client, make_token):
    admin = make_token("IDN", "state_admin")
    witness = Ed25519PrivateKey.generate()
    register(client, admin, "IDN", witness, "idn.example/witness")
    submit_ok(client, admin)
    note = client.get("/api/v1/log/checkpoint").get_data(as_text=True)
    body = note.split("\n\n")[0] + "\n"
    size = int(body.split("\n")[1])
    line = make_cosignature("idn.example/witness", body, witness, 1_790_000_000)
    response = client.post("/api/v1/log/cosignatures",
                           json={"tree_size": size, "cosignature": line}, headers=bearer(admin))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["witness"] == "idn.example/witness"
    assert line in client.get("/api/v1/log/checkpoint").get_data(as_text=True)


def test_cosignature_over_another_checkpoint_or_key_is_rejected(client, make_token):
    admin = make_token("IDN", "state_admin")
    witness, stranger = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    register(client, admin, "IDN", witness)
    submit_ok(client, admin)
    body = client.get("/api/v1/log/checkpoint").get_data(as_text=True).split("\n\n")[0] + "\n"
    forged_body = body.replace("\n1\n", "\n2\n")
    for line in (make_cosignature("w", forged_body, witness, 1_790_000_000),
                 make_cosignature("w", body, stranger, 1_790_000_000)):
        response = client.post("/api/v1/log/cosignatures",
                               json={"tree_size": 1, "cosignature": line}, headers=bearer(admin))
        assert response.status_code == 422
    unknown = client.post("/api/v1/log/cosignatures", json={
        "tree_size": 99, "cosignature": make_cosignature("w", body, witness, 1_790_000_000)},
        headers=bearer(admin))
    assert unknown.status_code == 404


def cosign(client, admin, name, private, timestamp=1_790_000_000):
    """Cosign the current checkpoint as witness ``name``; the answer and the line."""
    body = client.get("/api/v1/log/checkpoint").get_data(as_text=True).split("\n\n")[0] + "\n"
    line = make_cosignature(name, body, private, timestamp)
    response = client.post("/api/v1/log/cosignatures",
                           json={"tree_size": int(body.split("\n")[1]), "cosignature": line},
                           headers=bearer(admin))
    return response, line


def test_a_state_cannot_cosign_under_another_states_witness_name(client, make_token):
    idn, mys = make_token("IDN", "state_admin"), make_token("MYS", "state_admin")
    idn_witness, mys_witness = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    assert register(client, idn, "IDN", idn_witness, "idn.example/witness").status_code == 201
    submit_ok(client, idn)
    response, genuine = cosign(client, idn, "idn.example/witness", idn_witness)
    assert response.status_code == 201

    # The name is taken: another state cannot register it for its own key...
    taken = register(client, mys, "MYS", mys_witness, "idn.example/witness")
    assert taken.status_code == 409
    assert "another member state" in taken.get_json()["detail"]
    # ...nor sign under it with a key registered under another name (or none), which
    # would have replaced the genuine witness's line in the served checkpoint.
    assert register(client, mys, "MYS", mys_witness, "mys.example/witness").status_code == 201
    for timestamp in (1_790_000_000, 1_790_000_100):
        forged, forged_line = cosign(client, mys, "idn.example/witness", mys_witness, timestamp)
        assert forged.status_code == 422
        assert "idn.example/witness" in forged.get_json()["errors"]["cosignature"][0]
    served = client.get("/api/v1/log/checkpoint").get_data(as_text=True)
    assert genuine in served
    assert forged_line not in served


def test_a_witness_cosignature_is_replaced_only_by_a_newer_one(client, make_token):
    admin = make_token("IDN", "state_admin")
    witness = Ed25519PrivateKey.generate()
    register(client, admin, "IDN", witness, "idn.example/witness")
    submit_ok(client, admin)
    first, line = cosign(client, admin, "idn.example/witness", witness, 1_790_000_000)
    assert first.status_code == 201
    older, older_line = cosign(client, admin, "idn.example/witness", witness, 1_789_999_999)
    assert older.status_code == 409
    assert older.get_json()["type"].endswith("/cosignature-stale")
    served = client.get("/api/v1/log/checkpoint").get_data(as_text=True)
    assert line in served
    assert older_line not in served
    again, _ = cosign(client, admin, "idn.example/witness", witness, 1_790_000_000)
    assert again.status_code == 201  # the same line again: a retry, not a conflict
    newer, newer_line = cosign(client, admin, "idn.example/witness", witness, 1_790_000_060)
    assert newer.status_code == 201
    served = client.get("/api/v1/log/checkpoint").get_data(as_text=True)
    assert newer_line in served
    assert line not in served


def test_a_revoked_state_key_no_longer_signs_reports_or_checkpoints(client, make_token,
                                                                   database):
    admin, other = make_token("IDN", "state_admin"), make_token("MYS", "state_admin")
    private = Ed25519PrivateKey.generate()
    kid = register(client, admin, "IDN", private, "idn.example/witness").get_json()["kid"]
    body = report()
    header = {"State-Signature": f"{kid}:{b64url(private.sign(canonical_bytes(body)))}"}
    signed_before = submit_ok(client, admin, body, **header)

    path = f"/api/v1/states/IDN/keys/{kid}"
    assert client.delete(path, headers=bearer(other)).status_code == 403
    assert client.delete(path, headers=bearer(make_token("IDN", "reporter"))).status_code == 403
    assert client.delete("/api/v1/states/IDN/keys/0123456789abcdef",
                         headers=bearer(admin)).status_code == 404
    # Refused revocations change nothing: the key still signs.
    still = report(narrative="Signed after the refused revocations.")
    still_header = {"State-Signature": f"{kid}:{b64url(private.sign(canonical_bytes(still)))}"}
    assert submit_ok(client, admin, still, **still_header)["receipt"]["state_key_id"] == kid
    revoked = client.delete(path, headers=bearer(admin))
    assert revoked.status_code == 200, revoked.get_json()
    assert revoked.get_json()["kid"] == kid
    revoked_at = revoked.get_json()["revoked_at"]
    assert revoked_at
    again = client.delete(path, headers=bearer(admin))
    assert again.get_json()["revoked_at"] == revoked_at  # revoking twice changes nothing

    # New signatures by the key are refused, and nothing is stored for them...
    count = stored_versions(database)
    refused = client.post("/api/v1/reports", json=body, headers={**bearer(admin), **header})
    assert refused.status_code == 422
    assert "State-Signature" in refused.get_json()["errors"]
    assert stored_versions(database) == count
    response, _ = cosign(client, admin, "idn.example/witness", private)
    assert response.status_code == 422
    # ...while what it signed before keeps its record.
    versions = client.get(f"/api/v1/reports/{signed_before['id']}/versions",
                          headers=bearer(admin)).get_json()["versions"]
    assert versions[0]["state_signed"] is True


@pytest.mark.parametrize("tree_size", [2**63, 22643504472730567180288])
def test_cosignature_for_a_size_beyond_bigint_is_422_not_a_database_error(client, make_token,
                                                                           tree_size):
    # Found by schemathesis: the size reached a BIGINT column and overflowed.
    admin = make_token("IDN", "state_admin")
    response = client.post("/api/v1/log/cosignatures",
                           json={"tree_size": tree_size, "cosignature": "— w AAAAAAAAAAAA"},
                           headers=bearer(admin))
    assert response.status_code == 422
    assert "tree_size" in response.get_json()["errors"]


@pytest.mark.parametrize("query", [
    "proof/inclusion?index=9223372036854775808&tree_size=1",
    "proof/inclusion?index=0&tree_size=99999999999999999999",
    "proof/consistency?first=1&second=9223372036854775808",
    "entries?start=9223372036854775808",
])
def test_proof_and_entry_arguments_beyond_bigint_are_422(client, database, query):
    response = client.get(f"/api/v1/log/{query}")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("name", ["idn witness", "idn+witness", "idn\u2003w", "w\x00",
                                  "x" * 201, ""])
def test_witness_names_follow_c2sp_key_name_rules(client, make_token, database, name):
    admin = make_token("IDN", "state_admin")
    response = register(client, admin, "IDN", Ed25519PrivateKey.generate(), name or None)
    if name:
        assert response.status_code == 422
        assert "witness_name" in response.get_json()["errors"]
    else:
        assert response.status_code == 201


def test_concurrent_amendments_of_one_report_each_get_their_own_version(app, make_token,
                                                                         database):
    secret = make_token("IDN")
    with app.test_client() as client:
        report_id = submit_ok(client, secret)["id"]

    def amend(n: int) -> int:
        with app.test_client() as client:
            return client.post(f"/api/v1/reports/{report_id}/versions",
                               json=report(**{"harm.injured": n}),
                               headers=bearer(secret)).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(amend, range(12)))
    assert statuses == [201] * 12
    with database.session() as session:
        versions = session.scalars(select(ReportVersion.version)
                                   .where(ReportVersion.report_id == report_id)
                                   .order_by(ReportVersion.version)).all()
    assert versions == list(range(1, 14))
