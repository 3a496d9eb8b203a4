"""Task runs and task claims."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from reporting.db import Base, SequenceId, UTCDateTime, utcnow

RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"
RUN_STATES = (RUNNING, SUCCEEDED, FAILED)


class TaskRun(Base):
    """One execution of a task by a worker: written when it starts, completed when it ends.

    The start is committed on its own, before the work, so that a run whose worker died
    is still there, "running", until ``reap_runs`` finds it past its ``deadline``.
    """

    __tablename__ = "task_runs"

    id: Mapped[int] = mapped_column(SequenceId, primary_key=True, autoincrement=True)
    task: Mapped[str] = mapped_column(String(64))
    # What it was called with: ids, periods and kinds only, never report content.
    args: Mapped[str] = mapped_column(String(200), default="")
    # The broker message's id: a message redelivered after a crash (or retried) keeps
    # it, so the runs of one message can be told apart from a duplicate send.
    message_id: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Past this, a run still "running" has lost its worker: start + hard time limit +
    # a grace for the worker to record the end.
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), default=RUNNING)
    # Exception type and a message our own code wrote; never a value from the data.
    error: Mapped[str | None] = mapped_column(Text)
    cells: Mapped[int | None] = mapped_column(Integer)
    # Nightly rebuild: cells whose stored figures differed from the full recomputation.
    differences: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_task_runs_task_id", "task", "id"),
        # The reaper's query: WHERE state = 'running' AND deadline < now.
        Index("ix_task_runs_running", "deadline",
              postgresql_where=text("state = 'running'"),
              sqlite_where=text("state = 'running'")),
    )


class TaskClaim(Base):
    """A scheduled task's claim on its subject (publish_period on "2026-Q3"): once a run
    has committed it, a second beat or a delayed duplicate message finds it and does
    nothing. It commits with the work, so a failed run leaves no claim behind."""

    __tablename__ = "task_claims"

    task: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    # No foreign key: old runs are deleted after a while, claims are kept for good.
    run_id: Mapped[int | None] = mapped_column(BigInteger)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
