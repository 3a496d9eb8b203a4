"""Ingest throughput: accepted report submissions per second through real HTTP.

Two gunicorn servers (2 sync workers each) run against the same PostgreSQL database:

* baseline: ``bench.baseline_app`` -- ``POST /baseline`` parses the JSON body and inserts
  one row; the floor of "receive JSON and store it" on this stack and this machine;
* full path: the service itself -- ``POST /api/v1/reports`` with a bearer token, so the
  request pays authentication, schema validation, the personal-data guard, canonical
  JSON + SHA-256 and storage (report, version, event) before its 201.

Both get the same pre-serialised synthetic reports from the same client threads, in
alternating rounds (baseline, full, baseline, full, ...) so that drift of the machine
hits both alike. The script prints per-round figures, the medians and the ratio
full/baseline. With ``--against REV`` the baseline is the service itself at an earlier
commit (checked out beside this one, on its own database made by its own ``vrs``), so
the ratio says whether this checkout is faster or slower, paired round by round.

    python bench/ingest.py [--requests N] [--concurrency C] [--rounds R] [--json]
    python bench/ingest.py --against HEAD~3 --concurrency 4 --rounds 6   # before/after

Every HTTP request goes to 127.0.0.1; every loop is bounded in count and in time; the
gunicorn processes are stopped on the way out, also after an error or Ctrl-C. The
database named by ``--database-url`` is dropped and re-created: its name must contain
"bench" and its host must be loopback, so a typo cannot destroy a real database.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from databases import check_database_url, recreate_database

REPO_ROOT = Path(__file__).resolve().parent.parent
# `python bench/ingest.py` puts bench/ on sys.path, not the repository; the service and
# the baseline app are imported from the checkout this file belongs to.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

HOST = "127.0.0.1"
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/openvrs_bench"
# The bar for single submissions (issue 12): no slower than the previous commit, measured
# paired in one run (--against), and p99 under 25 ms at 4 clients. Reported, not asserted.
P99_BAR_MS = 25.0
WORKERS = 2
FULL_PATH = "/api/v1/reports"
BATCH_PATH = "/api/v1/reports/batch"
BASELINE_PATH = "/baseline"
# Distinct bodies; requests cycle through them. Without an Idempotency-Key a repeated
# body is simply a new report, so a few hundred give variety without a long set-up.
DISTINCT_BODIES = 500
SERVER_START_SECONDS = 60.0
SERVER_STOP_SECONDS = 10.0
REQUEST_TIMEOUT_SECONDS = 30.0


# ---------------------------------------------------------------------------------------
# Set-up: database, tokens, payloads
# ---------------------------------------------------------------------------------------


def _vrs(url: str, data_dir: Path, env: dict[str, str], *args: str) -> str:
    """Run a ``vrs`` command in process, the way an operator would; its output."""
    from click.testing import CliRunner

    from reporting.cli import main as vrs

    result = CliRunner().invoke(vrs, ["--database-url", url, "--data-dir", str(data_dir),
                                      *args], env=env, catch_exceptions=False)
    if result.exit_code != 0:
        raise RuntimeError(f"vrs {' '.join(args)} failed: {result.output.strip()}")
    return result.output.strip()


def activate_signing_key(url: str, data_dir: Path) -> dict[str, str]:
    """A signing key for the receipts, if this version of the service signs them.

    Returns the environment the API workers need to find the key (empty when the service
    has no ``vrs keys`` commands). The key is an environment seed rather than a key file:
    a file is encrypted with a passphrase, and its slow decryption once per worker would
    only add noise to the warm-up.
    """
    from reporting.cli import main as vrs

    if "keys" not in getattr(vrs, "commands", {}):
        return {}
    seed = _vrs(url, data_dir, {}, "keys", "seed").splitlines()[-1].strip()
    env = {"VRS_SIGNING_KEY": seed}
    _vrs(url, data_dir, env, "keys", "generate", "--from-env")
    return env


def prepare_database(url: str, data_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Schema, reference data, members, signing key, the baseline table; a token per state.

    Returns the reporter secrets by state and the environment the API workers need.
    """
    from bench.baseline_app import create_baseline_table
    from reporting.accounts.service import create_token
    from reporting.config import Settings
    from reporting.db import Database
    from reporting.demo.synthetic import REPORTING_STATES
    from reporting.directory.service import add_member_states
    from reporting.installation import initialise

    recreate_database(url)
    settings = Settings(database_url=url, data_dir=data_dir)
    initialise(settings)
    service_env = activate_signing_key(url, data_dir)
    database = Database(settings.database_url)
    try:
        with database.session() as session:
            add_member_states(session, REPORTING_STATES)
            secrets = {state: create_token(session, role="reporter", state=state,
                                           label="bench ingest")[1]
                       for state in REPORTING_STATES}
    finally:
        database.dispose()
    create_baseline_table(url)
    return secrets, service_env


