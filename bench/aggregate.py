"""Summaries at scale on PostgreSQL: full rebuild, approval-to-cell latency, cells per second.

Three figures the aggregation issue asks for, all on one database of synthetic approved
reports (default 1,000,000 reports, loaded by ``aggregate_query.load``: the same
generator, 3 in 7 reports amended once, 75 % of them approved):

1. **Full rebuild against one plain GROUP BY.** ``summaries.service.rebuild`` recomputes
   every region/group × period × audience cell (SQL partials, Python merge, disclosure
   control, signing, upsert). Its baseline is one plain SQL ``GROUP BY`` over the same
   counted rows (newest approved, not withdrawn, shared beyond the state), by state ×
   month × sharing level with every summed figure: the least any rebuild must read. The
   two run interleaved, ``--repeat`` times each, and the ratio of the medians is printed
   (the issue's target: within 3×).
2. **Approval to readable cell**, with a real ``vrs worker`` process on Redis: a report
   is submitted, then approved through the HTTP API (Flask test client, the real
   after-commit dispatch to Redis); the clock runs from sending the approval until
   ``GET /summaries/{region}/{month}`` serves a document whose basis includes the
   approval's log entry. p50/p95/p99 over ``--approvals`` approvals (target: p95 < 1 s).
3. **Cells recomputed per second**: the rebuild's cells over its time.

The synthetic leaves get their Merkle nodes in SQL (``sha256`` of PostgreSQL), so that
summaries can name a real root for the loaded log.

    python bench/aggregate.py [--reports 1000000] [--repeat 3] [--approvals 100]
                              [--database-url URL] [--redis-url URL] [--keep]

The database (default ``openvrs_bench_aggregate``) is dropped and re-created, and dropped
again at the end unless ``--keep``. Figures are printed, nothing is asserted.
"""

# ruff: noqa: E501, S608 - fixed statements; no value from outside enters a statement

from __future__ import annotations

import argparse
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from databases import check_database_url, drop_database, recreate_database

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/openvrs_bench_aggregate"
DEFAULT_REDIS = "redis://127.0.0.1:6379/13"
LATENCY_STATE = "IDN"
LATENCY_REGION = "035"

GROUP_BY = """
SELECT f.state_iso3, f.incident_year, f.incident_month, r.sharing, count(*),
       {sums}
FROM reports r
JOIN version_figures f ON f.report_id = r.id AND f.version = r.approved_version
WHERE r.status <> 'withdrawn' AND r.sharing IN ('region', 'all_members')
GROUP BY 1, 2, 3, 4
"""

NODES_LEVEL_0 = "INSERT INTO log_nodes (level, index, hash) SELECT 0, index, leaf_hash FROM log_leaves"
NODES_LEVEL = """
INSERT INTO log_nodes (level, index, hash)
SELECT :level, a.index / 2, sha256('\\x01'::bytea || a.hash || b.hash)
FROM log_nodes a JOIN log_nodes b ON b.level = a.level AND b.index = a.index + 1
WHERE a.level = :level - 1 AND a.index % 2 = 0
"""


def _timed(label: str, action: Any) -> tuple[Any, float]:
    began = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - began
    print(f"  {label:<44} {seconds:9.2f} s", flush=True)
    return result, seconds


def _complete_log(engine: Any) -> int:
    """Merkle nodes and the log size for the loaded leaves, so roots and proofs work."""
    from sqlalchemy import text

    with engine.begin() as conn:
        size = conn.execute(text("SELECT count(*) FROM log_leaves")).scalar_one()
        conn.execute(text(NODES_LEVEL_0))
        for level in range(1, size.bit_length()):
            conn.execute(text(NODES_LEVEL), {"level": level})
        conn.execute(text("UPDATE log_state SET tree_size = :size WHERE id = 1"), {"size": size})
    return size


