"""`vrs recompute`: a member recomputes a signed summary from the reports it may read.

No trust in the host is needed beyond what can be checked:

1. the summary's signature, with the service's published keys;
2. its basis: the root hash at ``basis.tree_size`` is consistent with a signed tree head
   (RFC 9162 consistency proof), so it is a state of the one log everybody sees;
3. for each report the summary counts (approved, not withdrawn, shared with the
   summary's audience, reporting state in the region, incident in the period): the body
   of its approved version hashes (RFC 8785, SHA-256) to its receipt's
   ``content_sha256``, the receipt's signature verifies, and the receipt is in the log at
   ``basis.tree_size`` (inclusion proof against the basis root);
4. the same ``Tallies`` the worker fills in SQL, filled here from those bodies
   (``Tallies.add_version`` over ``facts.figures_row`` / ``facts.fact_rows``), for the
   period and the previous one, through the same ``compute.summarise`` with the
   summary's k and rates, compared figure by figure.

Which reports count is read from the reports' current state (``GET /reports``); a report
approved or withdrawn after the summary was computed, before the workers refreshed it,
shows as a difference or as a receipt beyond the basis, and a retry a moment later
agrees. Only what the caller may read can be counted: a member of the region recomputes
its ``region`` summary, anyone its ``all_members`` one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reporting.client import Client
from reporting.ledger import merkle
from reporting.ledger.canonical import canonical_bytes, sha256_hex
from reporting.reports.facts import fact_rows, figures_row
from reporting.summaries import compute, periods
from reporting.summaries.tallies import Tallies

WITHDRAWN = "withdrawn"
# The sharing levels whose reports reach each audience (as summaries.cells; repeated here
# so that this client-side module loads no database code).
AUDIENCE_LEVELS: dict[str, tuple[str, ...]] = {
    "region": ("region", "all_members"),
    "all_members": ("all_members",),
}
# What a figure is compared on.
FIGURES = ("value", "status", "previous", "change")


class RecomputeFailed(Exception):
    """The summary could not be checked or does not agree; one line saying which part."""


@dataclass(frozen=True)
class Agreement:
    region: str
    period: str
    audience: str
    reports: int
    observations: int
    tree_size: int

    def __str__(self) -> str:
        return (f"agrees: {self.region} {self.period} (audience {self.audience}) "
                f"recomputed from {self.reports} reports, {self.observations} observations "
                f"equal, basis log size {self.tree_size}")


def _observation_key(entry: dict[str, Any]) -> str:
    return "/".join(str(entry.get(part)) for part in ("measure", "breakdown", "code",
                                                      "currency"))


def first_difference(signed: dict[str, Any], recomputed: dict[str, Any]) -> str | None:
    """The first figure in which two summary contents differ, as one phrase; None if equal."""
    for name in ("contributing_states", "too_few_states", "rates"):
        if signed.get(name) != recomputed.get(name):
            return (f"{name}: signed {signed.get(name)!r}, recomputed "
                    f"{recomputed.get(name)!r}")
    theirs = {_observation_key(o): o for o in signed.get("observations") or []}
    ours = {_observation_key(o): o for o in recomputed["observations"]}
    for key in sorted(theirs.keys() | ours.keys()):
        if key not in ours:
            return f"observation {key}: in the signed summary, not recomputed"
        if key not in theirs:
            return f"observation {key}: recomputed, missing from the signed summary"
        for figure in FIGURES:
            if theirs[key].get(figure) != ours[key].get(figure):
                return (f"observation {key}: signed {figure} {theirs[key].get(figure)!r}, "
                        f"recomputed {ours[key].get(figure)!r}")
    return None


def _rates(document: dict[str, Any]) -> compute.RateTable | None:
    rates = document.get("rates")
    if rates is None:
        return None
    try:
        return compute.RateTable(name=rates["name"], base=rates["base"],
                                 rates=dict(rates["rates"]))
    except (KeyError, TypeError, ValueError):
        raise RecomputeFailed("the summary's rates are not a rate table") from None


def _check_basis(client: Client, basis: dict[str, Any]) -> tuple[int, bytes]:
    """The basis size and root, once shown consistent with a signed tree head."""
    try:
        size, root = int(basis["tree_size"]), bytes.fromhex(basis["root_hash"])
    except (KeyError, TypeError, ValueError):
        raise RecomputeFailed("the summary names no valid basis (tree_size, root_hash)") \
            from None
    head = client.tree_head()
    if not client.verify_receipt(head):
        raise RecomputeFailed("the log's signed tree head does not verify")
    head_size, head_root = int(head["tree_size"]), bytes.fromhex(head["root_hash"])
    if size == head_size:
        consistent = root == head_root
    elif size == 0:
        consistent = root == merkle.EMPTY_ROOT
    else:
        first, second = sorted((size, head_size))
        proof = client.request("GET", "/log/proof/consistency",
                               query={"first": first, "second": second})["proof"]
        first_root, second_root = (root, head_root) if size < head_size else (head_root, root)
        consistent = merkle.verify_consistency(first, second, first_root, second_root,
                                               [bytes.fromhex(p) for p in proof])
    if not consistent:
        raise RecomputeFailed(f"the summary's basis (log size {size}) is not consistent with "
                              f"the log's signed tree head (size {head_size})")
    return size, root


def _counted_version(client: Client, item: dict[str, Any], size: int, root: bytes
                     ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The approved version's body and receipt, each checked; RecomputeFailed naming the
    report if any check fails."""
    report_id, number = item["id"], item["approved_version"]
    versions = client.versions(report_id)["versions"]
    version = next((v for v in versions if v["version"] == number), None)
    if version is None:
        raise RecomputeFailed(f"report {report_id}: its approved version {number} is not "
                              "served")
    body, receipt = version["report"], version["receipt"]
    digest = sha256_hex(canonical_bytes(body))
    if digest != receipt.get("content_sha256"):
        raise RecomputeFailed(f"report {report_id} version {number}: the body served does "
                              "not match its receipt's content_sha256 (altered since it was "
                              "received)")
    if not client.verify_receipt(receipt):
        raise RecomputeFailed(f"report {report_id} version {number}: the receipt's signature "
                              "does not verify")
    index = receipt.get("log_index")
    if not isinstance(index, int) or not 0 <= index < size:
        raise RecomputeFailed(f"report {report_id} version {number}: its receipt (log index "
                              f"{index}) is not in the log at the summary's basis (size "
                              f"{size}); the summary may not be refreshed yet: retry shortly")
    proof = client.request("GET", "/log/proof/inclusion",
                           query={"index": index, "tree_size": size})
    leaf = merkle.leaf_hash(canonical_bytes(receipt))
    try:
        path = [bytes.fromhex(node) for node in proof["audit_path"]]
    except (KeyError, TypeError, ValueError):
        path = []
    if not merkle.verify_inclusion(leaf, index, size, path, root):
        raise RecomputeFailed(f"report {report_id} version {number}: its receipt is not "
                              f"included in the log at the summary's basis (size {size})")
    return body, receipt


