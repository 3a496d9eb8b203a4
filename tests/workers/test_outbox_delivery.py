"""The outbox delivered by real workers on Redis: after commit, through a broker outage,
across a worker killed mid-task, and idempotently."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from sqlalchemy import select

from reporting.db import get_database
from reporting.operations.models import FAILED, RUNNING, SUCCEEDED, TaskRun
from reporting.outbox import OutboxMessage
from tests.workers.conftest import States, api_app, dead_broker_url, eventually


def _rows(app) -> list[OutboxMessage]:
    with get_database(app).session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _runs(app, task: str) -> list[TaskRun]:
    with get_database(app).session() as session:
        return list(session.scalars(select(TaskRun).where(TaskRun.task == task)
                                    .order_by(TaskRun.id)))


def _all_done(app) -> list[OutboxMessage] | None:
    rows = _rows(app)
    return rows if rows and all(row.done_at is not None for row in rows) else None


def test_an_approval_is_delivered_by_a_worker_after_commit(stack, api):
    states = States(api)
    client = api.test_client()
    with stack.worker() as worker:
        states.approved(client)
        [row] = eventually(lambda: _all_done(api), what="delivery", processes=(worker,))
        [run] = eventually(lambda: [r for r in _runs(api, "deliver") if r.state != RUNNING],
                           what="the run's end", processes=(worker,))
    assert row.topic == "report.changed"
    assert row.dispatched_at is not None
    assert row.attempts == 1
    assert row.created_at <= row.dispatched_at <= row.done_at
    assert (run.state, run.args, run.error) == (SUCCEEDED, f"outbox_id={row.id}", None)
    # The summaries' refresh ran in it: the cells it wrote are counted.
    assert run.cells > 0
    assert run.ended_at is not None


def test_with_the_broker_down_approvals_succeed_and_the_sweep_delivers_them_later(
        stack, api):
    states = States(api)
    with api_app(stack, broker_url=dead_broker_url()) as cut_off:
        client = cut_off.test_client()
        for _ in range(3):
            # 201 and 200 although no message could be sent.
            states.approved(client)
    waiting = _rows(api)
    assert len(waiting) == 3
    assert all(row.dispatched_at is None and row.done_at is None for row in waiting)

    # The broker is back (workers and beat use the live one): beat's sweep sends the
    # rows, a worker delivers every one.
    fast = {"VRS_OUTBOX_SWEEP_SECONDS": "1", "VRS_OUTBOX_RESEND_SECONDS": "0"}
    with stack.worker(env=fast) as worker, stack.vrs("beat", env=fast) as beat:
        delivered = eventually(lambda: _all_done(api), what="the backlog's delivery",
                               processes=(worker, beat))
    assert [row.id for row in delivered] == [row.id for row in waiting]
    sweeps = [run for run in _runs(api, "sweep_outbox") if run.state == SUCCEEDED]
    assert any(run.args == "due=3 sent=3" for run in sweeps), [r.args for r in sweeps]


def test_a_worker_killed_mid_task_leaves_nothing_half_written_and_the_task_runs_again(
        stack, api, tmp_path):
    states = States(api)
    client = api.test_client()
    pause = tmp_path / "pause"
    pause.touch()
    with stack.worker(env={"VRS_TEST_TASK_PAUSE": str(pause)}) as worker:
        states.approved(client)
        # The task has done its work and waits before its commit: kill its process.
        paused = Path(f"{pause}.paused")
        eventually(paused.exists, what="the pause", processes=(worker,))
        os.kill(int(paused.read_text()), signal.SIGKILL)
        # The worker hands the message back (reject_on_worker_lost) and runs it again in
        # a new process; the pause is spent, so this run commits.
        [row] = eventually(lambda: _all_done(api), what="the second run",
                           processes=(worker,))
        runs = eventually(lambda: (found := _runs(api, "deliver")) and len(found) == 2
                          and found[1].state != RUNNING and found,
                          what="the second run's end", processes=(worker,))
    killed, again = runs
    # The killed run wrote nothing that stayed: the row was done once, by the second.
    assert row.attempts == 1
    assert row.last_error is None
    assert killed.state == RUNNING
    assert killed.ended_at is None
    assert again.state == SUCCEEDED
    assert again.started_at > killed.started_at
    # The same message, redelivered (not a second send).
    assert killed.message_id == again.message_id


def test_delivering_a_row_twice_changes_nothing(stack, api):
    states = States(api)
    client = api.test_client()
    with stack.worker() as worker:
        states.approved(client)
        [row] = eventually(lambda: _all_done(api), what="delivery", processes=(worker,))
        # A duplicate send (the sweep after a lost acknowledgement, say).
        api.extensions["celery"].send_task("workers.deliver", args=[row.id])
        eventually(lambda: len([r for r in _runs(api, "deliver") if r.state != RUNNING]) == 2,
                   what="the duplicate's run", processes=(worker,))
    [again] = _rows(api)
    assert (again.done_at, again.attempts, again.dispatched_at) == (
        row.done_at, row.attempts, row.dispatched_at)
    assert [run.state for run in _runs(api, "deliver")] == [SUCCEEDED, SUCCEEDED]


def test_a_run_stuck_running_past_its_time_limit_is_reaped(stack, api):
    from datetime import timedelta

    from reporting.db import utcnow
    from reporting.operations import service
    from reporting.unit_of_work import UnitOfWork, current_binding

    with api.app_context(), UnitOfWork.begin(current_binding()) as unit:
        stuck = service.start_run(unit.session, "deliver", "outbox_id=1", message_id="m-1",
                                  hard_time_limit=150, now=utcnow() - timedelta(hours=1))
        recent = service.start_run(unit.session, "deliver", "outbox_id=2",
                                   message_id="m-2", hard_time_limit=150)
    with stack.worker() as worker:
        api.extensions["celery"].send_task("workers.reap_runs")
        eventually(lambda: any(r.state == SUCCEEDED for r in _runs(api, "reap_runs")),
                   what="the reaper's run", processes=(worker,))
    runs = {run.id: run for run in _runs(api, "deliver")}
    assert runs[stuck].state == FAILED
    assert runs[stuck].error.startswith("WorkerLost")
    assert runs[stuck].ended_at is not None
    # Still within its time limit: left alone.
    assert runs[recent].state == RUNNING
