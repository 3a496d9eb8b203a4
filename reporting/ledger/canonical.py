"""RFC 8785 canonical JSON: the exact bytes that are hashed and signed."""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785


def canonical_bytes(value: Any) -> bytes:
    """The JSON Canonicalization Scheme (RFC 8785) form of ``value``.

    Raises ``rfc8785.CanonicalizationError`` for values JSON cannot carry exactly
    (integers beyond ±2^53, NaN, infinities); callers validate ranges first.
    """
    return rfc8785.dumps(value)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
