"""Receipt log on PostgreSQL: appends per second, and proof cost as the log grows.

Two parts, both against a throw-away PostgreSQL database:

* appends: ``Ledger.record`` exactly as a submission calls it (sign the receipt, lock
  ``log_state``, read the left siblings, insert the leaf and the completed nodes), one
  transaction and one commit per append; first from one thread, then from several
  threads with a session each, which shows what the ``log_state`` row lock serialises.
  The baseline is the floor of "one row per transaction" on the same engine: one
  INSERT of a row as large as a logged receipt, then COMMIT, same thread counts;
* proofs: the log is filled synthetically to 10^4, 10^5 and 10^6 leaves (all complete
  subtree hashes computed in Python and loaded with COPY: proofs read ``log_nodes``
  only), and at each size ``Ledger.inclusion``, ``Ledger.consistency`` and
  ``Ledger.root`` are timed on random arguments, next to a one-row primary-key read
  of ``log_nodes`` through the same session (the floor of any query). The ratio of
  medians between consecutive sizes is printed next to the ratio of log2(size):
  logarithmic growth gives ratios near the latter (1.25, 1.2), linear growth ~10.

Every proof served is checked against roots computed in memory (RFC 9162 verifiers),
and after the threaded appends the stored log is checked for gaps and for its root:
wrong answers would make the timings meaningless, so those raise. The timings
themselves are printed, never asserted (project rule).

    python bench/ledger.py [--appends N] [--threads T] [--queries Q]
                           [--max-size 1000000] [--database-url URL] [--keep] [--json]

The database named by ``--database-url`` is dropped and re-created: its name must
contain "bench" and its host must be loopback, so a typo cannot destroy a real
database. It is dropped again at the end unless ``--keep``. Every loop is bounded in
count, every statement by a server-side timeout, and the threads by a deadline.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from databases import check_database_url, drop_database, recreate_database

REPO_ROOT = Path(__file__).resolve().parent.parent
# `python bench/ledger.py` puts bench/ on sys.path, not the repository.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/openvrs_ledger_bench"
ORIGIN = "bench/log"
STATES = ("AUT", "BEL", "DEU", "ESP", "FRA", "ITA", "NLD", "POL")
STATEMENT_TIMEOUT = "120s"  # per statement, every connection the benchmark opens
COPY_TIMEOUT = "600s"  # the bulk load of up to ~2e6 node rows is one statement
THREAD_DEADLINE_SECONDS = 300.0
WARMUP_APPENDS = 50
BASELINE_TABLE = "bench_ledger_plain"
HASH = 32


# ---------------------------------------------------------------------------------------
# Database set-up
# ---------------------------------------------------------------------------------------


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as a plain libpq URI, for a bare psycopg connection (COPY)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def raw_connection(url: str, *, autocommit: bool = False,
                   timeout: str = STATEMENT_TIMEOUT) -> Iterator[Any]:
    import psycopg

    conn = psycopg.connect(libpq_url(url), autocommit=autocommit,
                           options=f"-c statement_timeout={timeout}")
    try:
        yield conn
    finally:
        conn.close()


class StatementCounter:
    """Counts the SQL statements an engine sends (one per round trip here)."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, *_args: Any) -> None:
        self.count += 1


def open_database(url: str) -> Any:
    """``reporting.db.Database`` (the service's engine settings) with a statement timeout."""
    from sqlalchemy import event

    from reporting.config import Settings
    from reporting.db import Database

    database = Database(Settings(database_url=url).database_url)

    @event.listens_for(database.engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT}'")
        dbapi_connection.commit()

    return database


def new_ledger(database: Any, key_dir: Path) -> Any:
    from reporting.ledger.keys import Keyring, new_seed
    from reporting.ledger.log import Ledger

    ledger = Ledger(Keyring(key_dir, env_seed=new_seed()), ORIGIN)
    with database.session() as session:
        ledger.activate(session, ledger.keyring.environment_key())
    return ledger


