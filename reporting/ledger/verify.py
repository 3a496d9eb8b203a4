"""Offline verification of the log: what `vrs verify` and `vrs audit-log` check.

Everything here works on plain data (entries, heads, keys), so a member state can run
it against a server it does not trust, or against an exported bundle.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from reporting.ledger import merkle
from reporting.ledger.canonical import canonical_bytes
from reporting.ledger.signing import b64url_decode, verify_document


@dataclass
class Findings:
    """What was checked: ``ok`` lines and ``failures``; any failure means do not trust."""

    ok: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def check(self, condition: bool, success: str, failure: str) -> bool:
        (self.ok if condition else self.failures).append(success if condition else failure)
        return condition

    @property
    def passed(self) -> bool:
        return not self.failures


def public_keys_from_jwks(jwks: dict[str, Any]) -> dict[str, bytes]:
    keys = {}
    for key in jwks.get("keys", []):
        if key.get("kty") == "OKP" and key.get("crv") == "Ed25519":
            keys[key["kid"]] = b64url_decode(key["x"])
    return keys


class MemoryTree:
    """The tree rebuilt from entries, with the same node store the server keeps."""

    def __init__(self) -> None:
        self.nodes: dict[merkle.NodeId, bytes] = {}
        self.size = 0

    def read(self, ids: list[merkle.NodeId]) -> dict[merkle.NodeId, bytes]:
        return {i: self.nodes[i] for i in ids if i in self.nodes}

    def append(self, leaf: bytes) -> None:
        for level, index, digest in merkle.nodes_for_append(self.size, leaf, self.read):
            self.nodes[(level, index)] = digest
        self.size += 1

    def root(self, size: int) -> bytes:
        return merkle.root_hash(size, self.read)


def _hidden_leaf(item: dict[str, Any], tree: MemoryTree) -> tuple[bytes, list[str]]:
    """The leaf of an entry served without its receipt (one the caller may not read)."""
    problems = []
    try:
        leaf = bytes.fromhex(item.get("leaf_hash", ""))
    except ValueError:
        leaf = b""
    if len(leaf) != 32:
        problems.append("neither a receipt nor a 32-byte leaf hash")
        leaf = bytes(32)
    if item["index"] != tree.size:
        problems.append(f"expected index {tree.size}")
    return leaf, problems


def check_entries(entries: Iterable[dict[str, Any]], keys: dict[str, bytes],
                  findings: Findings) -> tuple[MemoryTree, dict[str, list[dict]]]:
    """Rebuild the tree; check each receipt the caller was shown: bytes, index, signature.

    An entry without its receipt (the caller may not read that report) adds its leaf
    hash to the tree: the root checked against the signed tree head then covers it.
    Returns the tree and the receipts by report id.
    """
    tree = MemoryTree()
    by_report: dict[str, list[dict]] = {}
    bad = hidden = 0
    for item in entries:
        if "entry" not in item:
            leaf, problems = _hidden_leaf(item, tree)
            for problem in problems:
                findings.failures.append(f"entry {item['index']}: {problem}")
            bad += bool(problems)
            hidden += 1
            tree.append(leaf)
            continue
        raw = item["entry"].encode("utf-8")
        leaf = merkle.leaf_hash(raw)
        problems = []
        if item.get("leaf_hash") and item["leaf_hash"] != leaf.hex():
            problems.append("served leaf hash differs from the entry's hash")
        if item["index"] != tree.size:
            problems.append(f"expected index {tree.size}")
        try:
            receipt = json.loads(raw)
        except ValueError:
            receipt = {}
            problems.append("entry is not JSON")
        if receipt and canonical_bytes(receipt) != raw:
            problems.append("entry is not in RFC 8785 canonical form")
        if receipt.get("log_index") != item["index"]:
            problems.append("receipt's log_index differs from its position")
        if not verify_document(receipt, keys):
            problems.append(f"signature does not verify (key {receipt.get('key_id')!r})")
        for problem in problems:
            findings.failures.append(f"entry {item['index']}: {problem}")
        bad += bool(problems)
        tree.append(leaf)
        if "report_id" in receipt:
            by_report.setdefault(receipt["report_id"], []).append(receipt)
    shown = tree.size - hidden
    findings.check(bad == 0, f"{tree.size} entries: the tree rebuilt from their leaves; "
                             f"{shown} receipts readable by this caller, each canonical, in "
                             "place and signed by a published key",
                   f"{bad} entries failed")
    return tree, by_report


def check_head(head: dict[str, Any], keys: dict[str, bytes], tree: MemoryTree | None,
               findings: Findings, label: str = "tree head") -> bool:
    ok = findings.check(verify_document(head, keys),
                        f"{label} of size {head.get('tree_size')} is signed by key "
                        f"{head.get('key_id')}",
                        f"{label} signature does not verify")
    if tree is not None and ok:
        size = head["tree_size"]
        if size > tree.size:
            findings.failures.append(f"{label} claims {size} entries; only {tree.size} served")
            return False
        ok = findings.check(tree.root(size).hex() == head["root_hash"],
                            f"rebuilt root of {size} entries matches the {label}",
                            f"rebuilt root of {size} entries differs from the {label}")
    return ok


def check_consistency(old: dict[str, Any], new: dict[str, Any], keys: dict[str, bytes],
                      tree: MemoryTree, proof: list[str] | None, findings: Findings) -> None:
    """The log of ``new`` extends that of ``old`` (no entry changed, none dropped)."""
    if not check_head(old, keys, None, findings, "saved tree head"):
        return
    m, n = old["tree_size"], new["tree_size"]
    if m > n:
        findings.failures.append(f"the log shrank from {m} to {n} entries")
        return
    findings.check(tree.root(m).hex() == old["root_hash"],
                   f"the first {m} entries still hash to the saved root",
                   f"history was rewritten: the first {m} entries no longer hash to the "
                   "saved root")
    if proof is not None and 0 < m < n:
        findings.check(
            merkle.verify_consistency(m, n, bytes.fromhex(old["root_hash"]),
                                      bytes.fromhex(new["root_hash"]),
                                      [bytes.fromhex(p) for p in proof]),
            f"the server's consistency proof {m} → {n} verifies",
            f"the server's consistency proof {m} → {n} does not verify")


def check_inclusion(report_id: str, receipts: list[dict], head: dict[str, Any],
                    proof_for: Callable[[int], tuple[str, list[str]]],
                    findings: Findings) -> None:
    """Each receipt of the report is in the signed tree, by the server's audit path."""
    if not findings.check(bool(receipts), f"report {report_id} has {len(receipts)} receipts",
                          f"report {report_id} has no receipt in the log that this caller "
                          "may read (give --token), or none yet under the signed tree head "
                          "(a new head is signed at most once per interval: retry)"):
        return
    root = bytes.fromhex(head["root_hash"])
    for receipt in receipts:
        index = receipt["log_index"]
        leaf_hex, path = proof_for(index)
        expected = merkle.leaf_hash(canonical_bytes(receipt)).hex()
        findings.check(
            leaf_hex == expected and merkle.verify_inclusion(
                bytes.fromhex(leaf_hex), index, head["tree_size"],
                [bytes.fromhex(p) for p in path], root),
            f"receipt {index} (version {receipt['version']}"
            f"{', ' + receipt['event'] if 'event' in receipt else ''}) is included in the "
            "signed tree",
            f"receipt {index} of report {report_id}: inclusion proof does not verify")


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
