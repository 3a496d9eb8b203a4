"""The tasks: ids in, one service call in ``self.unit()``, commit. Every run is recorded.

Shared tasks (``celery.shared_task``), so that every Celery app ``init_celery`` builds has
them. Each one:

* acknowledges its message only once it has run (``acks_late``) and hands it back if its
  worker process dies (``reject_on_worker_lost``): the work is one transaction, so a
  killed run leaves nothing half-written and the next one starts from scratch;
* has a soft time limit (the task stops with an error and rolls back) and a hard one
  (the process is killed; the run is reaped as failed, see ``reap_runs``);
* retries a transient database failure (connection lost, lock or statement timeout,
  deadlock) with exponential backoff and jitter, a bounded number of times;
* is idempotent: running it twice leaves the database as running it once.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any

from billiard.exceptions import SoftTimeLimitExceeded
from celery import shared_task
from celery.exceptions import Retry
from sqlalchemy.exc import DBAPIError, OperationalError

from reporting import outbox
from reporting.config import Settings
from reporting.db import utcnow
from reporting.errors import DomainError, database_error_summary
from reporting.operations import service as operations
from reporting.operations.models import FAILED, SUCCEEDED
from reporting.summaries import periods
from reporting.summaries import service as summaries
from reporting.unit_of_work import UnitOfWork
from workers.topics import HANDLERS

log = logging.getLogger(__name__)

# How many outbox rows one sweep query takes; the sweep repeats until none is due.
SWEEP_BATCH = 500


class TransientDatabaseError(Exception):
    """A database failure worth retrying: the same work may well succeed in a moment."""


def _is_transient(exc: BaseException) -> bool:
    # OperationalError: connection refused or lost, lock_timeout, statement_timeout,
    # serialization failure, deadlock. Other DBAPI errors are transient only when the
    # connection was invalidated under them (the server went away mid-statement).
    return isinstance(exc, OperationalError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated)


def describe_error(exc: BaseException) -> str:
    """What the execution log and the outbox may say of a failure: the exception type and
    words of our own, never an exception's message that could quote a value."""
    if isinstance(exc, DBAPIError):
        return database_error_summary(exc)
    if isinstance(exc, SoftTimeLimitExceeded):
        return "SoftTimeLimitExceeded: the task ran past its soft time limit"
    if isinstance(exc, outbox.UnknownTopic):
        return "UnknownTopic: no handler for this outbox topic in this worker's version"
    if isinstance(exc, DomainError):
        return f"{type(exc).__name__}: {exc.title or exc.status}"
    if isinstance(exc, TransientDatabaseError):
        return f"TransientDatabaseError: {exc}"
    return f"{type(exc).__name__} (see the worker's log)"


@dataclass(frozen=True)
class Outcome:
    """What a run did, for its row in the execution log."""

    cells: int | None = None
    differences: int | None = None
    # Replaces the run's argument summary when the task worked out its subject itself
    # (the period a publication resolved to, how many rows a sweep sent).
    args: str | None = None


RETRYING = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (TransientDatabaseError,),
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
}


def _summary(parameters: list[str], args: tuple, kwargs: dict[str, Any]) -> str:
    values = dict(zip(parameters, args, strict=False)) | kwargs
    return " ".join(f"{name}={value}" for name, value in values.items() if value is not None)


