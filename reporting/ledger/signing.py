"""Ed25519 signatures over RFC 8785 canonical JSON, and the keys that make them.

The service's private keys never leave this module's callers: they are read from the
environment (production) or from passphrase-encrypted PKCS #8 files in the data
directory, and only public keys are ever rendered (JWKS, RFC 8037).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from reporting.ledger.canonical import canonical_bytes


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2), as JWS and JWK use it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict inverse of ``b64url``; ValueError for anything else."""
    if not isinstance(text, str) or "=" in text:
        raise ValueError("not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, base64.binascii.Error) as exc:  # type: ignore[attr-defined]
        raise ValueError("not base64url") from exc
    if b64url(data) != text:
        raise ValueError("not canonical base64url")
    return data


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: bytes) -> str:
    """The key's id: the first 16 hex digits of SHA-256 over the raw 32-byte public key."""
    return hashlib.sha256(public_key).hexdigest()[:16]


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        private = Ed25519PrivateKey.generate()
        return cls(key_id(raw_public_key(private.public_key())), private)

    @classmethod
    def from_private(cls, private: Ed25519PrivateKey) -> SigningKey:
        return cls(key_id(raw_public_key(private.public_key())), private)

    @property
    def public_bytes(self) -> bytes:
        return raw_public_key(self.private.public_key())

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)

    def __repr__(self) -> str:  # never let a private key reach a log line
        return f"SigningKey(kid={self.kid!r})"


def sign_document(document: dict[str, Any], key: SigningKey) -> tuple[dict[str, Any], bytes]:
    """``document`` with ``key_id`` and ``signature`` added, and its canonical bytes.

    The signature is Ed25519 over the RFC 8785 form of the document without its
    ``signature`` field (SPEC §3); the bytes returned are the canonical form of the whole
    signed document, as logged.
    """
    unsigned = {**document, "key_id": key.kid}
    unsigned.pop("signature", None)
    signature = b64url(key.sign(canonical_bytes(unsigned)))
    signed = {**unsigned, "signature": signature}
    return signed, canonical_bytes(signed)


def verify_document(document: dict[str, Any], public_keys: dict[str, bytes]) -> bool:
    """Whether ``document`` carries a valid signature by the key its ``key_id`` names."""
    try:
        public = public_keys[document["key_id"]]
        signature = b64url_decode(document["signature"])
        unsigned = {k: v for k, v in document.items() if k != "signature"}
        Ed25519PublicKey.from_public_bytes(public).verify(signature, canonical_bytes(unsigned))
    except (KeyError, TypeError, ValueError, InvalidSignature):
        return False
    return True


def jwk(public_key: bytes) -> dict[str, str]:
    """The public key as an RFC 8037 OKP JWK."""
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(public_key), "kid": key_id(public_key),
            "alg": "EdDSA", "use": "sig"}
