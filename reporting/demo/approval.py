"""The demo's approval step: each state's admin reviews what its reporters sent, and
another state's analyst then reads what was approved, not what was returned; the owner's
admin sees that read in the audit trail."""

from __future__ import annotations

import click

from reporting.client import Client, ClientError

RETURN_REASON = "Please confirm the number of minors with the border post."


def approve_all(base: str, tokens: dict[str, dict[str, str]]) -> None:
    """Each state's admin returns one of its submitted reports (with a reason its reporter
    sees) and approves the rest in one bulk call."""
    click.secho("\napproval (nothing leaves a state before its admin approves it):", bold=True)
    for state in sorted(tokens):
        admin = Client(base, tokens[state]["state_admin"])
        waiting = [item["id"] for item in admin.list(status="submitted", state=state,
                                                     limit=200)]
        if not waiting:
            click.echo(f"- {state}: nothing awaits review (approved by an earlier run)")
            continue
        admin.return_report(waiting.pop(0), RETURN_REASON)
        approved = rejected = 0
        # The bulk route takes up to 1,000 ids a call, each answered on its own.
        for start in range(0, len(waiting), 1000):
            answer = admin.request("POST", "/reports/approve",
                                   {"ids": waiting[start:start + 1000]})
            approved += answer["approved"]
            rejected += answer["rejected"]
        click.echo(f"- {state}'s admin returned 1 report (\"{RETURN_REASON}\") and approved "
                   f"{approved} in bulk ({rejected} refused); each approval is a receipt "
                   "in the log")


def show_cross_state_reading(base: str, tokens: dict[str, dict[str, str]]) -> None:
    """An analyst of another state reads an approved report (200) but not a returned one
    (404: its existence does not leak); the owner's admin finds the read in its audit."""
    owner, reader = sorted(tokens)[:2]
    analyst = Client(base, tokens[reader]["analyst"])
    admin = Client(base, tokens[owner]["state_admin"])
    # One shared beyond the state: a report kept at `national` stays home even approved.
    approved = next((item for item in admin.list(state=owner, status="approved", limit=200)
                     if item["sharing"] != "national"), None)
    returned = next(iter(admin.list(state=owner, status="returned", limit=1)), None)
    click.secho(f"\nwhat an analyst of {reader} may read of {owner}'s reports:", bold=True)
    if approved is not None:
        status = _status(analyst, approved["id"])
        click.echo(f"- approved report {approved['id']}: {status}")
    if returned is not None:
        click.echo(f"- returned report {returned['id']}: {_status(analyst, returned['id'])} "
                   "(not approved: to other states it does not exist)")
    if approved is None:
        return
    trail = admin.request(
        "GET", "/audit", query={"object_id": approved["id"], "action": "report.read",
                                "limit": 1})
    for entry in trail["items"]:
        actor = entry["actor"]
        click.echo(f"- {owner}'s admin sees it in GET /audit: {entry['at']} "
                   f"{entry['action']} by {actor['role']} of {actor['state']} "
                   f"(entry {entry['seq']}, hash-chained)")


def _status(client: Client, report_id: str) -> str:
    try:
        client.get(report_id)
    except ClientError as error:
        return f"{error.status} {error.problem.get('title', '')}"
    return "200 OK"
