"""RFC 8785 canonical JSON: the exact bytes that are hashed and signed.

Every submission canonicalises its body and its receipt (unsigned, then signed), and the
pure-Python ``rfc8785`` package was about a tenth of a submission's CPU time. For the
values this service produces, the standard library's C JSON encoder, given sorted keys and
compact separators, writes the same bytes, so ``canonical_bytes`` uses it when a value is
*plain* and hands everything else to ``rfc8785``. Plain means:

* object keys are ASCII strings: ``sort_keys`` orders by code point, RFC 8785 by UTF-16
  code unit, and the two orders agree on ASCII (they differ only between astral
  characters and U+E000..U+FFFF);
* integers within ±(2^53 - 1), the range ``rfc8785`` accepts, written as decimal digits
  by both;
* floats whose ``repr`` has no exponent: ``rfc8785`` derives its ECMAScript form from
  ``str(f)`` and only rewrites exponents and a trailing ``.0``. An integral float is
  written as the integer it equals (``1500.0`` -> ``1500``, ``-0.0`` -> ``0``);
* strings the encoder escapes exactly as RFC 8785 §3.2.2.2 does (``\\"``, ``\\\\``,
  ``\\b \\f \\n \\r \\t``, other controls as lower-case ``\\u00xx``, nothing else);
  a lone surrogate cannot be encoded as UTF-8 and goes to ``rfc8785``, which rejects it.

Anything else (an exponent, a subclass of a JSON type, a non-ASCII key, a lone
surrogate) falls back to ``rfc8785`` itself, so its errors and its output stay the
reference. ``tests/ledger/test_signing.py`` checks the two are byte-identical on
generated values of every JSON shape.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import rfc8785

_INT_MAX = 2**53 - 1
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, sort_keys=True,
                            separators=(",", ":"), check_circular=False)


class _NotPlain(Exception):
    """The value needs the reference implementation."""


def _plain(value: Any) -> Any:
    """``value`` with integral floats as ints, or _NotPlain; exact types only."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is int:
        if -_INT_MAX <= value <= _INT_MAX:
            return value
        raise _NotPlain
    if kind is float:
        if value.is_integer():
            if -_INT_MAX <= value <= _INT_MAX:
                return int(value)
            raise _NotPlain
        if "e" in (text := repr(value)) or "n" in text:  # exponent, nan, inf
            raise _NotPlain
        return value
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str or not key.isascii():
                raise _NotPlain
            # Strings, small integers and null inline: a summary has thousands of them,
            # and a call each was most of canonicalising it.
            inner = type(item)
            if inner is str or item is None or (
                    inner is int and -_INT_MAX <= item <= _INT_MAX):
                out[key] = item
            else:
                out[key] = _plain(item)
        return out
    if kind is list or kind is tuple:
        return [_plain(item) for item in value]
    raise _NotPlain


def canonical_bytes(value: Any) -> bytes:
    """The JSON Canonicalization Scheme (RFC 8785) form of ``value``.

    Raises ``rfc8785.CanonicalizationError`` for values JSON cannot carry exactly
    (integers beyond ±2^53, NaN, infinities); callers validate ranges first.
    """
    try:
        return _ENCODER.encode(_plain(value)).encode("utf-8")
    except (_NotPlain, UnicodeEncodeError, RecursionError):
        return rfc8785.dumps(value)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
