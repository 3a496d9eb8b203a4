"""The signed summary document (summary-format.md): what a cell's summary says, the log
position it was computed from, and the service's Ed25519 signature over RFC 8785.

Signed exactly like receipts (``reporting.ledger.signing.sign_document``) with the
ledger's active key, whose public half is in the JWKS (``GET /api/v1/keys``), so
``vrs verify`` and any JOSE library check it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from sqlalchemy.orm import Session

from reporting.ledger.canonical import canonical_bytes, sha256_hex
from reporting.ledger.log import Ledger, rfc3339, tree_size
from reporting.ledger.signing import SigningKey, sign_document
from reporting.summaries.cells import Cell

# The fields that are not figures: where and when the summary was computed, and its
# signature. Two documents whose other fields are equal say the same thing.
PROVENANCE = ("basis", "computed_at", "code_version", "key_id", "signature")


@cache
def code_version() -> str:
    """The installed package's version, named in every summary."""
    try:
        return version("openvrs")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


@dataclass(frozen=True)
class Basis:
    """The log position a summary was computed from."""

    tree_size: int
    root_hash: str

    def as_dict(self) -> dict[str, Any]:
        return {"tree_size": self.tree_size, "root_hash": self.root_hash}


def current_basis(session: Session, ledger: Ledger) -> Basis:
    """The log's size and root hash as this transaction sees them: every receipt of a
    version it counts is in the tree of that size."""
    size = tree_size(session)
    return Basis(size, ledger.root(session, size).hex())


def figures_part(cell: Cell, region_name: str, k: int, rules_version: int,
                 content: dict[str, Any]) -> dict[str, Any]:
    """The document without its provenance: what the summary says."""
    return {"region": cell.region, "region_name": region_name, "period": cell.period,
            "audience": cell.audience, "k": k, "rules_version": rules_version, **content}


def content_sha256(document: dict[str, Any]) -> str:
    """SHA-256 of the canonical document without its provenance (``PROVENANCE``)."""
    return sha256_hex(canonical_bytes({key: value for key, value in document.items()
                                       if key not in PROVENANCE}))


def sign_summary(key: SigningKey, figures: dict[str, Any], basis: Basis,
                 computed_at: datetime) -> tuple[dict[str, Any], str]:
    """The signed document and its canonical text, as stored and served; ``key`` is the
    ledger's active key (``Ledger.active_key``)."""
    unsigned = {**figures, "code_version": code_version(), "basis": basis.as_dict(),
                "computed_at": rfc3339(computed_at)}
    signed, raw = sign_document(unsigned, key)
    return signed, raw.decode("utf-8")
