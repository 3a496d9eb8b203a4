"""Where the service's private signing keys live, and how they are loaded.

Two sources, both never served and never logged:

* ``VRS_SIGNING_KEY``: the base64url 32-byte Ed25519 seed, for deployments whose secret
  store injects keys through the environment;
* ``<data dir>/keys/<kid>.pem``: PKCS #8, encrypted with ``VRS_KEY_PASSPHRASE``
  (the cryptography package's best available scheme), for the embedded default.

Which key signs is recorded in the database (``log_state.active_kid``), so every API
worker switches at once when an operator rotates; public keys stay in ``signing_keys``
for the JWKS after rotation.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reporting.ledger.signing import SigningKey, b64url, b64url_decode


class KeyUnavailable(RuntimeError):
    """The active key's private half cannot be loaded here."""


class Keyring:
    """Private keys by kid, loaded lazily and cached (decryption is deliberately slow)."""

    def __init__(self, key_dir: Path, passphrase: str | None = None,
                 env_seed: str | None = None) -> None:
        self.key_dir = Path(key_dir)
        self._passphrase = passphrase.encode() if passphrase else None
        self._cache: dict[str, SigningKey] = {}
        if env_seed:
            try:
                private = Ed25519PrivateKey.from_private_bytes(b64url_decode(env_seed.strip()))
            except ValueError as exc:
                raise KeyUnavailable("VRS_SIGNING_KEY is not a base64url 32-byte seed") from exc
            key = SigningKey.from_private(private)
            self._cache[key.kid] = key

    @classmethod
    def from_env(cls, data_dir: Path) -> Keyring:
        return cls(Path(data_dir) / "keys", os.environ.get("VRS_KEY_PASSPHRASE") or None,
                   os.environ.get("VRS_SIGNING_KEY") or None)

    def environment_key(self) -> SigningKey | None:
        """The key supplied by the environment, if any."""
        return next(iter(self._cache.values()), None) if self._cache else None

    def remember(self, key: SigningKey) -> None:
        """Hold a key loaded elsewhere (an operator's tool, a test) for signing."""
        self._cache[key.kid] = key

    def get(self, kid: str) -> SigningKey:
        if kid in self._cache:
            return self._cache[kid]
        path = self.key_dir / f"{kid}.pem"
        if not path.exists():
            # No path in the message: it may reach an API client in a 503.
            raise KeyUnavailable(f"no private key {kid} in the key directory or the "
                                 "environment")
        if self._passphrase is None:
            raise KeyUnavailable("VRS_KEY_PASSPHRASE is not set; the key file is encrypted")
        try:
            private = serialization.load_pem_private_key(path.read_bytes(), self._passphrase)
        except (ValueError, TypeError) as exc:
            raise KeyUnavailable(f"cannot decrypt key {kid}: wrong VRS_KEY_PASSPHRASE?") from exc
        if not isinstance(private, Ed25519PrivateKey):
            raise KeyUnavailable(f"key {kid} is not an Ed25519 key")
        key = SigningKey.from_private(private)
        if key.kid != kid:
            raise KeyUnavailable(f"key file {path.name} holds key {key.kid}")
        self._cache[kid] = key
        return key

    def create(self) -> SigningKey:
        """A new key, written encrypted to the key directory."""
        if self._passphrase is None:
            raise KeyUnavailable("set VRS_KEY_PASSPHRASE: key files are stored encrypted")
        key = SigningKey.generate()
        pem = key.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._passphrase))
        self.key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.key_dir / f"{key.kid}.pem"
        # Owner-only from the first byte: the file is encrypted, but need not be readable.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        self._cache[key.kid] = key
        return key


def new_seed() -> str:
    """A fresh base64url Ed25519 seed, for operators who keep keys in the environment."""
    return b64url(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
        serialization.NoEncryption()))
