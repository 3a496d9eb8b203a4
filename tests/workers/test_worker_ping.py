"""`vrs worker-ping`, the worker container's healthcheck: 0 when this host's worker
answers through the broker, 1 and one line when none does."""

from __future__ import annotations

from click.testing import CliRunner

from reporting.cli import main


def _ping(stack) -> object:
    return CliRunner().invoke(main, ["--data-dir", str(stack.data_dir), "--database-url",
                                     stack.database_url, "worker-ping", "--timeout", "2"],
                              env={"VRS_REDIS_URL": stack.redis_url})


def test_worker_ping_succeeds_only_while_a_worker_runs_here(stack):
    with stack.worker():
        answered = _ping(stack)
    assert answered.exit_code == 0, answered.output
    assert answered.output == "1 worker(s) answered\n"
    silent = _ping(stack)
    assert silent.exit_code == 1
    assert silent.output.startswith("error: no worker answered")