def recorded(body: Callable[..., Outcome]) -> Callable[..., dict[str, Any]]:
    """Record every run of the task ``body`` in the execution log (task_runs).

    The start commits before the work, so a run whose worker dies stays "running" until
    the reaper fails it; the end commits after. A transient database failure becomes a
    ``TransientDatabaseError``, which the task's ``autoretry_for`` retries.
    """
    parameters = list(inspect.signature(body).parameters)[1:]  # after self

    @wraps(body)
    def run(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        name = self.name.removeprefix("workers.")
        try:
            with UnitOfWork.begin(self.binding) as unit:
                run_id = operations.start_run(
                    unit.session, name, _summary(parameters, args, kwargs),
                    message_id=self.request.id,
                    hard_time_limit=self.time_limit or self.app.conf.task_time_limit)
        except DBAPIError as exc:
            if _is_transient(exc):
                raise TransientDatabaseError(database_error_summary(exc)) from None
            raise
        self.request.run_id = run_id
        try:
            outcome = body(self, *args, **kwargs)
        except Retry:
            raise
        except BaseException as exc:
            _finish(self, run_id, FAILED, error=describe_error(exc))
            if _is_transient(exc):
                raise TransientDatabaseError(describe_error(exc)) from None
            raise
        _finish(self, run_id, SUCCEEDED, cells=outcome.cells,
                differences=outcome.differences, args=outcome.args)
        return {"cells": outcome.cells, "differences": outcome.differences}

    return run


def _finish(task: Any, run_id: int, state: str, **values: Any) -> None:
    try:
        with UnitOfWork.begin(task.binding) as unit:
            operations.finish_run(unit.session, run_id, state, **values)
    except Exception:
        # The work itself committed (or rolled back) already; the run stays "running"
        # and the reaper fails it after its deadline.
        log.exception("could not record the end of run %s", run_id)


def _settings(task: Any) -> Settings:
    return task.app.conf["flask_app"].config["VRS_SETTINGS"]


@shared_task(name="workers.deliver", bind=True, soft_time_limit=120, time_limit=150,
             **RETRYING)
@recorded
def deliver(self: Any, outbox_id: int) -> Outcome:
    """Do the work of one outbox row (a no-op if it is done, or another worker has it)."""
    try:
        with self.unit() as unit:
            cells = outbox.deliver(unit, outbox_id, HANDLERS)
    except Exception as exc:
        try:
            with UnitOfWork.begin(self.binding) as unit:
                outbox.record_failure(unit.session, outbox_id, describe_error(exc))
        except Exception:
            log.exception("could not record the failure of outbox row %s", outbox_id)
        raise
    return Outcome(cells=cells or 0)


@shared_task(name="workers.sweep_outbox", bind=True, soft_time_limit=50, time_limit=60,
             **RETRYING)
@recorded
def sweep_outbox(self: Any) -> Outcome:
    """Send again every outbox row not done whose last send is older than the resend age
    (doubled for each send already made, up to a cap: ``outbox.RESEND_BACKOFF_STEPS``).

    One pass over the backlog in id order, a batch at a time, until its end or a failed
    send (the broker went away: the next sweep goes on).
    """
    age = timedelta(seconds=_settings(self).outbox_resend_seconds)
    due = sent = last = 0
    while True:
        with self.unit() as unit:
            ids = outbox.due_for_sending(unit.session, utcnow(), age, SWEEP_BATCH, last)
        if not ids:
            break
        last = ids[-1]
        due += len(ids)
        done = self.binding.dispatch(ids)
        sent += len(done)
        if len(done) < len(ids):
            break
    return Outcome(args=f"due={due} sent={sent}")


@shared_task(name="workers.reap_runs", bind=True, soft_time_limit=50, time_limit=60,
             **RETRYING)
@recorded
def reap_runs(self: Any) -> Outcome:
    """Fail the runs whose worker died (still "running" past their hard time limit), and
    delete finished runs older than ``VRS_RUNS_KEEP_DAYS``."""
    keep = timedelta(days=_settings(self).runs_keep_days)
    with self.unit() as unit:
        reaped = operations.reap_runs(unit.session, keep=keep)
    return Outcome(args=f"failed={reaped.failed} deleted={reaped.deleted}")



@shared_task(name="workers.rebuild_summaries", bind=True, soft_time_limit=3000,
             time_limit=3300, **RETRYING)
@recorded
def rebuild_summaries(self: Any) -> Outcome:
    """Recompute every summary cell (nightly); count the cells whose stored figures
    differed from the recomputation (the service logs each one as an error)."""
    with self.unit() as unit:
        result = summaries.rebuild(unit)
    return Outcome(cells=result.written, differences=len(result.differences),
                   args=f"computed={result.cells}")


PUBLISH = "publish_period"


@shared_task(name="workers.publish_period", bind=True, soft_time_limit=900, time_limit=1000,
             **RETRYING)
@recorded
def publish_period(self: Any, period: str | None = None) -> Outcome:
    """Publish every region's summaries of ``period``; without one, of each period that
    has just closed (the month before, and on 1 January, April, July and October the
    quarter too, and on 1 January the year).

    Each period is claimed in the transaction that publishes it, so a second beat or a
    delayed duplicate message publishes nothing again.
    """
    texts = [period] if period else [str(p) for p in periods.just_closed(utcnow().date())]
    published, notes = 0, []
    for text in texts:
        with self.unit() as unit:
            if not operations.claim(unit.session, PUBLISH, text, self.request.run_id):
                notes.append(f"{text} (published already)")
                continue
            published += summaries.publish(unit, text)
        notes.append(text)
    return Outcome(cells=published, args=f"period={','.join(notes)}")
