"""Real worker processes on the real Redis, writing to a PostgreSQL database of their own.

Each test process uses Redis database ``1 + pid % 15`` (flushed at the start) and the
PostgreSQL database ``openvrs_workers_<pid>``, so two runs on one machine do not meet.
The API runs in the test process (a Flask test client); workers and beat are
``vrs worker`` / ``vrs beat`` subprocesses, as in production. Waiting for a worker is
bounded (``eventually``), never a timed assertion.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis
from flask import Flask
from sqlalchemy import delete

from reporting import create_app, migration
from reporting.accounts.service import create_token
from reporting.config import Settings
from reporting.db import Database, get_database
from reporting.directory.service import add_member_states, load_reference_data
from tests.conftest import (
    DIRECTORY_AND_ACCOUNT_TABLES,
    activate_environment_key,
    bearer,
    empty_reports_and_log,
    recreate_postgres_database,
)
from tests.factories import report

T = TypeVar("T")

REDIS_URL = f"redis://127.0.0.1:6379/{1 + os.getpid() % 15}"
POSTGRES_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/openvrs_workers_{os.getpid()}"
# Starting a worker (imports, app, broker connection) and a task's round trip on a busy
# two-core machine: bounds on waiting, generous so that slowness never fails a test.
START_SECONDS = 90.0
WAIT_SECONDS = 90.0


def eventually(probe: Callable[[], T], *, what: str, seconds: float = WAIT_SECONDS,
               processes: tuple[Any, ...] = ()) -> T:
    """Poll ``probe`` until it returns something truthy; fail saying ``what`` did not
    happen (with the logs of ``processes``) if it has not within ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if value:
            return value
        for process in processes:
            assert process.poll() is None, f"{process.name} exited:\n{process.log_text()}"
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {p.name}:\n{p.log_text()[-4000:]}" for p in processes)
            pytest.fail(f"{what} did not happen within {seconds:.0f} s\n{logs}")
        time.sleep(0.2)


def dead_broker_url() -> str:
    """A Redis URL on a local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@dataclass
class Process:
    """A ``vrs`` subprocess in its own process group, its output in a file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def poll(self) -> int | None:
        return self.popen.poll()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(20)


@dataclass
class Stack:
    """The database, broker and data directory the tests' API and workers share."""

    database_url: str
    redis_url: str
    data_dir: Path
    tmp: Path

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {"database_url": self.database_url,
                                  "redis_url": self.redis_url, "data_dir": self.data_dir}
        return Settings(**(values | overrides))

    @contextmanager
    def vrs(self, command: str, *args: str, env: dict[str, str] | None = None,
            ready: str | None = None) -> Iterator[Process]:
        """Run ``vrs COMMAND`` against this stack until the block ends; with ``ready``,
        wait first for that text in its output."""
        log = self.tmp / f"{command}-{time.monotonic_ns()}.log"
        environment = {**os.environ, "C_FORCE_ROOT": "1", "VRS_REDIS_URL": self.redis_url,
                       **(env or {})}
        with log.open("wb") as out:
            popen = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
                [sys.executable, "-m", "reporting.cli", "--data-dir", str(self.data_dir),
                 "--database-url", self.database_url, command, *args],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, env=environment)
        process = Process(command, popen, log)
        try:
            if ready:
                eventually(lambda: ready in process.log_text(), what=f"{command} start",
                           seconds=START_SECONDS, processes=(process,))
            yield process
        finally:
            process.stop()

    @contextmanager
    def worker(self, *, env: dict[str, str] | None = None) -> Iterator[Process]:
        with self.vrs("worker", "--concurrency", "1", env=env, ready="ready.") as process:
            yield process


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    redis.Redis.from_url(REDIS_URL).flushdb()
    recreate_postgres_database(POSTGRES_URL)
    migration.upgrade(POSTGRES_URL)
    database = Database(POSTGRES_URL)
    with database.session() as session:
        load_reference_data(session)
        activate_environment_key(session, POSTGRES_URL)
    database.dispose()
    tmp = tmp_path_factory.mktemp("workers")
    yield Stack(POSTGRES_URL, REDIS_URL, tmp / "var", tmp)
    recreate_postgres_database(POSTGRES_URL, create=False)


@contextmanager
def api_app(stack: Stack, **overrides: Any) -> Iterator[Flask]:
    app = create_app(stack.settings(**overrides))
    app.config["TESTING"] = True
    try:
        yield app
    finally:
        get_database(app).dispose()


@pytest.fixture
def api(stack: Stack) -> Iterator[Flask]:
    """The API, sending to the live broker; the database emptied after each test."""
    with api_app(stack) as app:
        yield app
        with get_database(app).session() as session:
            empty_reports_and_log(session)
            for model in DIRECTORY_AND_ACCOUNT_TABLES:
                session.execute(delete(model))
            activate_environment_key(session, stack.database_url)


class States:
    """Tokens of member states (reporter, state admin), made on demand, and report
    submission and approval through the API."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.tokens: dict[tuple[str, str], str] = {}

    def token(self, state: str, role: str = "reporter") -> str:
        if (state, role) not in self.tokens:
            with get_database(self.app).session() as session:
                add_member_states(session, [state], "national")
                _, self.tokens[state, role] = create_token(session, role=role, state=state)
        return self.tokens[state, role]

    def submit(self, client: Any, state: str = "IDN", **changes: Any) -> str:
        body = report(**{"incident.country": state, "sharing": "region", **changes})
        response = client.post("/api/v1/reports", json=body,
                               headers=bearer(self.token(state)))
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def approved(self, client: Any, state: str = "IDN", **changes: Any) -> str:
        """A report of ``state`` submitted and approved."""
        report_id = self.submit(client, state, **changes)
        self.approve(client, report_id, state)
        return report_id

    def approve(self, client: Any, report_id: str, state: str = "IDN") -> None:
        response = client.post(f"/api/v1/reports/{report_id}/approve",
                               headers=bearer(self.token(state, "state_admin")))
        assert response.status_code == 200, response.get_json()
