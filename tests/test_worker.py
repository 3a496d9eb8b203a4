"""`vrs worker` builds the same app as the API and starts a real Celery worker process.

On the embedded default (kombu's SQLAlchemy transport over a SQLite file in the data
directory): the worker connects and says it is ready. This caught a transport option
that crashed the worker at its first poll.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from click.testing import CliRunner

from reporting.cli import main

START_SECONDS = 60.0


def test_vrs_worker_starts_on_the_embedded_broker(tmp_path):
    data = tmp_path / "var"
    assert CliRunner().invoke(main, ["--data-dir", str(data), "init"]).exit_code == 0
    # Like vrs serve, the worker refuses to start without a signing key.
    refused = CliRunner().invoke(main, ["--data-dir", str(data), "worker"])
    assert refused.exit_code == 1
    assert "vrs keys generate" in refused.output
    # The tests' key is in VRS_SIGNING_KEY (tests/conftest.py).
    keys = CliRunner().invoke(main, ["--data-dir", str(data), "keys", "generate", "--from-env"])
    assert keys.exit_code == 0, keys.output
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            [sys.executable, "-m", "reporting.cli", "--data-dir", str(data), "worker"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env={**os.environ, "C_FORCE_ROOT": "1"})
    try:
        deadline = time.monotonic() + START_SECONDS
        while "ready." not in log.read_text(errors="replace"):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        # Still up after a few polls of the broker.
        time.sleep(1.0)
        assert process.poll() is None, log.read_text()
        text = log.read_text()
        assert "celery-broker.db" in text
        assert "Unrecoverable error" not in text
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(15)