def _tree_vrs(tree: Path, url: str, data_dir: Path, env: dict[str, str], *args: str) -> str:
    """Run ``vrs`` from another checkout (``tree``), in a child process: its own code."""
    command = [sys.executable, "-c", "from reporting.cli import main; main()",
               "--database-url", url, "--data-dir", str(data_dir), *args]
    result = subprocess.run(command, cwd=tree, env={**os.environ, **env,
                                                    "PYTHONPATH": str(tree)},
                            capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"vrs {' '.join(args)} in {tree} failed: "
                           f"{(result.stdout + result.stderr).strip()[-2000:]}")
    return result.stdout.strip()


def prepare_tree_database(tree: Path, url: str,
                          data_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """As ``prepare_database``, but with the ``vrs`` commands of the checkout ``tree``:
    an earlier commit's schema and data are made by that commit's own code."""
    from reporting.demo.synthetic import REPORTING_STATES

    recreate_database(url)
    _tree_vrs(tree, url, data_dir, {}, "init")
    seed = _tree_vrs(tree, url, data_dir, {}, "keys", "seed").splitlines()[-1].strip()
    env = {"VRS_SIGNING_KEY": seed}
    _tree_vrs(tree, url, data_dir, env, "keys", "generate", "--from-env")
    _tree_vrs(tree, url, data_dir, env, "members", "add", *REPORTING_STATES)
    secrets = {state: _tree_vrs(tree, url, data_dir, env, "tokens", "create", "--state", state,
                                "--role", "reporter").splitlines()[-1].strip()
               for state in REPORTING_STATES}
    return secrets, env


@contextlib.contextmanager
def checkout(revision: str, scratch: Path) -> Iterator[Path]:
    """``revision`` checked out beside this one (a detached git worktree), removed after."""
    tree = scratch / "previous"
    subprocess.run(["git", "-C", str(REPO_ROOT), "worktree", "add", "--detach", "--force",
                    str(tree), revision], check=True, capture_output=True, timeout=120)
    try:
        yield tree
    finally:
        subprocess.run(["git", "-C", str(REPO_ROOT), "worktree", "remove", "--force",
                        str(tree)], check=False, capture_output=True, timeout=120)


@dataclass(frozen=True)
class Payload:
    authorization: str
    body: bytes


def prepare_payloads(secrets: dict[str, str], count: int, seed: int) -> list[Payload]:
    """Synthetic reports serialised once, before any timing, with their state's token."""
    from reporting.demo.synthetic import synthetic_reports

    return [Payload(f"Bearer {secrets[state]}",
                    json.dumps(body, separators=(",", ":")).encode("utf-8"))
            for state, body in synthetic_reports(count, seed)]


def batch_payloads(secrets: dict[str, str], count: int, seed: int, size: int) -> list[Payload]:
    """The same synthetic reports, ``size`` of one state per POST /reports/batch body."""
    from reporting.demo.synthetic import synthetic_reports

    by_state: dict[str, list[dict[str, Any]]] = {}
    for state, body in synthetic_reports(count, seed):
        by_state.setdefault(state, []).append(body)
    payloads = []
    for state, bodies in sorted(by_state.items()):
        for start in range(0, len(bodies) - size + 1, size):
            document = {"reports": bodies[start:start + size]}
            payloads.append(Payload(f"Bearer {secrets[state]}",
                                    json.dumps(document, separators=(",", ":")).encode()))
    return payloads


# ---------------------------------------------------------------------------------------
# gunicorn servers
# ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    path: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def worker_options(threads: int) -> list[str]:
    """The same worker model for both apps: sync, or gthread with ``threads`` each."""
    if threads <= 1:
        return ["--worker-class", "sync"]
    return ["--worker-class", "gthread", "--threads", str(threads)]


def start_server(name: str, app_spec: str, path: str, env: dict[str, str],
                 scratch: Path, threads: int, root: Path = REPO_ROOT) -> Server:
    """gunicorn as a child in its own session: Ctrl-C reaches only this script, and the
    whole process group (master and workers) can be stopped by its id. ``root`` is the
    checkout whose code it serves."""
    port = free_port()
    log_path = scratch / f"gunicorn-{name}.log"
    command = [
        sys.executable, "-m", "gunicorn",
        "--workers", str(WORKERS), *worker_options(threads),
        "--bind", f"{HOST}:{port}", "--chdir", str(root),
        "--timeout", "30", "--graceful-timeout", "5",
        "--log-level", "warning", "--error-logfile", str(log_path),
        app_spec,
    ]
    env = {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(root),
                                                               env.get("PYTHONPATH")]))}
    with open(log_path, "ab") as log:
        process = subprocess.Popen(command, env=env, cwd=root, stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    return Server(name, path, port, process, log_path)


def stop_server(server: Server) -> None:
    """SIGTERM to the master (it stops its workers), then SIGKILL to the group if needed."""
    process = server.process
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(SERVER_STOP_SECONDS)
    # The group id is the master's pid (start_new_session); this catches a worker that
    # outlived its master as well as a master that ignored SIGTERM.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(SERVER_STOP_SECONDS)


def wait_until_ready(server: Server, timeout: float = SERVER_START_SECONDS) -> None:
    """Poll with GET until a worker answers (any status will do); bounded by ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn for {server.name} exited with "
                               f"{server.process.returncode}:\n{server.log_tail()}")
        conn = http.client.HTTPConnection(HOST, server.port, timeout=5)
        try:
            conn.request("GET", server.path)
            conn.getresponse().read()
            return
        except (OSError, http.client.HTTPException):
            time.sleep(0.2)
        finally:
            conn.close()
    raise RuntimeError(f"gunicorn for {server.name} did not answer within {timeout:.0f} s:\n"
                       f"{server.log_tail()}")


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_cpu_seconds(wanted: Callable[[int, str], bool]) -> float | None:
    """User + system CPU of the processes ``wanted(ppid, command name)`` picks, from /proc."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    total = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces; the fields follow it.
        name = stat[stat.find("(") + 1:stat.rfind(")")]
        fields = stat[stat.rfind(")") + 2:].split()
        if wanted(int(fields[1]), name):
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / _CLOCK_TICKS


def worker_cpu_seconds(master_pid: int) -> float | None:
    """CPU of the master's children (the workers); None where there is no /proc.

    Wall-clock throughput on a 2-core machine is shared with the client; CPU seconds per
    request is the figure that does not depend on who else was running.
    """
    return _process_cpu_seconds(lambda ppid, _name: ppid == master_pid)


def database_cpu_seconds() -> float | None:
    """CPU of every PostgreSQL process on this machine (the server is local).

    Includes background processes (WAL writer, checkpointer) and any other client's
    backends, so it is meaningful only on an otherwise idle database server.
    """
    return _process_cpu_seconds(lambda _ppid, name: name.startswith("postgres"))


# ---------------------------------------------------------------------------------------
# Load
# ---------------------------------------------------------------------------------------


@dataclass
class RoundResult:
    app: str
    round: int
    requests: int
    accepted: int
    failed: int
    seconds: float
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    client_cpu_percent: float
    server_cpu_ms_per_request: float | None
    database_cpu_ms_per_request: float | None
    truncated: bool
    unit: str = "req"  # what per_second and the CPU figures count: requests or reports
    statuses: dict[str, int] = field(default_factory=dict)
    first_error: str | None = None


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (0.0 for none)."""
    if not sorted_values:
        return 0.0
    rank = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[rank]


def drive(server: Server, payloads: Sequence[Payload], *, requests: int, concurrency: int,
          max_seconds: float, label: str, number: int,
          idempotency_prefix: str | None = None, batched: bool = False) -> RoundResult:
    """Send ``requests`` POSTs from ``concurrency`` threads; stop early at ``max_seconds``.

    With ``idempotency_prefix`` every request carries its own ``Idempotency-Key`` (prefix
    plus request number), so each one is a new submission, never a replay. ``batched``
    bodies go to POST /reports/batch: what counts is then the reports each answer says
    were accepted, and a rejected report is a failure.
    """
    counter = itertools.count()
    counter_lock = threading.Lock()
    go = threading.Event()
    stop = threading.Event()
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    statuses: list[Counter[int]] = [Counter() for _ in range(concurrency)]
    reports = [[0, 0] for _ in range(concurrency)]  # accepted, rejected (batched only)
    errors: list[str] = []
    deadline = [0.0]  # set just before `go`, read by every thread

    def next_index() -> int | None:
        with counter_lock:
            index = next(counter)
        return index if index < requests else None

    def client(slot: int) -> None:
        # One connection per thread, reused while the server keeps it open. gunicorn's sync
        # workers close after every response, and http.client then reconnects by itself.
        conn = http.client.HTTPConnection(HOST, server.port, timeout=REQUEST_TIMEOUT_SECONDS)
        mine, seen = latencies[slot], statuses[slot]
        try:
            if not go.wait(REQUEST_TIMEOUT_SECONDS):
                return
            while not stop.is_set() and time.perf_counter() < deadline[0]:
                index = next_index()
                if index is None:
                    return
                payload = payloads[index % len(payloads)]
                headers = {"Content-Type": "application/json",
                           "Authorization": payload.authorization}
                if idempotency_prefix is not None:
                    headers["Idempotency-Key"] = f"{idempotency_prefix}-{index}"
                began = time.perf_counter()
                try:
                    conn.request("POST", server.path, body=payload.body, headers=headers)
                    response = conn.getresponse()
                    answer = response.read()
                    status = response.status
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    status, answer = 0, repr(exc).encode()
                mine.append(time.perf_counter() - began)
                seen[status] += 1
                if batched and status == 200:
                    outcome = json.loads(answer)
                    reports[slot][0] += outcome["accepted"]
                    reports[slot][1] += outcome["rejected"]
                    if outcome["rejected"] and not errors:
                        errors.append(f"rejected reports: {answer[:2000].decode()}")
                if not 200 <= status < 300 and not errors:
                    errors.append(f"HTTP {status}: {answer[:2000].decode(errors='replace')}")
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(slot,), daemon=True,
                                name=f"bench-{label}-{slot}") for slot in range(concurrency)]
    for thread in threads:
        thread.start()
    cpu_before = worker_cpu_seconds(server.process.pid)
    database_before = database_cpu_seconds()
    client_cpu_before = time.process_time()
    began = time.perf_counter()
    deadline[0] = began + max_seconds
    go.set()
    try:
        # Join in short slices: Ctrl-C stays responsive, and a hung thread cannot hold the
        # run past the deadline plus one request timeout.
        hard_stop = began + max_seconds + REQUEST_TIMEOUT_SECONDS + 5
        for thread in threads:
            while thread.is_alive() and time.perf_counter() < hard_stop:
                thread.join(0.2)
    finally:
        stop.set()
    elapsed = time.perf_counter() - began
    client_cpu = time.process_time() - client_cpu_before
    cpu_after = worker_cpu_seconds(server.process.pid)
    database_after = database_cpu_seconds()

    every = sorted(itertools.chain.from_iterable(latencies))
    seen_all: Counter[int] = sum(statuses, Counter())
    accepted = sum(n for status, n in seen_all.items() if 200 <= status < 300)
    done = len(every)
    failed = done - accepted
    if batched:  # reports, not requests
        accepted = sum(a for a, _ in reports)
        failed += sum(r for _, r in reports)
    units = accepted if batched else done
    server_cpu = (None if cpu_before is None or cpu_after is None or not units
                  else (cpu_after - cpu_before) * 1000 / units)
    database_cpu = (None if database_before is None or database_after is None or not units
                    else (database_after - database_before) * 1000 / units)
    return RoundResult(
        app=label, round=number, requests=done, accepted=accepted, failed=failed,
        seconds=elapsed, per_second=accepted / elapsed if elapsed > 0 else 0.0,
        p50_ms=percentile(every, 0.50) * 1000, p95_ms=percentile(every, 0.95) * 1000,
        p99_ms=percentile(every, 0.99) * 1000,
        client_cpu_percent=100 * client_cpu / elapsed if elapsed > 0 else 0.0,
        server_cpu_ms_per_request=server_cpu, database_cpu_ms_per_request=database_cpu,
        truncated=done < requests, unit="report" if batched else "req",
        statuses={str(status): n for status, n in sorted(seen_all.items())},
        first_error=errors[0] if errors else None)


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------


def print_round(result: RoundResult) -> None:
    cpu = ("-" if result.server_cpu_ms_per_request is None
           else f"{result.server_cpu_ms_per_request:.2f}")
    database = ("-" if result.database_cpu_ms_per_request is None
                else f"{result.database_cpu_ms_per_request:.2f}")
    note = " (stopped at the time limit)" if result.truncated else ""
    unit = result.unit
    print(f"  round {result.round}  {result.app:<9}{result.per_second:8.1f} {unit}/s  "
          f"p50 {result.p50_ms:6.1f} ms  p95 {result.p95_ms:6.1f} ms  "
          f"p99 {result.p99_ms:6.1f} ms  "
          f"failed {result.failed:<3} server CPU {cpu:>5} ms/{unit}  "
          f"database CPU {database:>5} ms/{unit}  "
          f"client CPU {result.client_cpu_percent:3.0f}%{note}", flush=True)
    if result.first_error:
        print(f"    first error: {result.first_error}", flush=True)


def summarise(rounds: list[RoundResult]) -> dict[str, Any]:
    """Medians per app, the ratio of the medians and the median of per-round ratios."""
    by_app: dict[str, list[RoundResult]] = {"baseline": [], "full": []}
    for result in rounds:
        by_app[result.app].append(result)

    def median_of(app: str, attribute: str) -> float | None:
        values = [v for r in by_app[app] if (v := getattr(r, attribute)) is not None]
        return statistics.median(values) if values else None

    apps = {app: {"median_per_second": median_of(app, "per_second"),
                  "median_p50_ms": median_of(app, "p50_ms"),
                  "median_p95_ms": median_of(app, "p95_ms"),
                  "median_p99_ms": median_of(app, "p99_ms"),
                  "median_server_cpu_ms_per_request":
                      median_of(app, "server_cpu_ms_per_request"),
                  "median_database_cpu_ms_per_request":
                      median_of(app, "database_cpu_ms_per_request"),
                  "non_2xx": sum(r.failed for r in by_app[app])}
            for app in by_app}
    # Round n of the baseline ran just before round n of the full path: a pair shares the
    # machine's state, so their ratio is the least disturbed by drift.
    pairwise = [full.per_second / base.per_second
                for base, full in zip(by_app["baseline"], by_app["full"], strict=True)
                if base.per_second > 0]
    base_median = apps["baseline"]["median_per_second"] or 0.0
    full_median = apps["full"]["median_per_second"] or 0.0
    ratio = full_median / base_median if base_median > 0 else 0.0
    base_cpu = apps["baseline"]["median_server_cpu_ms_per_request"]
    full_cpu = apps["full"]["median_server_cpu_ms_per_request"]
    return {
        "apps": apps,
        "ratio_of_medians": ratio,
        "pairwise_ratios": pairwise,
        "median_pairwise_ratio": statistics.median(pairwise) if pairwise else 0.0,
        "server_cpu_ratio_baseline_over_full": (base_cpu / full_cpu
                                                if base_cpu and full_cpu else None),
        "p99_bar_ms": P99_BAR_MS,
        "p99_under_bar": (apps["full"]["median_p99_ms"] < P99_BAR_MS
                          if apps["full"]["median_p99_ms"] is not None else None),
    }


def print_summary(summary: dict[str, Any]) -> None:
    apps = summary["apps"]

    def cell(value: float | None, spec: str) -> str:
        return "-" if value is None else format(value, spec)

    print()
    print(f"{'':<26}{'baseline':>10}{'full path':>11}")
    for title, key, spec in (("accepted/s (median)", "median_per_second", ".1f"),
                             ("p50 latency ms (median)", "median_p50_ms", ".1f"),
                             ("p95 latency ms (median)", "median_p95_ms", ".1f"),
                             ("p99 latency ms (median)", "median_p99_ms", ".1f"),
                             ("server CPU ms/accepted", "median_server_cpu_ms_per_request",
                              ".2f"),
                             ("database CPU ms/accepted", "median_database_cpu_ms_per_request",
                              ".2f")):
        print(f"{title:<26}{cell(apps['baseline'][key], spec):>10}"
              f"{cell(apps['full'][key], spec):>11}")
    print(f"{'failed (counted rounds)':<26}{apps['baseline']['non_2xx']:>10}"
          f"{apps['full']['non_2xx']:>11}")
    print()
    pairwise = ", ".join(f"{r:.2f}" for r in summary["pairwise_ratios"])
    print(f"ratio full/baseline, of medians:  {summary['ratio_of_medians']:.2f}")
    print(f"ratio full/baseline, per round:   {pairwise} "
          f"(median {summary['median_pairwise_ratio']:.2f})")
    cpu_ratio = summary["server_cpu_ratio_baseline_over_full"]
    if cpu_ratio is not None:
        print(f"worker CPU per accepted, base/full: {cpu_ratio:.2f}")
    if summary["p99_under_bar"] is not None:
        verdict = "under" if summary["p99_under_bar"] else "NOT under"
        print(f"full path p99 {apps['full']['median_p99_ms']:.1f} ms: {verdict} the "
              f"{P99_BAR_MS:.0f} ms bar (stated for 4 clients; information, not an "
              "assertion)", flush=True)


# ---------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Accepted report submissions per second through gunicorn + PostgreSQL, "
                    "against a parse-JSON-and-insert baseline measured in the same run.")
    parser.add_argument("--requests", type=int, default=1000,
                        help="requests per app per round (default 1000)")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="client threads (default 8)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds per app, alternating baseline/full (default 3)")
    parser.add_argument("--warmup", type=int, default=100,
                        help="uncounted requests per app before the rounds (default 100)")
    parser.add_argument("--max-seconds", type=float, default=60.0,
                        help="time limit of one round; a round stops there (default 60)")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the synthetic data")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL,
                        help="PostgreSQL database to DROP and re-create "
                             f"(default {DEFAULT_DATABASE_URL})")
    parser.add_argument("--idempotency-key", action="store_true",
                        help="send a unique Idempotency-Key with every full-path request "
                             "(one more lookup and insert each); default: none")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per gunicorn worker, for both apps: 1 = sync workers, "
                             "more = gthread workers (default 1)")
    parser.add_argument("--batch", type=int, default=1,
                        help="reports per request on the full path, sent to "
                             "POST /reports/batch when above 1 (default 1: POST /reports)")
    parser.add_argument("--against", metavar="REV",
                        help="measure this checkout against the service at git revision REV "
                             "(instead of the parse-and-insert baseline), interleaved")
    parser.add_argument("--no-flush-wait", action="store_true",
                        help="measurement only, never a setting to deploy: the full path's "
                             "database commits without waiting for the WAL flush "
                             "(synchronous_commit=off), to see what the flush costs inside "
                             "the log's lock")
    parser.add_argument("--json", action="store_true",
                        help="also print the results as one JSON document")
    args = parser.parse_args(argv)
    for name in ("requests", "concurrency", "rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if not 1 <= args.batch <= 1000:
        parser.error("--batch must be between 1 and 1000")
    if args.against and args.batch > 1:
        parser.error("--against compares single submissions; drop --batch")
    if args.warmup < 0 or args.max_seconds <= 0:
        parser.error("--warmup must be >= 0 and --max-seconds > 0")
    return args


def source_revision(tree: Path = REPO_ROOT) -> str:
    """The checkout's commit, "-dirty" when it has local changes; figures belong to code."""
    try:
        head = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=5, check=True)
        status = subprocess.run(["git", "-C", str(tree), "status", "--porcelain",
                                 "--untracked-files=no"],
                                capture_output=True, text=True, timeout=5, check=True)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head.stdout.strip() + ("-dirty" if status.stdout.strip() else "")


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, or "n/a" where the OS has none."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except (AttributeError, OSError):
        return "n/a"


