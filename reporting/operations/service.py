"""Recording task runs, reaping the runs of crashed workers, claiming scheduled work.

Plain functions on a session; the caller's unit of work commits (a run's start in a
transaction of its own, before the work; its end in another, after it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from reporting.db import utcnow
from reporting.errors import DomainError
from reporting.operations.models import FAILED, RUNNING, TaskClaim, TaskRun

# Time a worker gets, past a task's hard time limit, to record the run's end before the
# reaper takes the run for one whose worker died.
REAP_GRACE = timedelta(seconds=60)
REAPED_ERROR = ("WorkerLost: the run recorded no end before its hard time limit "
                "(its worker crashed or was killed); the broker redelivers the message")


def start_run(session: Session, task: str, args: str, *, message_id: str | None,
              hard_time_limit: float, now: datetime | None = None) -> int:
    """Record a run as started; its id."""
    now = now or utcnow()
    run = TaskRun(task=task, args=args[:200], message_id=message_id, started_at=now,
                  deadline=now + timedelta(seconds=hard_time_limit) + REAP_GRACE,
                  state=RUNNING)
    session.add(run)
    session.flush()
    return run.id


def finish_run(session: Session, run_id: int, state: str, *, error: str | None = None,
               cells: int | None = None, differences: int | None = None,
               args: str | None = None) -> None:
    """Record a run's end (only if the reaper has not failed it meanwhile)."""
    values: dict[str, object] = {"state": state, "ended_at": utcnow(), "error": error,
                                 "cells": cells, "differences": differences}
    if args is not None:
        values["args"] = args[:200]
    session.execute(update(TaskRun).where(TaskRun.id == run_id, TaskRun.state == RUNNING)
                    .values(**values))


@dataclass(frozen=True)
class Reaped:
    failed: int
    deleted: int


def reap_runs(session: Session, *, keep: timedelta, now: datetime | None = None) -> Reaped:
    """Fail every run still "running" past its deadline; delete runs ended before
    ``now - keep`` (the log would otherwise grow by a sweep a minute, for ever)."""
    now = now or utcnow()
    failed = session.execute(
        update(TaskRun).where(TaskRun.state == RUNNING, TaskRun.deadline < now)
        .values(state=FAILED, ended_at=now, error=REAPED_ERROR)).rowcount
    deleted = session.execute(
        delete(TaskRun).where(TaskRun.state != RUNNING, TaskRun.ended_at < now - keep)
    ).rowcount
    return Reaped(failed=failed, deleted=deleted)


def claim(session: Session, task: str, subject: str, run_id: int | None) -> bool:
    """Claim ``subject`` for ``task`` in this transaction; False if a run already has.

    An INSERT … ON CONFLICT DO NOTHING: two concurrent runs both insert, the second
    waits on the first's uniqueness check and inserts nothing once it commits (or
    takes the claim if it rolls back). No lock is held past the transaction.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (insert(TaskClaim)
                 .values(task=task, subject=subject, run_id=run_id, claimed_at=utcnow())
                 .on_conflict_do_nothing(index_elements=["task", "subject"])
                 .returning(TaskClaim.task))
    return session.execute(statement).first() is not None


class InvalidCursor(DomainError, ValueError):
    status = 422
    problem = "validation-error"
    title = "Invalid query parameter"

    def __init__(self) -> None:
        super().__init__("The query parameters are invalid; see `errors`.",
                         errors={"cursor": ["Not a cursor this API issued."]})


def list_runs(session: Session, *, task: str | None = None, state: str | None = None,
              limit: int, cursor: str | None = None) -> tuple[list[TaskRun], str | None]:
    """A page of runs, newest first, and the cursor of the next page.

    The cursor is the id of the last run shown; ids only grow, so a page never repeats
    or skips a run however many start meanwhile.
    """
    query = select(TaskRun)
    if task:
        query = query.where(TaskRun.task == task)
    if state:
        query = query.where(TaskRun.state == state)
    if cursor:
        # isascii: str.isdigit also accepts other scripts' digits; the bound keeps the
        # value inside PostgreSQL's bigint.
        if not (cursor.isascii() and cursor.isdigit() and int(cursor) < 2**63):
            raise InvalidCursor()
        query = query.where(TaskRun.id < int(cursor))
    rows = list(session.scalars(query.order_by(TaskRun.id.desc()).limit(limit + 1)))
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor
