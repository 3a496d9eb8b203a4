"""Crypto-currency wallet addresses, confirmed by their checksums.

Catches: Bitcoin legacy and P2SH addresses (base58check, version 0x00/0x05) and TRON
addresses (base58check, version 0x41), decoded with the ``base58`` package; Bitcoin
SegWit and Taproot addresses (bech32 / bech32m, ``bech32m`` package, also testnet);
Ethereum and other EVM addresses: mixed-case ones only when their EIP-55 checksum
(Keccak-256 via ``pycryptodome``) agrees, all-lower or all-upper ones by shape (0x + 40
hex digits; they carry no checksum).

Misses: wallets of other chains (Litecoin, Dogecoin, Monero, Solana...) and addresses
with a typo (their checksum fails; a 1 in 2^32 chance to pass).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import base58
import bech32m
from Crypto.Hash import keccak

from reporting.reports.guard.base import Span

kind = "crypto_wallet"

_BASE58_RE = re.compile(
    r"[13T](?<![A-Za-z0-9][13T])[1-9A-HJ-NP-Za-km-z]{25,34}(?![A-Za-z0-9])")
_BECH32_RE = re.compile(r"(?i:(?<![A-Za-z0-9])(?:bc|tb)1[02-9ac-hj-np-z]{8,87})(?![A-Za-z0-9])")
_ETH_RE = re.compile(r"0(?<![A-Za-z0-9]0)[xX][0-9a-fA-F]{40}(?![0-9A-Za-z])")
_BASE58_VERSIONS = {0x00: 21, 0x05: 21, 0x41: 21}


def _base58_ok(candidate: str) -> bool:
    try:
        raw = base58.b58decode_check(candidate)
    except ValueError:
        return False
    return _BASE58_VERSIONS.get(raw[0]) == len(raw)


def _bech32_ok(candidate: str) -> bool:
    hrp = candidate[:2].lower()
    try:
        bech32m.decode(hrp, candidate)
    except (bech32m.DecodeError, ValueError):
        return False
    return True


def _eip55_ok(address: str) -> bool:
    hexpart = address[2:]
    if hexpart == hexpart.lower() or hexpart == hexpart.upper():
        return True  # no checksum to check
    digest = keccak.new(digest_bits=256, data=hexpart.lower().encode("ascii")).hexdigest()
    return all(
        (c.upper() if int(digest[i], 16) >= 8 else c.lower()) == c
        for i, c in enumerate(hexpart)
    )


class CryptoWalletDetector:
    kind = kind

    def find(self, text: str) -> Iterator[Span]:
        for m in _BASE58_RE.finditer(text):
            if _base58_ok(m.group()):
                yield m.span()
        for m in _BECH32_RE.finditer(text):
            if _bech32_ok(m.group()):
                yield m.span()
        if "0x" in text or "0X" in text:
            for m in _ETH_RE.finditer(text):
                if _eip55_ok(m.group()):
                    yield m.span()
