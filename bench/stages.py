"""Where a single submission's CPU goes, stage by stage, in one process.

    python bench/stages.py                 # 3 runs x 600 submissions, PostgreSQL
    python bench/stages.py --requests 300 --runs 5

Sets up the same database as ``ingest.py`` (``openvrs_bench``, dropped and re-created),
then submits synthetic reports through the Flask test client from one thread, so every
group commit holds one submission. The process's CPU time (``time.process_time``) is
added up around each stage's function; the rest is Flask, flask-smorest, werkzeug and
the test client. Prints milliseconds per request and shares; asserts nothing.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

# Run as `python bench/stages.py`: bench/ is on sys.path, and ingest.py adds the checkout.
from databases import check_database_url
from ingest import DEFAULT_DATABASE_URL, prepare_database, prepare_payloads

SUBMIT_PATH = "/api/v1/reports"


def instrument(spent: collections.Counter[str]) -> None:
    """Wrap each stage's function so that its CPU time is added to ``spent``."""
    from reporting import group_commit
    from reporting.accounts import auth
    from reporting.reports import api, intake

    def timed(owner: Any, name: str, label: str) -> None:
        original: Callable[..., Any] = getattr(owner, name)

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label] += time.process_time() - start

        setattr(owner, name, wrapper)

    timed(auth, "authenticate", "token lookup (pool checkout, pre-ping, BEGIN, SELECT)")
    timed(api, "json_body", "strict JSON parse")
    timed(intake, "load", "marshmallow validation and the personal-data guard")
    timed(intake, "_prepare", "rows: normalise, canonical JSON, SHA-256")
    timed(group_commit.GroupCommit, "_write_group",
          "storing: INSERTs, log append and signature, COMMIT")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    check_database_url(args.database_url)

    scratch = Path(tempfile.mkdtemp(prefix="openvrs-stages-"))
    secrets, service_env = prepare_database(args.database_url, scratch / "data")
    os.environ.update(service_env, VRS_DATABASE_URL=args.database_url,
                      VRS_DATA_DIR=str(scratch / "data"))
    payloads = prepare_payloads(secrets, 500, args.seed)

    from reporting import create_app

    spent: collections.Counter[str] = collections.Counter()
    instrument(spent)
    client = create_app().test_client()

    def submit(count: int) -> None:
        for number in range(count):
            payload = payloads[number % len(payloads)]
            response = client.post(SUBMIT_PATH, data=payload.body, headers={
                "Authorization": payload.authorization, "Content-Type": "application/json"})
            if response.status_code != 201:
                raise SystemExit(f"submission failed: {response.status_code} "
                                 f"{response.get_data(as_text=True)[:300]}")

    submit(100)  # warm-up: pool, compiled-statement cache, imports
    for run in range(1, args.runs + 1):
        spent.clear()
        start = time.process_time()
        submit(args.requests)
        total = time.process_time() - start
        print(f"run {run}: {total / args.requests * 1e3:.2f} ms of CPU per submission")
        for label, seconds in spent.most_common():
            print(f"  {seconds / total:6.1%}  {seconds / args.requests * 1e3:6.3f} ms  {label}")
        rest = total - sum(spent.values())
        print(f"  {rest / total:6.1%}  {rest / args.requests * 1e3:6.3f} ms  "
              f"the rest: Flask, flask-smorest, werkzeug, the test client")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
