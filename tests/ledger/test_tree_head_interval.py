"""A signed tree head at most once per VRS_TREE_HEAD_INTERVAL; the latest one in between,
and proofs, receipts and `vrs verify` work against a head older than the newest leaf."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import update

from reporting.cli import main
from reporting.client import Client
from reporting.db import utcnow
from reporting.ledger import merkle
from reporting.ledger.canonical import canonical_bytes
from reporting.ledger.models import TreeHead
from tests.conftest import bearer, serving
from tests.factories import report


def _submit(client, secret: str) -> dict:
    response = client.post("/api/v1/reports", json=report(), headers=bearer(secret))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_reads_within_the_interval_get_the_latest_signed_head(app_with, make_token):
    client = app_with(tree_head_interval=3600).test_client()
    secret = make_token("IDN")
    _submit(client, secret)
    first = client.get("/api/v1/log/tree-head").get_json()
    assert first["tree_size"] == 1
    _submit(client, secret)
    _submit(client, secret)

    again = client.get("/api/v1/log/tree-head").get_json()
    checkpoint = client.get("/api/v1/log/checkpoint").get_data(as_text=True)
    assert again == first
    assert checkpoint.splitlines()[1] == "1"


def test_a_new_head_is_signed_once_the_interval_has_passed(app_with, make_token, database):
    client = app_with(tree_head_interval=3600).test_client()
    secret = make_token("IDN")
    _submit(client, secret)
    client.get("/api/v1/log/tree-head")
    _submit(client, secret)
    with database.session() as session:  # as if the head was signed two hours ago
        session.execute(update(TreeHead).values(created_at=utcnow() - timedelta(hours=2)))

    assert client.get("/api/v1/log/tree-head").get_json()["tree_size"] == 2


def test_with_no_interval_each_new_size_gets_its_head(app_with, make_token):
    client = app_with(tree_head_interval=0).test_client()
    secret = make_token("IDN")
    sizes = []
    for _ in range(3):
        _submit(client, secret)
        sizes.append(client.get("/api/v1/log/tree-head").get_json()["tree_size"])
    assert sizes == [1, 2, 3]


def test_proofs_and_verify_work_with_a_head_older_than_the_newest_leaf(
        app_with, make_token, tmp_path):
    app = app_with(tree_head_interval=3600)
    client = app.test_client()
    secret = make_token("IDN")
    older = [_submit(client, secret) for _ in range(3)]
    head = client.get("/api/v1/log/tree-head").get_json()
    newer = _submit(client, secret)
    assert client.get("/api/v1/log/tree-head").get_json() == head  # older than the log

    receipt = older[1]["receipt"]
    proof = client.get("/api/v1/log/proof/inclusion",
                       query_string={"index": receipt["log_index"], "tree_size": 3}).get_json()
    leaf = merkle.leaf_hash(canonical_bytes(receipt))
    assert merkle.verify_inclusion(leaf, receipt["log_index"], 3,
                                   [bytes.fromhex(node) for node in proof["audit_path"]],
                                   bytes.fromhex(head["root_hash"]))

    with serving(app) as server:
        api = Client(server, secret)
        assert api.verify_receipt(receipt)
        assert api.verify_inclusion(receipt)
        # The newest receipt is signed at once; a later head will include it.
        assert api.verify_receipt(newer["receipt"])
        assert not api.verify_inclusion(newer["receipt"])
        result = CliRunner().invoke(main, ["verify", "--server", server, "--token", secret,
                                           "--report", older[0]["id"]])
    assert result.exit_code == 0, result.output
    assert "3 entries" in result.output
    assert "rebuilt root of 3 entries matches the tree head" in result.output
