"""The transactional outbox: follow-up work recorded in the transaction that caused it.

A service that causes work elsewhere (refresh the region × period cells of a summary
after an approval, amendment or withdrawal; deliver a webhook) does not call a worker or
a broker: it adds an ``OutboxMessage`` in its own transaction. The row commits or rolls
back with the change it describes, so a task never runs for data that does not exist,
and a broker outage loses nothing (DESIGN.md, "One report, start to finish", step 4).

A row's life: committed (``created_at``) → sent to the queue after the commit, once or
more (``dispatched_at``: the last send, ``attempts``: how many sends) → done
(``done_at``, set in the same transaction as the work itself). The periodic sweep
re-sends every row not done whose last send (or creation) is older than a configured
age, so a send that failed, a message lost with a broker, or a worker that died with the
message all end in the work being done. A row can therefore arrive twice: ``claim``
makes the second arrival a no-op (a done row is skipped; a row another worker is
delivering is locked).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Index,
    Integer,
    String,
    Text,
    case,
    func,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from reporting.db import Base, SequenceId, UTCDateTime, utcnow

if TYPE_CHECKING:  # the unit of work imports this module; this one only receives units
    from reporting.unit_of_work import UnitOfWork

# What a topic's handler does with a row: the work, in the unit of work's transaction.
# Returns how many summary cells it wrote (for the execution log).
Handler = Callable[["UnitOfWork", dict[str, Any]], int]


class OutboxMessage(Base):
    """One piece of follow-up work, waiting for (or done by) a worker."""

    __tablename__ = "outbox"

    # Ids grow with commit order closely enough for dispatch order; nothing relies on
    # them being gapless.
    id: Mapped[int] = mapped_column(SequenceId, primary_key=True, autoincrement=True)
    # What to do, e.g. "report.changed"; the handler is chosen by topic.
    topic: Mapped[str] = mapped_column(String(64))
    # JSON: ids and keys only (report id, version, region × period cells), never report
    # content, so the outbox holds nothing a reader of the report tables could not see.
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The last time the row was handed to the broker (None: never yet).
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When a worker did the work; set in the work's own transaction.
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # The last failure's exception type and a short message written by our own code,
    # for operators. Never personal data and never report text: no exception message
    # that may quote a value (a database error's parameters, a request body) goes here.
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # The sweep's query: WHERE done_at IS NULL ORDER BY id. A partial index stays as
        # small as the backlog, however many rows were done before.
        Index("ix_outbox_pending", "id",
              postgresql_where=text("done_at IS NULL"),
              sqlite_where=text("done_at IS NULL")),
    )


class UnknownTopic(LookupError):
    """A row whose topic no handler serves (a newer API writing for older workers)."""


# A row sent this many times and still not done waits the resend age times 2^(sends-1)
# before the next send, at most 2^(RESEND_BACKOFF_STEPS-1) times the age (64 minutes at
# the default two): a row whose work keeps failing, or that waits for a worker that is
# down, is never given up on, but does not fill the queue with copies of itself. A send
# that never reached the broker does not count, so a backlog from a broker outage goes
# out at the first sweep after it ends.
RESEND_BACKOFF_STEPS = 6


def due_for_sending(session: Session, now: datetime, age: timedelta, limit: int,
                    after: int = 0) -> list[int]:
    """Ids (above ``after``) of rows not done whose last send (or, never sent, creation)
    is older than ``age``, doubled for every further send (``RESEND_BACKOFF_STEPS``),
    oldest first.

    Counting from creation for never-sent rows keeps the sweep from racing the API's
    own send right after the commit.
    """
    def before(sends: int) -> ColumnElement[datetime]:
        return literal(now - age * 2 ** (sends - 1), UTCDateTime())

    steps = range(2, RESEND_BACKOFF_STEPS)
    older_than = case(*((OutboxMessage.attempts == sends, before(sends)) for sends in steps),
                      (OutboxMessage.attempts >= RESEND_BACKOFF_STEPS,
                       before(RESEND_BACKOFF_STEPS)),
                      else_=before(1))
    last_send = func.coalesce(OutboxMessage.dispatched_at, OutboxMessage.created_at)
    return list(session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.done_at.is_(None), OutboxMessage.id > after,
               last_send < older_than)
        .order_by(OutboxMessage.id).limit(limit)))


def mark_sent(session: Session, ids: list[int], at: datetime) -> None:
    """Record that these rows were handed to the broker at ``at``.

    A row a worker holds (delivering it already) is skipped, not waited for: the sender
    (an API request's after-commit hook) must not wait out a delivery, and a row being
    delivered needs no record of its send (should the delivery fail, the sweep counts
    from its creation or last recorded send)."""
    if ids:
        free = (select(OutboxMessage.id).where(OutboxMessage.id.in_(ids))
                .with_for_update(skip_locked=True))
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(free)).values(
            dispatched_at=at, attempts=OutboxMessage.attempts + 1))


def claim(session: Session, outbox_id: int) -> OutboxMessage | None:
    """The row, locked for this transaction, if it still needs doing; else None.

    None when it is done or gone. A row locked by someone else is waited for, not
    skipped: the lock may be the sender's own ``mark_sent`` (a few milliseconds), and a
    worker fast enough to meet it must not take the row for done, or the approval's
    cells would wait for the sweep (minutes). When the holder is another worker
    delivering the same row (a resend), PostgreSQL re-checks ``done_at`` once it
    commits, so the work is done once. On SQLite every transaction already holds the
    database's write lock (``reporting.db``).
    """
    return session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.done_at.is_(None))
        .with_for_update()).one_or_none()


def deliver(unit: UnitOfWork, outbox_id: int, handlers: Mapping[str, Handler]) -> int | None:
    """Do the work of one row and mark it done, both in ``unit``'s transaction.

    Returns the handler's count of cells written, or None when there was nothing to do
    (done already, or another worker has it). Raises ``UnknownTopic`` for a topic no
    handler serves, and whatever the handler raises; the caller's rollback then leaves
    the row as it was, for the next send.
    """
    message = claim(unit.session, outbox_id)
    if message is None:
        return None
    handler = handlers.get(message.topic)
    if handler is None:
        raise UnknownTopic(message.topic)
    written = handler(unit, json.loads(message.payload))
    message.done_at = utcnow()
    message.last_error = None
    return written


def record_failure(session: Session, outbox_id: int, error: str) -> None:
    """Note why the last delivery failed (our own words; see ``last_error``)."""
    session.execute(update(OutboxMessage).where(OutboxMessage.id == outbox_id)
                    .values(last_error=error[:500]))
