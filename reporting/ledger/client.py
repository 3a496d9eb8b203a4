"""`vrs verify`'s side of the wire: fetch what a server publishes, or read a bundle."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from reporting.ledger.verify import (
    Findings,
    check_consistency,
    check_entries,
    check_head,
    check_inclusion,
    public_keys_from_jwks,
)

PAGE = 1000


class Fetcher:
    def __init__(self, base: str, token: str | None = None) -> None:
        # The server's base URL with or without the API prefix (`vrs serve` prints the
        # latter).
        base = base.rstrip("/")
        self.base = base if base.endswith("/api/v1") else base + "/api/v1"
        self.token = token

    def get(self, path: str, **query: Any) -> Any:
        url = self.base + path + ("?" + urllib.parse.urlencode(query) if query else "")
        if not url.startswith(("http://", "https://")):
            raise click.UsageError("--server must be an http(s) URL")
        # With a token the server adds the receipts this caller may read to the entries.
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - checked
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return json.loads(response.read())

    def entries(self, size: int, progress: bool) -> Iterator[dict[str, Any]]:
        start = 0
        while start < size:
            page = self.get("/log/entries", start=start, end=min(start + PAGE, size))
            if not page["entries"]:
                return
            yield from page["entries"]
            start += len(page["entries"])
            if progress:
                click.echo(f"fetched {start} of {size} entries", err=True)


def run_verification(*, server: str | None, bundle: Path | None, since: Path | None,
                     report_ids: tuple[str, ...], save: Path | None, export: Path | None,
                     progress: bool, token: str | None = None) -> Findings:
    findings = Findings()
    fetcher = Fetcher(server, token) if server else None
    try:
        if fetcher:
            jwks = fetcher.get("/keys")
            head = fetcher.get("/log/tree-head")
            entries = list(fetcher.entries(head["tree_size"], progress))
        else:
            data = json.loads(Path(bundle).read_text())  # type: ignore[arg-type]
            jwks, head, entries = data["keys"], data["tree_head"], data["entries"]
    except (OSError, urllib.error.URLError, ValueError, KeyError) as exc:
        findings.failures.append(f"could not read the log: {exc}")
        return findings

    keys = public_keys_from_jwks(jwks)
    findings.check(bool(keys), f"{len(keys)} published signing keys",
                   "no Ed25519 keys were published")
    tree, by_report = check_entries(entries, keys, findings)
    check_head(head, keys, tree, findings)

    if since:
        old = json.loads(since.read_text())
        proof = None
        if fetcher and 0 < old.get("tree_size", 0) < head["tree_size"]:
            proof = fetcher.get("/log/proof/consistency", first=old["tree_size"],
                                second=head["tree_size"])["proof"]
        check_consistency(old, head, keys, tree, proof, findings)

    for report_id in report_ids:
        def proof_for(index: int) -> tuple[str, list[str]]:
            if fetcher:
                proof = fetcher.get("/log/proof/inclusion", index=index,
                                    tree_size=head["tree_size"])
                return proof["leaf_hash"], proof["audit_path"]
            from reporting.ledger import merkle

            return (tree.nodes[(0, index)].hex(),
                    [p.hex() for p in merkle.inclusion_proof(index, head["tree_size"],
                                                             tree.read)])

        check_inclusion(report_id, by_report.get(report_id, []), head, proof_for, findings)

    if save and findings.passed:
        save.write_text(json.dumps(head, indent=2) + "\n")
        findings.ok.append(f"tree head saved to {save}")
    if export:
        export.write_text(json.dumps({"keys": jwks, "tree_head": head, "entries": entries}))
        findings.ok.append(f"bundle written to {export}")
    return findings
