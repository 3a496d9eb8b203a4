"""Tamper detection on the server's own database (`vrs audit-log`): its integrity.

Checks that each stored version still hashes to what its signed receipt says, that each
log leaf still hashes its entry, that the stored subtree hashes agree with the leaves,
and that every signed tree head still matches the tree.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporting.ledger import merkle
from reporting.ledger.log import Ledger, node_reader
from reporting.ledger.models import LogLeaf, LogNode, TreeHead
from reporting.ledger.signing import verify_document
from reporting.ledger.verify import Findings, MemoryTree, body_hash
from reporting.reports.models import ReportVersion


def check_integrity(session: Session, ledger: Ledger) -> Findings:
    findings = Findings()
    keys = ledger.verifying_keys(session)
    tree = MemoryTree()
    receipts: dict[int, dict] = {}
    bad_leaves = 0
    for leaf in session.scalars(select(LogLeaf).order_by(LogLeaf.index)):
        entry = bytes(leaf.entry)
        problems = []
        if leaf.index != tree.size:
            problems.append(f"gap: expected index {tree.size}")
        if merkle.leaf_hash(entry) != bytes(leaf.leaf_hash):
            problems.append("stored leaf hash no longer matches the entry")
        receipt = json.loads(entry)
        if not verify_document(receipt, keys):
            problems.append("receipt signature does not verify")
        for problem in problems:
            findings.failures.append(f"leaf {leaf.index}: {problem}")
        bad_leaves += bool(problems)
        receipts[leaf.index] = receipt
        tree.append(merkle.leaf_hash(entry))
    findings.check(bad_leaves == 0, f"{tree.size} log leaves hash and verify",
                   f"{bad_leaves} log leaves were altered")

    stored = {(n.level, n.index): bytes(n.hash) for n in session.scalars(select(LogNode))}
    differing = sorted(k for k in set(stored) | set(tree.nodes)
                       if stored.get(k) != tree.nodes.get(k))
    findings.check(not differing, f"{len(stored)} stored subtree hashes agree with the leaves",
                   f"{len(differing)} stored subtree hashes differ from the leaves, "
                   f"first at (level, index) {differing[0] if differing else None}")

    bad_versions = 0
    for version in session.scalars(select(ReportVersion)):
        receipt = receipts.get(version.log_index, {})
        problems = []
        if body_hash(version.body) != version.content_sha256:
            problems.append("stored body no longer matches its content hash")
        if receipt.get("content_sha256") != body_hash(version.body):
            problems.append("stored body differs from what its signed receipt says")
        if (receipt.get("report_id"), receipt.get("version")) != (version.report_id,
                                                                  version.version):
            problems.append("receipt in the log names another report or version")
        for problem in problems:
            findings.failures.append(
                f"report {version.report_id} version {version.version}: {problem}")
        bad_versions += bool(problems)
    findings.check(bad_versions == 0, "every stored report version matches its receipt",
                   f"{bad_versions} report versions were altered")

    read = node_reader(session)
    for head in session.scalars(select(TreeHead).order_by(TreeHead.tree_size)):
        document = json.loads(head.document)
        ok = verify_document(document, keys) and head.tree_size <= tree.size \
            and tree.root(head.tree_size).hex() == document["root_hash"] == head.root_hash
        findings.check(ok, f"signed tree head {head.tree_size} matches the leaves",
                       f"signed tree head {head.tree_size} no longer matches the leaves")
    if tree.size:
        findings.check(merkle.root_hash(tree.size, read) == tree.root(tree.size),
                       "root from stored nodes equals root from leaves",
                       "root from stored nodes differs from root from leaves")
    return findings
