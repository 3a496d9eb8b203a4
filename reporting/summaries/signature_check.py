"""`vrs verify summary`: is a summary document signed by one of the service's keys?

A summary is signed exactly as a receipt is (SPEC §3): Ed25519 over the RFC 8785 form
of the document without its ``signature``, by the key ``key_id`` names, published in the
JWKS at ``GET /api/v1/keys``. The check itself is the ledger's (``verify_document``,
``public_keys_from_jwks``); this module reads the file and the keys and turns each way
of failing into one sentence.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from reporting.ledger.signing import verify_document
from reporting.ledger.verify import public_keys_from_jwks

# What every summary document has besides its content (summary-format.md).
SUMMARY_FIELDS = ("region", "period", "audience", "k", "basis", "observations")


class SummaryCheckFailed(Exception):
    """The check failed; the message is one line for the person who ran it."""


def read_keys(source: str) -> dict[str, bytes]:
    """The Ed25519 public keys (kid -> raw key) of a JWKS file or an http(s) URL."""
    try:
        if source.startswith(("http://", "https://")):
            with urllib.request.urlopen(source, timeout=60) as response:  # noqa: S310 - http(s) only
                jwks = json.loads(response.read())
        else:
            jwks = json.loads(Path(source).read_text(encoding="utf-8"))
        keys = public_keys_from_jwks(jwks)
    except urllib.error.URLError as exc:
        raise SummaryCheckFailed(f"cannot fetch the keys from {source}: "
                                 f"{getattr(exc, 'reason', exc)}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SummaryCheckFailed(f"cannot read the keys from {source}: {exc}") from None
    except (AttributeError, KeyError, TypeError):
        raise SummaryCheckFailed(f"{source} is not a JWKS (a JSON object with \"keys\")") \
            from None
    if not keys:
        raise SummaryCheckFailed(f"{source} holds no Ed25519 public key")
    return keys


def read_summary(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``, or SummaryCheckFailed naming the file."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SummaryCheckFailed(f"{path}: not a JSON file ({exc})") from None
    if not isinstance(document, dict):
        raise SummaryCheckFailed(f"{path}: not a summary document (not a JSON object)")
    return document


def check_summary(document: dict[str, Any], keys: dict[str, bytes]) -> str:
    """What a valid signature vouches for, as one line; SummaryCheckFailed otherwise."""
    missing = [name for name in SUMMARY_FIELDS if name not in document]
    if missing:
        raise SummaryCheckFailed(f"not a summary document (no {', '.join(missing)})")
    kid = document.get("key_id")
    if not isinstance(kid, str) or not isinstance(document.get("signature"), str):
        raise SummaryCheckFailed("the summary is not signed (no key_id or signature)")
    if kid not in keys:
        raise SummaryCheckFailed(f"the summary names key {kid}, which the keys given do not "
                                 "publish")
    if not verify_document(document, keys):
        raise SummaryCheckFailed(f"the signature does not verify with key {kid}: the summary "
                                 "was altered after signing, or is not this key's signature")
    basis = document["basis"]
    tree_size = basis.get("tree_size") if isinstance(basis, dict) else None
    return (f"summary {document['region']} {document['period']} (audience "
            f"{document['audience']}, k {document['k']}, computed from log size {tree_size})"
            f" is signed by key {kid}")