def _raise_on_signal(signum: int, _frame: object) -> None:
    # SIGTERM and SIGHUP become an exception in the main thread, so the finally blocks
    # that stop gunicorn run exactly as they do for Ctrl-C.
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def servers(env: dict[str, str], scratch: Path, threads: int, full_path: str = FULL_PATH,
            previous: tuple[Path, dict[str, str]] | None = None) -> Iterator[dict[str, Server]]:
    """Both gunicorn servers, stopped on the way out whatever happens.

    ``previous``: the checkout and environment of an earlier commit, served as the
    baseline instead of the parse-and-insert app.
    """
    baseline = ("baseline", "bench.baseline_app:create_baseline_app()", BASELINE_PATH,
                env, REPO_ROOT)
    if previous is not None:
        baseline = ("baseline", "reporting:create_app()", FULL_PATH, previous[1], previous[0])
    with contextlib.ExitStack() as stack:
        started: dict[str, Server] = {}
        for name, spec, path, app_env, root in (
                baseline, ("full", "reporting:create_app()", full_path, env, REPO_ROOT)):
            server = start_server(name, spec, path, app_env, scratch, threads, root)
            stack.callback(stop_server, server)
            started[name] = server
        for server in started.values():
            wait_until_ready(server)
        yield started


def run(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    """Set up, serve, warm up, run the alternating rounds; the results as plain data."""
    print(f"OpenVRS ingest benchmark: Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, gunicorn {WORKERS} "
          f"{'sync workers' if args.threads <= 1 else f'gthread workers x {args.threads} threads'}"
          f" per app, "
          f"{args.concurrency} client threads", flush=True)
    # Other work on the machine takes CPU from both apps and from the client; the load
    # average printed before and after says how quiet the machine was.
    load_before = load_average()
    revision = source_revision()
    print(f"source {revision}; load average before: {load_before}", flush=True)
    url = args.database_url
    print(f"preparing {url} (dropped and re-created) ...", flush=True)
    secrets, service_env = prepare_database(url, scratch / "data")
    if args.no_flush_wait:
        from databases import _admin
        from sqlalchemy.engine import make_url

        _admin(url, f'ALTER DATABASE "{make_url(url).database}" SET synchronous_commit = off')
        print("full path: synchronous_commit = off (a measurement, not a safe setting: "
              "a crash loses acknowledged reports)", flush=True)
    payloads = prepare_payloads(secrets, DISTINCT_BODIES, args.seed)
    mean_size = statistics.mean(len(p.body) for p in payloads)
    print(f"{len(payloads)} distinct synthetic reports, mean body {mean_size:.0f} bytes, "
          f"{'unique' if args.idempotency_key else 'no'} Idempotency-Key on the full path; "
          f"{args.rounds} rounds x {args.requests} requests per app", flush=True)
    batched = args.batch > 1
    full_payloads, full_requests = payloads, args.requests
    if batched:
        full_payloads = batch_payloads(secrets, DISTINCT_BODIES * 4, args.seed, args.batch)
        full_requests = max(1, args.requests // args.batch)
        print(f"--batch {args.batch}: the full path sends {full_requests} requests of "
              f"{args.batch} reports to {BATCH_PATH} per round; its figures are reports "
              f"per second and CPU per report, the baseline's rows (requests) per second.",
              flush=True)

    def keys(name: str, number: int) -> str | None:
        # Unique per round and run: a repeated key would be a replay (200), not a
        # new submission.
        if not args.idempotency_key or (name != "full" and not args.against):
            return None
        return f"bench-{os.getpid()}-{number}"

    stack = contextlib.ExitStack()
    previous = None
    baseline_payloads = payloads
    if args.against:
        tree = stack.enter_context(checkout(args.against, scratch))
        previous_url = url + "_previous"
        print(f"baseline: the service at {args.against} "
              f"({source_revision(tree)}), on {previous_url}", flush=True)
        previous_secrets, previous_env = prepare_tree_database(tree, previous_url,
                                                               scratch / "data-previous")
        baseline_payloads = prepare_payloads(previous_secrets, DISTINCT_BODIES, args.seed)
        previous = (tree, {**os.environ, **previous_env, "VRS_DATABASE_URL": previous_url,
                           "VRS_DATA_DIR": str(scratch / "data-previous")})

    env = dict(os.environ)
    env.update(service_env)
    env.update(VRS_DATABASE_URL=url, VRS_DATA_DIR=str(scratch / "data"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT),
                                                        env.get("PYTHONPATH")])))
    rounds: list[RoundResult] = []
    with stack, servers(env, scratch, args.threads, BATCH_PATH if batched else FULL_PATH,
                        previous) as running:
        print(f"gunicorn: baseline on {HOST}:{running['baseline'].port}, "
              f"full path on {HOST}:{running['full'].port}", flush=True)
        for name, server in running.items():
            if not args.warmup:
                break
            full = name == "full"
            warm = drive(server, full_payloads if full else baseline_payloads,
                         requests=max(1, args.warmup // args.batch) if full else args.warmup,
                         concurrency=args.concurrency, max_seconds=args.max_seconds,
                         label=name, number=0, idempotency_prefix=keys(name, 0),
                         batched=batched and full)
            print(f"  warm-up  {name:<9}{warm.requests} requests, non-2xx {warm.failed}",
                  flush=True)
            if warm.first_error:
                print(f"    first error: {warm.first_error}", flush=True)
        for number in range(1, args.rounds + 1):
            for name in ("baseline", "full"):
                full = name == "full"
                result = drive(running[name], full_payloads if full else baseline_payloads,
                               requests=full_requests if full else args.requests,
                               concurrency=args.concurrency, max_seconds=args.max_seconds,
                               label=name, number=number,
                               idempotency_prefix=keys(name, number),
                               batched=batched and full)
                print_round(result)
                rounds.append(result)
    summary = summarise(rounds)
    print_summary(summary)
    load_after = load_average()
    print(f"load average after: {load_after}", flush=True)
    return {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "revision": revision,
                    "load_average_before": load_before,
                    "load_average_after": load_after},
        "settings": {"requests": args.requests, "concurrency": args.concurrency,
                     "rounds": args.rounds, "warmup": args.warmup, "workers": WORKERS,
                     "distinct_bodies": len(payloads), "mean_body_bytes": mean_size,
                     "idempotency_key": args.idempotency_key, "threads": args.threads,
                     "batch": args.batch, "against": args.against,
                     "no_flush_wait": args.no_flush_wait},
        "rounds": [asdict(r) for r in rounds],
        "summary": summary,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark: 0 when it measured, 1 when something broke, 130 when stopped."""
    args = parse_args(argv)
    args.database_url = check_database_url(args.database_url)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_on_signal)
    scratch = Path(tempfile.mkdtemp(prefix="openvrs-bench-"))
    keep_scratch = True
    try:
        results = run(args, scratch)
        if args.json:
            print(json.dumps(results, indent=2))
        apps = results["summary"]["apps"]
        failed = apps["full"]["non_2xx"] + apps["baseline"]["non_2xx"]
        if failed:
            # A rejected request is not an accepted submission: the figures are not valid.
            print(f"error: {failed} counted requests did not get a 2xx", file=sys.stderr)
            return 1
        keep_scratch = False
        return 0
    except KeyboardInterrupt:
        print("interrupted; gunicorn stopped", file=sys.stderr)
        keep_scratch = False
        return 130
    except Exception as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        if keep_scratch:
            print(f"gunicorn logs kept in {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
