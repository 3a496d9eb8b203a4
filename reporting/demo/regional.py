"""The demo's regional picture: a real Celery worker on the embedded broker turns the
approvals into signed summaries; the demo waits for it, prints one region's table, writes
the JSON, CSV and SDMX-CSV, and checks and recomputes the summary as a member would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy import func, select

from reporting.client import Client, ClientError
from reporting.config import Settings
from reporting.db import Database
from reporting.outbox import OutboxMessage

# Bounds on waiting for the worker (a busy two-core machine starts it in a few seconds
# and does a delivery in well under one); past them the demo stops with the worker's log.
START_SECONDS = 120
DRAIN_SECONDS = 600
# No beat runs in the demo: while rows wait, it asks the worker for a sweep this often,
# which sends again whatever a failed or lost send left behind.
SWEEP_EVERY_SECONDS = 15
DEMO_REGION = "bali-process"
DEMO_PERIOD = "2024"


@contextmanager
def running_worker(settings: Settings) -> Iterator[Path]:
    """``vrs worker`` as its own process on this data directory, until the block ends.
    Yields the path of its log."""
    log = settings.data_dir / "demo-worker.log"
    settings.ensure_data_dir()
    command = [sys.executable, "-m", "reporting.cli", "--data-dir", str(settings.data_dir),
               "--database-url", settings.database_url,
               "worker", "--concurrency", "1", "--loglevel", "WARNING"]
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "C_FORCE_ROOT": "1"}, start_new_session=True)
    click.echo(f"started a Celery worker (pid {process.pid}, broker {_broker(settings)}); "
               f"its log: {log}")
    try:
        yield log
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(30)


def _broker(settings: Settings) -> str:
    return "Redis" if settings.broker_url.startswith("redis") else \
        "embedded SQLite, no server"


def wait_for_summaries(settings: Settings, celery: Any, worker_log: Path) -> None:
    """Wait, with a progress bar, until the worker has done every outbox row."""
    database = Database(settings.database_url, settings.timeouts)
    try:
        total, done = _progress(database)
        click.secho(f"\nthe worker turns {total} changes (approvals, amendments, "
                    "withdrawals) into signed summaries:", bold=True)
        deadline = time.monotonic() + DRAIN_SECONDS
        last_sweep = time.monotonic()
        with click.progressbar(length=total, label="summarising", show_pos=True) as bar:
            shown = 0
            while done < total:
                if time.monotonic() > deadline:
                    raise click.ClickException(
                        f"the worker did {done} of {total} changes in {DRAIN_SECONDS} s; "
                        f"see {worker_log}")
                if time.monotonic() - last_sweep > SWEEP_EVERY_SECONDS:
                    celery.send_task("workers.sweep_outbox", ignore_result=True)
                    last_sweep = time.monotonic()
                time.sleep(0.5)
                total, done = _progress(database)
                bar.length = total
                bar.update(done - shown)
                shown = done
    finally:
        database.dispose()


def _progress(database: Database) -> tuple[int, int]:
    with database.session() as session:
        total, done = session.execute(select(func.count(OutboxMessage.id),
                                             func.count(OutboxMessage.done_at))).one()
    return int(total), int(done)


def show_regional_summary(base: str, settings: Settings, token: str, reader: str) -> Path:
    """Print the summary of the demo region and period as ``reader``'s analyst reads it,
    write it in its three forms, and check and recompute it. Returns the JSON file."""
    from reporting.summaries.recompute import RecomputeFailed, recompute
    from reporting.summaries.signature_check import check_summary, read_keys

    client = Client(base, token)
    path = f"/summaries/{DEMO_REGION}/{DEMO_PERIOD}"
    try:
        document = client.request("GET", path)
    except ClientError as error:
        raise click.ClickException(f"GET {path}: {error.status} "
                                   f"{error.problem.get('title')}") from None
    document = dict(document)
    _print_table(document, reader)

    exports = settings.data_dir / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    stem = f"summary-{DEMO_REGION}-{DEMO_PERIOD}-{document['audience']}"
    written = []
    for suffix in (".json", ".csv", ".sdmx.csv"):
        url = base + "/api/v1" + path + ("" if suffix == ".json" else suffix)
        target = exports / (stem + suffix)
        target.write_bytes(_fetch(url, token))
        written.append(target)
    click.echo("written: " + ", ".join(str(p) for p in written))

    click.secho("\nchecking the summary as a member would:", bold=True)
    signed = json.loads(written[0].read_text(encoding="utf-8"))
    click.echo("vrs verify summary: verified: "
               + check_summary(signed, read_keys(base + "/api/v1/keys")))
    try:
        agreement = recompute(client, DEMO_REGION, DEMO_PERIOD, document["audience"])
    except RecomputeFailed as exc:
        raise click.ClickException(f"vrs recompute: {exc}") from None
    click.echo(f"vrs recompute: {agreement}; every figure agrees")
    return written[0]


def _fetch(url: str, token: str) -> bytes:
    import urllib.request

    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310 - our loopback
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - our loopback
        return response.read()


def _print_table(document: dict[str, Any], reader: str) -> None:
    basis = document["basis"]
    click.secho(f"\n{document['region_name']} ({document['region']}), {document['period']}, "
                f"audience '{document['audience']}' as an analyst of {reader} reads it:",
                bold=True)
    click.echo(f"{document['contributing_states']} contributing states, k = {document['k']}, "
               f"computed from log size {basis['tree_size']} (root {basis['root_hash'][:16]}…), "
               f"signed by key {document['key_id']}")
    if document["too_few_states"]:
        click.echo("fewer than 2 contributing states: totals only, no breakdown")
    header = f"{'measure':<20} {'breakdown':<20} {'code':<14} {'cur':<4} " \
             f"{'value':>10} {'previous':>10} {'change':>8}"
    click.echo(header)
    click.echo("-" * len(header))
    suppressed = 0
    for entry in document["observations"]:
        if entry["status"] != "F":
            suppressed += 1
        currency = "" if entry["currency"] == "_Z" else entry["currency"]
        value = _figure(entry["value"]) if entry["status"] == "F" else \
            f"({entry['status']})"
        click.echo(f"{entry['measure'][:20]:<20} {entry['breakdown'][:20]:<20} "
                   f"{entry['code'][:14]:<14} {currency:<4} {value:>10} "
                   f"{_figure(entry['previous']):>10} {_figure(entry['change']):>8}")
    click.echo(f"{suppressed} of {len(document['observations'])} figures suppressed "
               "((C) fewer than k reports, (D) to protect another cell)")


def _figure(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"