def _group_by(engine: Any) -> int:
    from sqlalchemy import text

    from reporting.summaries.tallies import SUMMED

    # Booleans count the reports where they hold, as in the summaries.
    BOOLEANS = {"investigation_opened", "financial_investigation"}

    sums = ", ".join(f"sum(f.{name}::int::float)" if name in BOOLEANS else f"sum(f.{name})"
                     for name in SUMMED)
    with engine.connect() as conn:
        return len(conn.execute(text(GROUP_BY.format(sums=sums))).all())


def _rebuild(binding: Any) -> Any:
    from reporting.summaries.service import rebuild
    from reporting.unit_of_work import UnitOfWork

    with UnitOfWork.begin(binding) as unit:
        return rebuild(unit)


def time_rebuild(engine: Any, binding: Any, repeat: int) -> None:
    print("\nfull rebuild against one plain GROUP BY (interleaved):", flush=True)
    # The loaded database has no summaries yet, so round 1 writes every cell and the
    # service logs each as a difference; the count is printed below instead.
    logging.getLogger("reporting.summaries.service").setLevel(logging.CRITICAL)
    rebuilds, plains, cells = [], [], 0
    for round_ in range(1, repeat + 1):
        result, seconds = _timed(f"rebuild, round {round_}", lambda: _rebuild(binding))
        rebuilds.append(seconds)
        cells = result.cells
        if result.differences:
            print(f"  !! {len(result.differences)} cells differed from the stored ones")
        groups, seconds = _timed(f"plain GROUP BY, round {round_}", lambda: _group_by(engine))
        plains.append(seconds)
    rebuild_s, plain_s = statistics.median(rebuilds), statistics.median(plains)
    print(f"  cells per rebuild: {cells:,}; GROUP BY groups: {groups:,}")
    print(f"  median rebuild {rebuild_s:.2f} s, median GROUP BY {plain_s:.2f} s: "
          f"ratio {rebuild_s / plain_s:.2f}x (target within 3x)")
    print(f"  cells recomputed per second: {cells / rebuild_s:,.0f}")


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _outbox_row(engine: Any, report_id: str) -> int:
    """The newest outbox row about ``report_id`` (its approval's)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(text("SELECT max(id) FROM outbox WHERE payload LIKE :pattern"),
                            {"pattern": f'%"{report_id}"%'}).scalar_one()


def _done(engine: Any, outbox_id: int) -> bool:
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(text("SELECT done_at IS NOT NULL FROM outbox WHERE id = :id"),
                            {"id": outbox_id}).scalar_one()


def time_latency(settings: Any, engine: Any, approvals: int) -> None:
    """Approval → refreshed month cell readable, with a real worker process on Redis."""
    import redis

    from reporting import create_app
    from reporting.accounts.service import create_token
    from reporting.unit_of_work import UnitOfWork, current_binding
    from tests.factories import report

    redis.Redis.from_url(settings.redis_url).flushdb()
    print(f"\napproval to readable cell, worker on {settings.redis_url}:", flush=True)
    log = Path(settings.data_dir) / "worker.log"
    env = {**os.environ, "VRS_DATABASE_URL": settings.database_url,
           "VRS_REDIS_URL": settings.redis_url, "VRS_DATA_DIR": str(settings.data_dir)}
    with log.open("wb") as out:
        worker = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            [sys.executable, "-m", "reporting.cli", "worker", "--concurrency", "1"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env=env)
    try:
        deadline = time.monotonic() + 120
        while "ready." not in log.read_text(errors="replace"):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the worker did not start:\n" + log.read_text())
            time.sleep(0.2)
        app = create_app(settings)
        with app.app_context(), UnitOfWork.begin(current_binding()) as unit:
            tokens = {role: create_token(unit.session, role=role, state=LATENCY_STATE,
                                         label=f"bench {role}")[1]
                      for role in ("reporter", "state_admin", "analyst")}
        client = app.test_client()

        def call(method: str, path: str, role: str, body: Any = None) -> Any:
            answer = client.open(f"/api/v1{path}", method=method, json=body,
                                 headers={"Authorization": f"Bearer {tokens[role]}"})
            if answer.status_code >= 400:
                raise SystemExit(f"{method} {path}: {answer.status_code} {answer.get_data(as_text=True)[:300]}")
            return answer.get_json()

        waits: list[float] = []
        unchanged = 0
        for number in range(approvals):
            body = report(**{"incident.date": "2025-06-15", "incident.country": LATENCY_STATE})
            body["sharing"] = "region"
            submitted = call("POST", "/reports", "reporter", body)
            began = time.perf_counter()
            approved = call("POST", f"/reports/{submitted['id']}/approve", "state_admin")
            needed = approved["receipt"]["log_index"] + 1
            work = _outbox_row(engine, submitted["id"])
            while True:
                # Done first, then read: an answer read before the worker's commit
                # and judged after it would be the previous one.
                done = _done(engine, work)
                answer = client.get(f"/api/v1/summaries/{LATENCY_REGION}/2025-06",
                                    headers={"Authorization": f"Bearer {tokens['analyst']}"})
                if answer.status_code == 200 and answer.get_json()["basis"]["tree_size"] >= needed:
                    break
                # A cell whose published figures the approval leaves as they were (all
                # of them suppressed, say) is not re-signed: it is current once the
                # worker has done the approval's outbox row.
                if answer.status_code == 200 and done:
                    unchanged += 1
                    break
                if time.perf_counter() - began > 60:
                    raise SystemExit(f"approval {number}: no refreshed cell after 60 s")
                time.sleep(0.005)
            waits.append(time.perf_counter() - began)
        print(f"  {approvals} approvals: p50 {_percentile(waits, 50) * 1000:.0f} ms, "
              f"p95 {_percentile(waits, 95) * 1000:.0f} ms, "
              f"p99 {_percentile(waits, 99) * 1000:.0f} ms, max {max(waits) * 1000:.0f} ms "
              "(target: p95 under 1 s)")
        if unchanged:
            print(f"  of which {unchanged} left the month's published figures as they were")
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--approvals", type=int, default=100)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    args = parser.parse_args(argv)

    url = check_database_url(args.database_url)
    os.environ.setdefault("VRS_SIGNING_KEY", _seed())
    from aggregate_query import load, prepare

    from reporting.config import Settings
    from reporting.db import Database, Timeouts, make_engine
    from reporting.unit_of_work import UnitOfWork
    from reporting.wiring import build_binding

    began = time.perf_counter()
    recreate_database(url)
    data_dir = Path(tempfile.mkdtemp(prefix="openvrs-bench-"))
    settings = Settings(data_dir=data_dir, database_url=url, redis_url=args.redis_url)
    try:
        prepare(url)
        # Loading a million reports takes single statements far beyond the service's
        # 30 s statement timeout; the rebuild's own statements get the same room, and
        # the time they take is printed, not hidden.
        timeouts = Timeouts(statement=3600)
        engine = make_engine(url, timeouts)
        database = Database(url, timeouts)
        try:
            # 3 in 7 reports have two versions (aggregate_query's generator).
            _timed("load, total", lambda: load(engine, round(args.reports * 10 / 7), json=False))
            _timed("Merkle nodes of the loaded log", lambda: _complete_log(engine))
            binding = build_binding(settings, database)
            with UnitOfWork.begin(binding) as unit:
                key = unit.ledger.keyring.environment_key()
                unit.ledger.activate(unit.session, key)
            time_rebuild(engine, binding, args.repeat)
            if args.approvals:
                time_latency(settings, engine, args.approvals)
        finally:
            database.dispose()
            engine.dispose()
    finally:
        if not args.keep:
            drop_database(url)
    print(f"\ntotal {time.perf_counter() - began:.0f} s")
    return 0


def _seed() -> str:
    from reporting.ledger.keys import new_seed

    return new_seed()


if __name__ == "__main__":
    sys.exit(main())