def recompute(client: Client, region: str, period: str, audience: str | None = None, *,
              progress: Callable[[int, int], None] | None = None) -> Agreement:
    """Fetch, check and recompute the summary of ``region`` × ``period`` (the audience
    given, or the widest the caller may read). Returns the agreement; RecomputeFailed
    with the first thing that does not hold."""
    try:
        target = periods.parse(period)
    except periods.InvalidPeriod as exc:
        raise RecomputeFailed(str(exc)) from None
    document = dict(client.request("GET", f"/summaries/{region}/{period}",
                                   query={"audience": audience}))
    signature_ok = client.verify_receipt(document)
    size, root = _check_basis(client, document.get("basis") or {})
    levels = AUDIENCE_LEVELS.get(document.get("audience", ""))
    if levels is None:
        raise RecomputeFailed("the summary names no known audience")
    # A JSON array: the client hands it back under "value".
    regions = client.request("GET", "/regions").get("value") or []
    members = {state for entry in regions if entry["code"] == region
               for state in entry["members"]}
    before = target.previous()
    tallies = {target: Tallies(), before: Tallies()}
    candidates = [item for item in client.list(limit=200)
                  if item["state"] in members and item.get("approved_version") is not None
                  and item["status"] != WITHDRAWN and item["sharing"] in levels]
    counted = 0
    for done, item in enumerate(candidates, start=1):
        body, _ = _counted_version(client, item, size, root)
        figures = figures_row(item["id"], item["approved_version"], item["state"],
                              body["sharing"], body)
        facts = fact_rows(item["id"], item["approved_version"], body)
        falls_in = set(periods.incident_periods(figures["incident_year"],
                                                figures["incident_quarter"],
                                                figures["incident_month"]))
        for wanted, sink in tallies.items():
            if wanted in falls_in:
                sink.add_version(figures, facts)
                if wanted == target:
                    counted += 1
        if progress is not None:
            progress(done, len(candidates))
    previous = tallies[before] if before.year >= periods.FIRST_YEAR else None
    content = compute.summarise(tallies[target], previous, k=int(document.get("k", 0)),
                                rates=_rates(document))
    difference = first_difference(document, content)
    if not signature_ok:
        raise RecomputeFailed("the summary's signature does not verify (altered after "
                              "signing)" + (f"; {difference}" if difference else ""))
    if difference is not None:
        raise RecomputeFailed(f"differs: {region} {period} (audience "
                              f"{document['audience']}): {difference}")
    return Agreement(region, str(target), document["audience"], counted,
                     len(content["observations"]), size)
