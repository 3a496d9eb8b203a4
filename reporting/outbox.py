"""The transactional outbox: follow-up work recorded in the transaction that caused it.

A service that causes work elsewhere (refresh the region × period cells of a summary
after an approval, amendment or withdrawal; deliver a webhook) does not call a worker or
a broker: it adds an ``OutboxMessage`` in its own transaction. The row commits or rolls
back with the change it describes, so a task never runs for data that does not exist,
and a broker outage loses nothing. After the commit the unit of work hands the new rows
to the queue; a periodic sweep re-sends every row not yet dispatched (DESIGN.md, "One
report, start to finish", step 4). Consumers must be idempotent: a row can be sent twice
(crash between sending and marking it dispatched).

Only the model lives here for now; writing, dispatching and sweeping come with the
summaries worker.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from reporting.db import Base, UTCDateTime, utcnow
from reporting.reports.models import SequenceId


class OutboxMessage(Base):
    """One piece of follow-up work, waiting for (or done by) a worker."""

    __tablename__ = "outbox"

    # Ids grow with commit order closely enough for dispatch order; nothing relies on
    # them being gapless.
    id: Mapped[int] = mapped_column(SequenceId, primary_key=True, autoincrement=True)
    # What to do, e.g. "summaries.refresh"; the worker task is chosen by topic.
    topic: Mapped[str] = mapped_column(String(64))
    # JSON: ids and keys only (report id, version, region × period cells), never report
    # content, so the outbox holds nothing a reader of the report tables could not see.
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # The last failure's exception type and a short message written by our own code,
    # for operators. Never personal data and never report text: no exception message
    # that may quote a value (a database error's parameters, a request body) goes here.
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # The sweep's query: WHERE dispatched_at IS NULL ORDER BY id. A partial index
        # stays as small as the backlog, however many rows were dispatched before.
        Index("ix_outbox_undispatched", "id",
              postgresql_where=text("dispatched_at IS NULL"),
              sqlite_where=text("dispatched_at IS NULL")),
    )