# ---------------------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Timing:
    median_us: float
    p95_us: float
    mean_us: float
    samples: int

    @classmethod
    def of(cls, values_ns: list[int]) -> Timing:
        values = sorted(v / 1000 for v in values_ns)
        return cls(statistics.median(values), percentile(values, 0.95),
                   statistics.fmean(values), len(values))


# ---------------------------------------------------------------------------------------
# Part 1: appends per second
# ---------------------------------------------------------------------------------------


@dataclass
class AppendRun:
    name: str
    threads: int
    count: int
    seconds: float
    per_second: float
    latency: Timing


def receipt_fields(rng: random.Random, i: int) -> dict[str, Any]:
    """What a submission hands to ``Ledger.record`` (reports/service.py), synthetic."""
    received = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    return {"report_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "version": 1 + i % 3, "state": STATES[i % len(STATES)],
            "received_at": received,
            "content_sha256": hashlib.sha256(i.to_bytes(8, "big")).hexdigest()}


def run_threads(name: str, threads: int, count: int,
                one: Callable[[int], None]) -> AppendRun:
    """``count`` calls of ``one(i)`` split over ``threads`` threads; wall time and latency."""
    shares = [count // threads + (1 if t < count % threads else 0) for t in range(threads)]
    starts = [sum(shares[:t]) for t in range(threads)]
    latencies: list[list[int]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []
    go = threading.Event()

    def worker(t: int) -> None:
        go.wait()
        try:
            for i in range(starts[t], starts[t] + shares[t]):
                t0 = time.perf_counter_ns()
                one(i)
                latencies[t].append(time.perf_counter_ns() - t0)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(threads)]
    for thread in pool:
        thread.start()
    began = time.perf_counter()
    go.set()
    deadline = began + THREAD_DEADLINE_SECONDS
    for thread in pool:
        thread.join(max(0.0, deadline - time.perf_counter()))
    seconds = time.perf_counter() - began
    if any(thread.is_alive() for thread in pool):
        raise RuntimeError(f"{name}: threads still running after {THREAD_DEADLINE_SECONDS}s")
    if errors:
        raise RuntimeError(f"{name}: {errors[0]!r}") from errors[0]
    return AppendRun(name, threads, count, seconds, count / seconds,
                     Timing.of([v for part in latencies for v in part]))


def bench_appends(database: Any, ledger: Any, count: int, threads: int,
                  seed: int) -> tuple[list[AppendRun], int]:
    """Baseline and ledger appends, one thread then ``threads``; returns the entry size."""
    from sqlalchemy import text

    from reporting.group_commit import GroupCommit
    from reporting.ledger.models import LogLeaf

    rng = random.Random(seed)  # noqa: S311 -- synthetic data, reproducible by seed
    # Pre-built before any timing, one per append of every run (and the warm-up).
    fields = [receipt_fields(rng, i) for i in range(2 * count + WARMUP_APPENDS)]

    def record(i: int) -> None:
        with database.session() as session:
            ledger.record(session, fields[i])

    for i in range(WARMUP_APPENDS):
        record(i)
    with database.session() as session:
        sample = session.get(LogLeaf, 0)
        assert sample is not None
        entry_size = len(sample.entry)
        session.execute(text(f"CREATE TABLE {BASELINE_TABLE} (id bigserial PRIMARY KEY, "
                             "entry bytea NOT NULL, leaf_hash bytea NOT NULL)"))
    payload = os.urandom(entry_size)
    digest = hashlib.sha256(payload).digest()
    # The table name is a module constant; the values are bound parameters.
    insert = text(f"INSERT INTO {BASELINE_TABLE} (entry, leaf_hash) VALUES (:e, :h)")  # noqa: S608

    def plain(_i: int) -> None:
        with database.session() as session:
            session.execute(insert, {"e": payload, "h": digest})

    for i in range(WARMUP_APPENDS):
        plain(i)
    offset = WARMUP_APPENDS
    runs = [run_threads("baseline insert+commit", 1, count, plain),
            run_threads("Ledger.record+commit", 1, count,
                        lambda i: record(offset + i))]
    if threads > 1:
        offset2 = WARMUP_APPENDS + count
        runs += [run_threads("baseline insert+commit", threads, count, plain),
                 run_threads("Ledger.record+commit", threads, count,
                             lambda i: record(offset2 + i))]
        # What submissions do: appends of concurrent callers share one transaction
        # (reporting.group_commit), so the lock and the WAL flush are paid per group.
        group = GroupCommit(ledger.record_many)
        more = [receipt_fields(rng, i) for i in range(2 * count + WARMUP_APPENDS,
                                                       3 * count + WARMUP_APPENDS)]

        def grouped(i: int) -> None:
            with database.sessions() as session:
                group.run(session, more[i])

        runs.append(run_threads("GroupCommit(record_many)", threads, count, grouped))
    return runs, entry_size


def check_appended_log(database: Any, ledger: Any) -> int:
    """After concurrent appends: indexes 0..n-1 without gaps, and the stored root right."""
    from sqlalchemy import select

    from reporting.ledger import merkle
    from reporting.ledger.log import tree_size
    from reporting.ledger.models import LogLeaf

    with database.session() as session:
        size = tree_size(session)
        rows = session.execute(select(LogLeaf.index, LogLeaf.entry, LogLeaf.leaf_hash)
                               .order_by(LogLeaf.index)).all()
        if [r.index for r in rows] != list(range(size)):
            raise RuntimeError(f"log of size {size} has {len(rows)} leaves or a gap")
        if any(merkle.leaf_hash(bytes(r.entry)) != bytes(r.leaf_hash) for r in rows):
            raise RuntimeError("a stored leaf hash does not match its entry")
        tree = MemoryTree()
        tree.extend(bytes(r.leaf_hash) for r in rows)
        if ledger.root(session, size) != merkle.root_hash(size, tree.reader()):
            raise RuntimeError("the stored nodes do not give the root of the stored leaves")
    return size


def reset_log(database: Any) -> None:
    from sqlalchemy import text

    with database.session() as session:
        session.execute(text(f"DROP TABLE IF EXISTS {BASELINE_TABLE}"))
        session.execute(text("TRUNCATE log_leaves, log_nodes, tree_heads CASCADE"))
        session.execute(text("UPDATE log_state SET tree_size = 0 WHERE id = 1"))


# ---------------------------------------------------------------------------------------
# Part 2: a synthetic log, built in memory and loaded with COPY
# ---------------------------------------------------------------------------------------


class MemoryTree:
    """Every complete aligned subtree hash, one bytearray per level (32 bytes a node).

    Node ``(level, i)`` is ``MTH`` of leaves ``[i * 2**level, (i + 1) * 2**level)``, as
    in ``reporting.ledger.merkle``; ~64 MB for 10^6 leaves.
    """

    def __init__(self) -> None:
        self.levels: list[bytearray] = [bytearray()]
        self.size = 0

    def node(self, level: int, index: int) -> bytes:
        return bytes(self.levels[level][index * HASH:(index + 1) * HASH])

    def extend(self, leaves: Iterable[bytes]) -> list[tuple[int, int, int]]:
        """Append leaf hashes; returns the new nodes as ``(level, first, end)`` ranges."""
        from reporting.ledger.merkle import node_hash

        old = self.size
        level0 = self.levels[0]
        for leaf in leaves:
            level0 += leaf
        self.size = len(level0) // HASH
        added = [(0, old, self.size)]
        level = 1
        while self.size >> level:
            if level == len(self.levels):
                self.levels.append(bytearray())
            below, here = self.levels[level - 1], self.levels[level]
            first, end = len(here) // HASH, self.size >> level
            for i in range(first, end):
                here += node_hash(below[2 * i * HASH:(2 * i + 1) * HASH],
                                  below[(2 * i + 1) * HASH:(2 * i + 2) * HASH])
            added.append((level, first, end))
            level += 1
        return [r for r in added if r[2] > r[1]]

    def reader(self, counts: list[int] | None = None) -> Callable[[list], dict]:
        """A ``merkle.NodeReader`` over memory; ``counts`` gets ``[calls, nodes]`` added."""

        def read(ids: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
            if counts is not None:
                counts[0] += 1
                counts[1] += len(ids)
            return {(lv, i): self.node(lv, i) for lv, i in ids
                    if lv < len(self.levels) and i < len(self.levels[lv]) // HASH}

        return read


def synthetic_leaf(i: int) -> bytes:
    from reporting.ledger.merkle import leaf_hash

    return leaf_hash(i.to_bytes(8, "big"))


def load_nodes(url: str, tree: MemoryTree, ranges: list[tuple[int, int, int]]) -> int:
    """COPY the new nodes into ``log_nodes`` and set ``log_state.tree_size``; row count."""
    rows = 0
    with raw_connection(url, timeout=COPY_TIMEOUT) as conn:
        with conn.cursor() as cursor:
            with cursor.copy("COPY log_nodes (level, index, hash) FROM STDIN "
                             "(FORMAT BINARY)") as copy:
                copy.set_types(["int4", "int8", "bytea"])
                for level, first, end in ranges:
                    buf = tree.levels[level]
                    for i in range(first, end):
                        copy.write_row((level, i, buf[i * HASH:(i + 1) * HASH]))
                    rows += end - first
            cursor.execute("UPDATE log_state SET tree_size = %s WHERE id = 1", (tree.size,))
        conn.commit()
    with raw_connection(url, autocommit=True, timeout=COPY_TIMEOUT) as conn:
        conn.execute("VACUUM ANALYZE log_nodes")
    return rows


# ---------------------------------------------------------------------------------------
# Part 2: proof timings
# ---------------------------------------------------------------------------------------


@dataclass
class Measure:
    timing: Timing
    statements: float  # SQL statements per call (mean)
    node_calls: float  # NodeReader calls by the merkle function (mean)
    nodes: float  # node ids fetched by the merkle function (mean)
    nodes_max: int
    memory_median_us: float  # the same merkle function over an in-memory reader


@dataclass
class SizeResult:
    size: int
    log2: float
    node_rows: int
    fill_seconds: float
    point: Measure
    inclusion: Measure
    consistency: Measure
    root: Measure
    verified: int


KINDS = ("point", "inclusion", "consistency", "root")


def measure_size(database: Any, ledger: Any, tree: MemoryTree, queries: int,
                 rng: random.Random, counter: StatementCounter,
                 fill_seconds: float, node_rows: int) -> SizeResult:
    """``queries`` random calls of each kind, interleaved, each in its own transaction."""
    from sqlalchemy import select

    from reporting.ledger import merkle
    from reporting.ledger.models import LogNode

    size = tree.size
    memory = tree.reader()
    root = merkle.root_hash(size, memory)
    times: dict[str, list[int]] = {k: [] for k in KINDS}
    stmts: dict[str, int] = dict.fromkeys(KINDS, 0)
    counts: dict[str, list[int]] = {k: [] for k in KINDS}
    memory_ns: dict[str, list[int]] = {k: [] for k in KINDS}
    verified = 0

    def timed(kind: str, session: Any, call: Callable[[], Any]) -> Any:
        before = counter.count
        t0 = time.perf_counter_ns()
        out = call()
        times[kind].append(time.perf_counter_ns() - t0)
        stmts[kind] += counter.count - before
        session.rollback()  # end the read transaction: one request, one transaction
        return out

    session = database.sessions()
    try:
        if ledger.root(session, size) != root:
            raise RuntimeError(f"size {size}: the stored root is not the synthetic tree's")
        session.rollback()
        for _ in range(queries):
            index = rng.randrange(size)
            first = rng.randrange(1, size) if size > 1 else 1

            def point(i: int = index) -> bytes:
                return session.execute(select(LogNode.hash).where(
                    LogNode.level == 0, LogNode.index == i)).scalar_one()

            got = timed("point", session, point)
            leaf, path = timed("inclusion", session,
                               lambda i=index: ledger.inclusion(session, i, size))
            proof = timed("consistency", session,
                          lambda f=first: ledger.consistency(session, f, size))
            got_root = timed("root", session, lambda: ledger.root(session, size))

            # Reads made by the merkle functions are a property of the sizes, so they
            # are counted on the in-memory reader, outside the database calls; timing
            # that run separates the Python work from the database round trips.
            for kind, call in (("point", lambda r, i=index: r([(0, i)])),
                               ("inclusion", lambda r, i=index: merkle.inclusion_proof(
                                    i, size, r)),
                               ("consistency", lambda r, f=first: merkle.consistency_proof(
                                    f, size, r)),
                               ("root", lambda r: merkle.root_hash(size, r))):
                c = [0, 0]
                reader = tree.reader(c)
                t0 = time.perf_counter_ns()
                call(reader)
                memory_ns[kind].append(time.perf_counter_ns() - t0)
                counts[kind].append(c)

            ok = (bytes(got) == tree.node(0, index) and got_root == root
                  and merkle.verify_inclusion(leaf, index, size, path, root)
                  and merkle.verify_consistency(first, size, merkle.root_hash(first, memory),
                                                root, proof))
            if not ok:
                raise RuntimeError(f"size {size}: a proof did not verify "
                                   f"(index {index}, first {first})")
            verified += 1
    finally:
        session.close()

    def measure(kind: str) -> Measure:
        calls = [c[0] for c in counts[kind]]
        nodes = [c[1] for c in counts[kind]]
        return Measure(Timing.of(times[kind]), stmts[kind] / queries,
                       statistics.fmean(calls), statistics.fmean(nodes), max(nodes),
                       Timing.of(memory_ns[kind]).median_us)

    return SizeResult(size, math.log2(size), node_rows, fill_seconds,
                      *(measure(k) for k in KINDS), verified)


def target_sizes(max_size: int) -> list[int]:
    sizes = [10 ** k for k in range(4, 10) if 10 ** k <= max_size]
    if not sizes or sizes[-1] != max_size:
        sizes.append(max_size)
    return sizes


def bench_proofs(url: str, database: Any, ledger: Any, max_size: int, queries: int,
                 seed: int, counter: StatementCounter,
                 progress: Callable[[str], None]) -> list[SizeResult]:
    rng = random.Random(seed)  # noqa: S311 -- query arguments, reproducible by seed
    tree = MemoryTree()
    results = []
    for size in target_sizes(max_size):
        t0 = time.perf_counter()
        ranges = tree.extend(synthetic_leaf(i) for i in range(tree.size, size))
        t1 = time.perf_counter()
        rows = load_nodes(url, tree, ranges)
        t2 = time.perf_counter()
        progress(f"  size {size:>9,}: {rows:,} new node rows hashed in {t1 - t0:.1f} s, "
                 f"COPY + VACUUM ANALYZE {t2 - t1:.1f} s; timing {queries} queries of each kind")
        total_rows = sum(len(level) // HASH for level in tree.levels)
        results.append(measure_size(database, ledger, tree, queries, rng, counter,
                                    t2 - t0, total_rows))
    return results


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------


@dataclass
class Report:
    started: str
    machine: dict[str, Any]
    settings: dict[str, Any]
    entry_bytes: int = 0
    appends: list[AppendRun] = field(default_factory=list)
    appended_log_size: int = 0
    proofs: list[SizeResult] = field(default_factory=list)
    ratios: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0


def machine_info(url: str) -> dict[str, Any]:
    with raw_connection(url) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
        sync = conn.execute("SHOW synchronous_commit").fetchone()[0]
        buffers = conn.execute("SHOW shared_buffers").fetchone()[0]
    return {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "loadavg_start": list(os.getloadavg()),
            "postgresql": server, "synchronous_commit": sync, "shared_buffers": buffers}


def proof_ratios(results: list[SizeResult]) -> list[dict[str, Any]]:
    out = []
    for small, big in zip(results, results[1:], strict=False):
        row: dict[str, Any] = {"from": small.size, "to": big.size,
                               "log2_ratio": big.log2 / small.log2,
                               "linear_ratio": big.size / small.size}
        for kind in KINDS:
            a, b = getattr(small, kind), getattr(big, kind)
            row[kind] = b.timing.median_us / a.timing.median_us
            row[f"{kind}_nodes"] = b.nodes / a.nodes if a.nodes else float("nan")
            row[f"{kind}_memory"] = b.memory_median_us / a.memory_median_us
        out.append(row)
    return out


def print_report(report: Report) -> None:
    m = report.machine
    print(f"\nmachine: {m['cpus']} CPUs, {m['platform']}, Python {m['python']}, "
          f"PostgreSQL {m['postgresql']} (synchronous_commit={m['synchronous_commit']}, "
          f"shared_buffers={m['shared_buffers']}); load average at start "
          f"{m['loadavg_start'][0]:.2f}")
    if report.appends:
        print(f"\nAppends (one transaction and one commit each; receipt entry "
              f"{report.entry_bytes} bytes)")
        print(f"  {'path':<24}{'threads':>8}{'count':>7}{'per s':>9}"
              f"{'median ms':>11}{'p95 ms':>9}")
        for run in report.appends:
            print(f"  {run.name:<24}{run.threads:>8}{run.count:>7}{run.per_second:>9.0f}"
                  f"{run.latency.median_us / 1000:>11.2f}{run.latency.p95_us / 1000:>9.2f}")
        by = {(r.name.split()[0], r.threads): r.per_second for r in report.appends}
        for threads in sorted({r.threads for r in report.appends}):
            base, led = by.get(("baseline", threads)), by.get(("Ledger.record+commit", threads))
            if base and led:
                print(f"  ratio ledger/baseline, {threads} thread(s): {led / base:.2f}")
        single = by.get(("Ledger.record+commit", 1))
        multi = [(t, v) for (n, t), v in by.items() if n.startswith("Ledger") and t > 1]
        for threads, value in multi:
            print(f"  ratio ledger {threads} threads / 1 thread: {value / single:.2f}")
        print(f"  log after the appends: {report.appended_log_size} leaves, no gap, "
              "root matches the leaves")
    if report.proofs:
        print("\nProofs on PostgreSQL (median / p95 in µs per call, each call its own read "
              "transaction; sql = statements per call; calls / nodes = NodeReader calls and "
              "node ids per proof, mean and max; mem = median µs of the same merkle call "
              "over an in-memory reader, i.e. the Python share)")
        print(f"  {'size':>9} {'kind':<12}{'median':>9}{'p95':>9}{'sql':>5}"
              f"{'calls':>7}{'nodes':>7}{'max':>5}{'mem':>7}")
        for r in report.proofs:
            for kind in KINDS:
                x = getattr(r, kind)
                print(f"  {r.size:>9,} {kind:<12}{x.timing.median_us:>9.0f}"
                      f"{x.timing.p95_us:>9.0f}{x.statements:>5.1f}{x.node_calls:>7.2f}"
                      f"{x.nodes:>7.1f}{x.nodes_max:>5}{x.memory_median_us:>7.0f}")
            print(f"  {'':>9} ({r.node_rows:,} node rows; {r.verified} of each proof "
                  "verified against the in-memory root)")
        print("\nGrowth: ratio of medians between sizes (log2 ratio = logarithmic growth, "
              "size ratio = linear)")
        print(f"  {'sizes':<20}{'log2':>6}{'linear':>8}" + "".join(f"{k:>13}" for k in KINDS)
              + f"{'incl nodes':>12}{'incl mem':>10}")
        for row in report.ratios:
            label = f"{row['from']:,}->{row['to']:,}"
            print(f"  {label:<20}{row['log2_ratio']:>6.2f}{row['linear_ratio']:>8.0f}"
                  + "".join(f"{row[k]:>13.2f}" for k in KINDS)
                  + f"{row['inclusion_nodes']:>12.2f}{row['inclusion_memory']:>10.2f}")
        if len(report.proofs) > 1:
            a, b = report.proofs[0], report.proofs[-1]
            incl = b.inclusion.timing.median_us / a.inclusion.timing.median_us
            cons = b.consistency.timing.median_us / a.consistency.timing.median_us
            print(f"  {a.size:,}->{b.size:,}: inclusion x{incl:.2f}, consistency x{cons:.2f}, "
                  f"log2 x{b.log2 / a.log2:.2f}, linear x{b.size / a.size:.0f}")
    print(f"\ntotal {report.seconds:.0f} s; load average at end {os.getloadavg()[0]:.2f}")


# ---------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appends", type=int, default=2000,
                        help="appends per run (default 2000; 0 skips the append part)")
    parser.add_argument("--threads", type=int, default=4,
                        help="threads of the concurrent runs (default 4; 1 skips them)")
    parser.add_argument("--queries", type=int, default=200,
                        help="random calls of each proof kind per size (default 200)")
    parser.add_argument("--max-size", type=int, default=1_000_000,
                        help="largest log: 10^4, 10^5, ... up to this (default 10^6; "
                             "100000 for a quick run; 0 skips the proof part)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL,
                        help="PostgreSQL database to drop and re-create (name must contain "
                             "'bench', host must be loopback)")
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.appends < 0 or args.queries < 1 or args.threads < 1:
        parser.error("--appends >= 0, --queries >= 1 and --threads >= 1")
    if args.max_size and not 10_000 <= args.max_size <= 10_000_000:
        parser.error("--max-size must be 0 or between 10000 and 10000000")
    return args


def main(argv: list[str] | None = None) -> int:
    from sqlalchemy.engine import make_url

    from reporting.config import Settings
    from reporting.migration import upgrade

    args = parse_args(argv)
    url = Settings(database_url=args.database_url).database_url
    check_database_url(url)
    progress = (lambda s: print(s, file=sys.stderr, flush=True)) if args.json else print
    began = time.perf_counter()
    progress(f"database {make_url(url).render_as_string()}: re-created, migrated")
    recreate_database(url)
    database = None
    try:
        upgrade(url)
        report = Report(datetime.now(UTC).isoformat(timespec="seconds"), machine_info(url),
                        {k: v for k, v in vars(args).items() if k != "database_url"})
        database = open_database(url)
        counter = StatementCounter(database.engine)
        with tempfile.TemporaryDirectory(prefix="ledger-bench-keys-") as key_dir:
            ledger = new_ledger(database, Path(key_dir))
            if args.appends:
                progress(f"appends: {args.appends} per run, 1 and {args.threads} threads")
                report.appends, report.entry_bytes = bench_appends(
                    database, ledger, args.appends, args.threads, args.seed)
                report.appended_log_size = check_appended_log(database, ledger)
            if args.max_size:
                reset_log(database)
                progress(f"proofs: sizes {target_sizes(args.max_size)}")
                report.proofs = bench_proofs(url, database, ledger, args.max_size,
                                             args.queries, args.seed, counter, progress)
                report.ratios = proof_ratios(report.proofs)
        report.seconds = time.perf_counter() - began
        if args.json:
            print(json.dumps(asdict(report), indent=2))
        else:
            print_report(report)
    finally:
        if database is not None:
            database.dispose()
        if args.keep:
            progress(f"kept database {make_url(url).database}")
        else:
            drop_database(url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
