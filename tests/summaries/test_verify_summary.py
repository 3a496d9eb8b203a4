"""`vrs verify summary FILE`: a summary's signature, checked against published keys.

The documents are signed here straight from the specification (Ed25519 from
``cryptography`` over ``rfc8785``'s canonical form of the document without its
signature), not with the service's signing code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reporting.cli import main
from tests.summaries.test_exports import summary_document


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_raw(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.Raw,
                                             serialization.PublicFormat.Raw)


def kid_of(private: Ed25519PrivateKey) -> str:
    # SPEC §3 / ledger: the first 16 hex digits of SHA-256 over the raw public key.
    return hashlib.sha256(public_raw(private)).hexdigest()[:16]


def sign(document: dict[str, Any], private: Ed25519PrivateKey) -> dict[str, Any]:
    unsigned = {**document, "key_id": kid_of(private)}
    return {**unsigned, "signature": b64url(private.sign(rfc8785.dumps(unsigned)))}


def jwks(*privates: Ed25519PrivateKey) -> dict[str, Any]:
    return {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": b64url(public_raw(p)),
                      "kid": kid_of(p), "alg": "EdDSA", "use": "sig"} for p in privates]}


def vrs(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def keys_file(tmp_path: Path, key: Ed25519PrivateKey) -> str:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(jwks(Ed25519PrivateKey.generate(), key)))
    return str(path)


def write(tmp_path: Path, document: Any) -> str:
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(document, indent=2))
    return str(path)


def test_a_signed_summary_verifies_with_the_published_keys(tmp_path, key, keys_file):
    result = vrs("verify", "summary", write(tmp_path, sign(summary_document(), key)),
                 "--keys", keys_file)
    assert result.exit_code == 0, result.output
    assert result.output == (f"verified: summary 035 2026-Q1 (audience region, k 3, computed "
                             f"from log size 1234) is signed by key {kid_of(key)}\n")


def test_a_summary_with_one_figure_changed_after_signing_fails(tmp_path, key, keys_file):
    document = sign(summary_document(), key)
    document["observations"][0]["value"] += 1
    result = vrs("verify", "summary", write(tmp_path, document), "--keys", keys_file)
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "the signature does not verify with key" in result.output
    assert "Traceback" not in result.output


def test_a_summary_whose_basis_was_changed_after_signing_fails(tmp_path, key, keys_file):
    document = sign(summary_document(), key)
    document["basis"]["tree_size"] = 1000
    result = vrs("verify", "summary", write(tmp_path, document), "--keys", keys_file)
    assert result.exit_code == 1
    assert "does not verify" in result.output


def test_a_summary_signed_by_an_unpublished_key_fails_naming_the_key(tmp_path, keys_file):
    stranger = Ed25519PrivateKey.generate()
    result = vrs("verify", "summary", write(tmp_path, sign(summary_document(), stranger)),
                 "--keys", keys_file)
    assert result.exit_code == 1
    assert f"names key {kid_of(stranger)}, which the keys given do not publish" in (
        result.output)


def test_a_summary_signed_with_one_key_but_naming_another_fails(tmp_path, key, keys_file):
    document = sign(summary_document(), Ed25519PrivateKey.generate())
    document["key_id"] = kid_of(key)
    result = vrs("verify", "summary", write(tmp_path, document), "--keys", keys_file)
    assert result.exit_code == 1
    assert "does not verify" in result.output


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not a JSON file"),
    ("[1, 2]", "not a summary document"),
    (json.dumps({"region": "035"}), "not a summary document (no period"),
    (json.dumps(summary_document()), "the summary is not signed"),
])
def test_a_file_that_is_no_signed_summary_fails_with_one_line(tmp_path, keys_file, content,
                                                              message):
    path = tmp_path / "summary.json"
    path.write_text(content)
    result = vrs("verify", "summary", str(path), "--keys", keys_file)
    assert result.exit_code == 1
    assert message in result.output
    assert result.output.count("\n") == 1


def test_keys_that_are_no_jwks_fail_with_one_line(tmp_path, key):
    summary = write(tmp_path, sign(summary_document(), key))
    not_jwks = tmp_path / "not-jwks.json"
    not_jwks.write_text("[]")
    for source, message in ((str(not_jwks), "is not a JWKS"),
                            (str(tmp_path / "missing.json"), "cannot read the keys"),
                            ("http://127.0.0.1:9/keys", "cannot fetch the keys")):
        result = vrs("verify", "summary", summary, "--keys", source)
        assert result.exit_code == 1, source
        assert message in result.output
        assert result.output.count("\n") == 1


def test_verify_summary_needs_keys_or_a_server(tmp_path, key):
    result = vrs("verify", "summary", write(tmp_path, sign(summary_document(), key)))
    assert result.exit_code == 1
    assert "give --keys" in result.output


def test_the_log_options_do_not_go_with_verify_summary(tmp_path, key, keys_file):
    result = vrs("verify", "--bundle", keys_file, "summary",
                 write(tmp_path, sign(summary_document(), key)), "--keys", keys_file)
    assert result.exit_code == 1
    assert "only --server goes with `vrs verify summary`" in result.output


def service_key() -> Ed25519PrivateKey:
    """The key the test service signs with (tests/conftest.py sets VRS_SIGNING_KEY)."""
    seed = os.environ["VRS_SIGNING_KEY"]
    return Ed25519PrivateKey.from_private_bytes(
        base64.urlsafe_b64decode(seed + "=" * (-len(seed) % 4)))


def test_a_summary_verifies_with_the_keys_a_server_publishes(live_server, tmp_path):
    summary = write(tmp_path, sign(summary_document(), service_key()))
    by_url = vrs("verify", "summary", summary, "--keys", f"{live_server}/api/v1/keys")
    assert by_url.exit_code == 0, by_url.output
    by_server = vrs("verify", "--server", live_server, "summary", summary)
    assert by_server.exit_code == 0, by_server.output
    assert by_server.output.startswith("verified: summary 035 2026-Q1")

    other = write(tmp_path, sign(summary_document(), Ed25519PrivateKey.generate()))
    refused = vrs("verify", "--server", live_server, "summary", other)
    assert refused.exit_code == 1
    assert "which the keys given do not publish" in refused.output
