"""``vrs demo``: from nothing to a populated installation, through the real HTTP API.

The API runs in a background thread on a free loopback port; every report travels as an
HTTP request with a member state's bearer token, exactly as a national system would send
it. Idempotency keys derived from the seed make a second run replay instead of duplicate.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import click
from flask import Flask
from werkzeug.serving import make_server

from reporting.client import Answer, Client, ClientError
from reporting.config import Settings
from reporting.demo.approval import approve_all, show_cross_state_reading
from reporting.demo.regional import (
    DEMO_PERIOD,
    DEMO_REGION,
    running_worker,
    show_regional_summary,
    wait_for_summaries,
)
from reporting.demo.synthetic import REPORTING_STATES, synthetic_reports

DEMO_PASSPHRASE = "openvrs-demo"  # noqa: S105 - printed to the user; demo data only

# Each of these carries one mistake a real client makes; the demo shows the answer.
INVALID_EXAMPLES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("personal data in the narrative",
     {"narrative": "Organiser known as the captain, contact +62 812 3456 7890."}),
    ("an e-mail address in the narrative",
     {"narrative": "Tip received from captain.smuggler@example.org on the departure."}),
    ("totals that do not add up", {"smuggled_migrants": "+1 total"}),
    ("an unknown field", {"victim_names": ["withheld"]}),
    ("a country code that is not ISO 3166-1", {"route": "origin XX"}),
    ("an incident date in the future", {"incident": "date 2999-01-01"}),
)


@dataclass
class Tally:
    created: int = 0
    replayed: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    by_state: Counter[str] = field(default_factory=Counter)


def _answer(call: Callable[..., Answer], *args: Any, **kwargs: Any) -> tuple[int, Any]:
    """A client call as (status, body): the demo shows refusals rather than stopping."""
    try:
        answer = call(*args, **kwargs)
    except ClientError as error:
        return error.status, error.problem
    return answer.status, answer


@contextmanager
def _serving(settings: Settings) -> Iterator[tuple[str, Flask]]:
    from reporting import create_app

    # The demo prints its own account of each request; werkzeug's access log would bury it.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # The demo sends a few hundred reports per state as fast as it can: past the write
    # limit that a real national system is held to, so its own server has none.
    demo_settings = replace(settings, rate_limits_enabled=False)
    app = create_app(demo_settings)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        thread.join()


def _break(body: dict[str, Any], mistake: dict[str, Any]) -> dict[str, Any]:
    broken = json.loads(json.dumps(body))
    if "narrative" in mistake:
        broken["narrative"] = mistake["narrative"]
    elif "victim_names" in mistake:
        broken["victim_names"] = mistake["victim_names"]
    elif "smuggled_migrants" in mistake:
        broken["smuggled_migrants"]["total"] += 1
    elif "route" in mistake:
        broken["route"]["origin_countries"] = ["XX"]
    elif "incident" in mistake:
        broken["incident"]["date"] = "2999-01-01"
    return broken


def _setup(settings: Settings) -> dict[str, dict[str, str]]:
    """Members and tokens: a reporter for each reporting state and an analyst each."""
    from reporting.accounts.service import create_token
    from reporting.db import Database
    from reporting.directory.service import add_member_states
    from reporting.installation import initialise
    from reporting.unit_of_work import UnitOfWork
    from reporting.wiring import build_binding

    _ensure_passphrase()
    counts = initialise(settings)
    click.echo(f"database at head; added {counts.countries} countries, {counts.regions} "
               f"regions and groups, {counts.memberships} memberships")
    database = Database(settings.database_url, settings.timeouts)
    tokens: dict[str, dict[str, str]] = {}
    try:
        with UnitOfWork.begin(build_binding(settings, database)) as unit:
            session = unit.session
            _ensure_signing_key(unit)
            added = add_member_states(session, REPORTING_STATES, default_sharing="region")
            for state in REPORTING_STATES:
                tokens[state] = {
                    role: create_token(session, role=role, state=state,
                                       label=f"demo {role}")[1]
                    for role in ("reporter", "analyst", "state_admin")}
    finally:
        database.dispose()
    click.echo(f"member states: {', '.join(REPORTING_STATES)} "
               f"({len(added)} new; default sharing 'region')")
    return tokens


def _ensure_passphrase() -> None:
    """Key files are always encrypted; a demo without a passphrase gets a fixed one and
    says so, since a real installation must choose its own. Set before the ledger's
    keyring reads the environment."""
    if not os.environ.get("VRS_KEY_PASSPHRASE") and not os.environ.get("VRS_SIGNING_KEY"):
        os.environ["VRS_KEY_PASSPHRASE"] = DEMO_PASSPHRASE
        click.echo(f"VRS_KEY_PASSPHRASE is not set: the demo's signing key is encrypted with "
                   f"'{DEMO_PASSPHRASE}' (export it to use `vrs serve` on this data)")


def _ensure_signing_key(unit: Any) -> None:
    """Receipts need a signing key; the demo makes one if the operator has not."""
    from reporting.ledger.models import LogState

    if unit.session.get(LogState, 1).active_kid:
        return
    ledger = unit.ledger
    key = ledger.keyring.environment_key() or ledger.keyring.create()
    ledger.activate(unit.session, key)
    click.echo(f"signing key {key.kid} generated and active")


def run_demo(settings: Settings, *, count: int, seed: int) -> Tally:
    """Initialise, submit ``count`` synthetic reports and a few bad ones, show the results."""
    click.secho("OpenVRS demo", bold=True)
    click.echo(f"database: {settings.database_url}")
    tokens = _setup(settings)
    tally = Tally()
    reports = synthetic_reports(count, seed)
    with running_worker(settings) as worker_log, _serving(settings) as (base, app):
        click.echo(f"API listening on {base}/api/v1 for the demo; submitting {count} "
                   "synthetic reports over HTTP")
        first_ids: dict[str, str] = {}
        with click.progressbar(reports, label="submitting", show_pos=True) as bar:
            for number, (state, body) in enumerate(bar):
                status, answer = _answer(Client(base, tokens[state]["reporter"]).submit,
                                         body, idempotency_key=f"demo-{seed}-{number}")
                if status == 201:
                    tally.created += 1
                elif status == 200:
                    tally.replayed += 1
                else:
                    tally.rejected[f"{status} {answer.get('title', '')}"] += 1
                    continue
                tally.by_state[state] += 1
                first_ids.setdefault(state, answer["id"])
        click.echo(f"accepted: {tally.created} new, {tally.replayed} replayed "
                   "(same Idempotency-Key and body as an earlier run)")
        click.echo("by state: " + ", ".join(f"{s} {n}" for s, n in sorted(tally.by_state.items())))

        _upload_batch(base, tokens, seed, tally)

        click.secho("\ndeliberately invalid reports, and the problem documents they get:",
                    bold=True)
        state, sample = reports[0]
        for what, mistake in INVALID_EXAMPLES:
            status, problem = _answer(Client(base, tokens[state]["reporter"]).submit,
                                      _break(sample, mistake))
            tally.rejected[f"{status} {problem.get('title', '')}"] += 1
            errors = "; ".join(f"{path}: {' '.join(msgs)}"
                               for path, msgs in (problem.get("errors") or {}).items())
            click.echo(f"- {what}: {status} {problem.get('title')} — {errors}")

        approve_all(base, tokens)
        show_cross_state_reading(base, tokens)
        _show_lifecycle_and_sharing(base, tokens, first_ids)
        wait_for_summaries(settings, app.extensions["celery"], worker_log)
        reader = REPORTING_STATES[1]
        summary = show_regional_summary(base, settings, tokens[reader]["analyst"], reader)
        _verify_and_cosign(base, settings, tokens)
    # Copy-pasteable as printed: the full path of this vrs (the virtualenv need not be
    # active) and the environment the data needs.
    vrs = shlex.quote(str(Path(sys.argv[0]).resolve())) if sys.argv[0].endswith("vrs") \
        else "vrs"
    env = (f"export VRS_DATA_DIR={shlex.quote(str(settings.data_dir.resolve()))} "
           f"VRS_KEY_PASSPHRASE={shlex.quote(os.environ.get('VRS_KEY_PASSPHRASE', ''))}")
    if os.environ.get("VRS_DATABASE_URL"):
        env += f" VRS_DATABASE_URL={shlex.quote(settings.database_url)}"
    click.secho("\nnext (in a shell, as printed):", bold=True)
    click.echo(f"  {env}")
    click.echo(f"  {vrs} serve &        # then open http://127.0.0.1:8000/api/v1/docs")
    click.echo(f"  {vrs} worker &       # turns approvals into signed summaries")
    click.echo(f"  TOKEN=$({vrs} tokens create --state IDN --role analyst)")
    click.echo("  curl -H \"Authorization: Bearer $TOKEN\" "
               "'http://127.0.0.1:8000/api/v1/reports?period=2024&mode=sea'")
    saved = shlex.quote(str(settings.data_dir.resolve() / "verified-tree-head.json"))
    click.echo(f"  {vrs} verify --server http://127.0.0.1:8000/api/v1 --token \"$TOKEN\" "
               f"--since {saved}")
    click.echo(f"  {vrs} recompute --server http://127.0.0.1:8000 --token \"$TOKEN\" "
               f"{DEMO_REGION} {DEMO_PERIOD}")
    click.echo(f"  {vrs} verify --server http://127.0.0.1:8000/api/v1 summary "
               f"{shlex.quote(str(summary.resolve()))}")
    click.echo(f"the database: {settings.database_url}")
    return tally


BATCH_SIZE = 40


def _upload_batch(base: str, tokens: dict[str, dict[str, str]], seed: int,
                  tally: Tally) -> None:
    """A national system's bulk upload: one request, one result per report."""
    state = REPORTING_STATES[0]
    bodies = [body for owner, body in synthetic_reports(BATCH_SIZE * 8, seed + 1)
              if owner == state][:BATCH_SIZE]
    # One report of the upload is broken, to show that it alone is refused.
    bodies.insert(len(bodies) // 2, _break(bodies[0], INVALID_EXAMPLES[0][1]))
    status, answer = _answer(Client(base, tokens[state]["reporter"]).submit_batch,
                             bodies, idempotency_key=f"demo-batch-{seed}")
    click.secho(f"\nbulk upload by {state}: POST /api/v1/reports/batch with {len(bodies)} "
                "reports", bold=True)
    if status != 200:
        tally.rejected[f"{status} {answer.get('title', '')}"] += 1
        click.echo(f"refused: {status} {answer.get('title')}: {answer.get('detail')}")
        return
    results = answer["results"]
    created = sum(r["status"] == 201 for r in results)
    replayed = sum(r["status"] == 200 for r in results)
    tally.created += created
    tally.replayed += replayed
    tally.by_state[state] += created + replayed
    indexes = sorted(r["receipt"]["log_index"] for r in results if "receipt" in r)
    click.echo(f"{created} new, {replayed} replayed; their receipts sit at log indexes "
               f"{indexes[0]}..{indexes[-1]}" if indexes else "nothing stored")
    for result in results:
        if "problem" in result:
            problem = result["problem"]
            tally.rejected[f"{result['status']} {problem.get('title', '')}"] += 1
            click.echo(f"report {result['index']} refused alone: {result['status']} "
                       f"{problem['title']} ({', '.join(problem.get('errors', {}))})")


def _verify_and_cosign(base: str, settings: Settings,
                       tokens: dict[str, dict[str, str]]) -> None:
    """Verify the log as a member would, let one member witness it, show the checkpoint."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from reporting.ledger.client import run_verification
    from reporting.ledger.log import make_cosignature
    from reporting.ledger.signing import b64url

    click.secho("\nverifying the transparency log as a member state would (vrs verify):",
                bold=True)
    head_file = settings.data_dir / "verified-tree-head.json"
    since = head_file if head_file.exists() else None
    state = "IDN" if "IDN" in tokens else sorted(tokens)[0]
    # The public rebuilds the tree from leaf hashes; a member's analyst also checks the
    # receipts of every report it may read.
    for who, token in (("anyone, without a token", None),
                       (f"an analyst of {state}", tokens[state]["analyst"])):
        click.echo(f"as {who}:")
        findings = run_verification(server=base, bundle=None, since=since, report_ids=(),
                                    save=head_file, export=None, progress=False, token=token)
        for line in findings.ok:
            click.echo(f"ok    {line}")
        for line in findings.failures:
            click.secho(f"FAIL  {line}", fg="red")
        if not findings.passed:
            raise click.ClickException("the log did not verify")

    admin = tokens[state]["state_admin"]
    witness = Ed25519PrivateKey.generate()
    name = f"{state.lower()}.demo/witness"
    _answer(Client(base, admin).request, "POST", f"/states/{state}/keys",
            {"public_key": b64url(witness.public_key().public_bytes_raw()),
             "witness_name": name})
    note = _text(base + "/api/v1/log/checkpoint")
    body = note.split("\n\n")[0] + "\n"
    size = int(body.split("\n")[1])
    line = make_cosignature(name, body, witness, int(time.time()))
    status, _ = _answer(Client(base, admin).request, "POST", "/log/cosignatures",
                        {"tree_size": size, "cosignature": line})
    click.echo(f"{state} verified the checkpoint and cosigned it as witness {name}: {status}")
    click.secho("\nthe signed checkpoint (C2SP tlog-checkpoint, with cosignatures):", bold=True)
    click.echo(_text(base + "/api/v1/log/checkpoint"), nl=False)


def _text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - our loopback
        return response.read().decode()


def _show_lifecycle_and_sharing(base: str, tokens: dict[str, dict[str, str]],
                                first_ids: dict[str, str]) -> None:
    click.secho("\nlifecycle and sharing:", bold=True)
    state = sorted(first_ids)[0]
    report_id = first_ids[state]
    reporter = Client(base, tokens[state]["reporter"])
    _, current = _answer(reporter.get, report_id)
    if current.get("status") == "withdrawn":
        click.echo(f"- report {report_id} was withdrawn by an earlier demo run")
    else:
        amended = json.loads(json.dumps(current["report"]))
        amended["harm"]["injured"] += 1
        status, answer = _answer(reporter.amend, report_id, amended)
        click.echo(f"- {state} amended report {report_id}: {status}, now version "
                   f"{answer.get('version')}; the earlier version stays readable")
        status, answer = _answer(reporter.withdraw, report_id, "Demonstration of withdrawal")
        click.echo(f"- {state} withdrew it: {status}, status {answer.get('status')}")
    for reader in sorted(tokens):
        states = Counter(item["state"] for item in _all_reports(base, tokens[reader]["analyst"]))
        click.echo(f"- an analyst of {reader} reads {sum(states.values())} reports "
                   f"(own {states[reader]}; shared by others: "
                   + ", ".join(f"{s} {n}" for s, n in sorted(states.items()) if s != reader)
                   + ")")


def _all_reports(base: str, token: str) -> Iterator[dict[str, Any]]:
    """Every report the token may read, following the cursor."""
    return Client(base, token).list(limit=200)
