"""`vrs serve` under concurrent load: real gunicorn (gthread), real HTTP, both engines.

Submissions that reach one worker together share a commit (reporting.group_commit); what
must hold whatever the grouping is checked from the outside: every request gets its own
201 and receipt, and the public log is gap-free, verifiable and consistent with the
receipts, its tree head recomputed here independently of the service's Merkle code.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from reporting.ledger.canonical import canonical_bytes
from reporting.ledger.signing import b64url_decode, verify_document
from tests.factories import report
from tests.ledger.test_merkle import RefTree

HOST = "127.0.0.1"
START_SECONDS = 60.0
SUBMISSIONS = 48


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def call(port: int, method: str, path: str, body: dict | None = None,
         token: str | None = None) -> tuple[int, dict]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()


@pytest.fixture
def server(app, database, database_url: str, tmp_path: Path):
    """`vrs serve` on a free port with 2 workers x 4 threads; stopped whatever happens."""
    port = free_port()
    env = {**os.environ, "VRS_DATABASE_URL": database_url, "VRS_DATA_DIR": str(tmp_path)}
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-m", "reporting.cli", "serve", "--port", str(port),
         "--workers", "2", "--threads", "4"],
        env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                call(port, "GET", "/api/v1/keys")
                break
            except OSError:
                assert time.monotonic() < deadline, "vrs serve did not answer"
                time.sleep(0.2)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(15)
        log.close()


def test_concurrent_submissions_through_vrs_serve_make_one_verifiable_log(server,
                                                                          make_token):
    tokens = {state: make_token(state) for state in ("IDN", "MYS", "THA", "AUS")}
    states = list(tokens)

    def submit(n: int) -> tuple[int, dict]:
        return call(server, "POST", "/api/v1/reports", report(),
                    tokens[states[n % len(states)]])

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(submit, range(SUBMISSIONS)))
    assert [status for status, _ in answers] == [201] * SUBMISSIONS, answers[:3]
    receipts = [body["receipt"] for _, body in answers]
    assert len({body["id"] for _, body in answers}) == SUBMISSIONS
    assert sorted(r["log_index"] for r in receipts) == list(range(SUBMISSIONS))

    status, jwks = call(server, "GET", "/api/v1/keys")
    keys = {key["kid"]: b64url_decode(key["x"]) for key in jwks["keys"]}
    # Anonymously: leaf hashes only, each the hash of the receipt its client was given.
    status, page = call(server, "GET", f"/api/v1/log/entries?start=0&end={SUBMISSIONS}")
    assert status == 200
    entries = page["entries"]
    assert [e["index"] for e in entries] == list(range(SUBMISSIONS))
    assert not any("entry" in e for e in entries)
    by_index = {r["log_index"]: r for r in receipts}
    for entry in entries:
        receipt = by_index[entry["index"]]
        assert verify_document(receipt, keys)
        leaf = hashlib.sha256(b"\x00" + canonical_bytes(receipt)).hexdigest()
        assert entry["leaf_hash"] == leaf
    status, head = call(server, "GET", "/api/v1/log/tree-head")
    assert head["tree_size"] == SUBMISSIONS
    reference = RefTree([canonical_bytes(by_index[index]) for index in range(SUBMISSIONS)])
    assert head["root_hash"] == reference.mth(0, SUBMISSIONS).hex()
    # Every inclusion proof the server gives checks out against that root.
    for index in (0, SUBMISSIONS // 2, SUBMISSIONS - 1):
        status, proof = call(server, "GET",
                             f"/api/v1/log/proof/inclusion?index={index}"
                             f"&tree_size={SUBMISSIONS}")
        assert proof["audit_path"] == [h.hex() for h in reference.path(index, 0, SUBMISSIONS)]


def test_the_access_log_keeps_paths_but_not_query_strings(server, make_token, tmp_path):
    token = make_token("IDN")
    status, body = call(server, "GET", "/api/v1/reports?period=2024&state=IDN&limit=7",
                        token=token)
    assert status == 200, body
    log = tmp_path / "serve.log"
    deadline = time.monotonic() + 10
    while b"GET /api/v1/reports " not in log.read_bytes():
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
    text = log.read_text()
    assert "period=2024" not in text
    assert "limit=7" not in text
    assert token not in text
