"""The audit trail's tables: the entries, and the head that serialises appends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from reporting.db import Base, UTCDateTime

Seq = BigInteger().with_variant(Integer(), "sqlite")

# The ``prev_hash`` of the first entry.
GENESIS = "0" * 64


class AuditEntry(Base):
    """Who did what to whose object, when and from where; append-only, hash-chained.

    ``seq`` is handed out under the head's lock, so the entries are numbered without a
    gap (a database sequence would leave gaps at rollbacks, and a gap must mean a
    deleted row). ``entry_hash`` covers every other column but ``seq`` and includes
    ``prev_hash``: the chain, not the number, fixes the order (``reporting.audit.chain``).
    No foreign keys: an entry outlives the user, token or report it names.
    """

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[str | None] = mapped_column(String(36))
    actor_label: Mapped[str | None] = mapped_column(String(200))
    actor_state: Mapped[str | None] = mapped_column(String(3))
    role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    object_state: Mapped[str | None] = mapped_column(String(3))
    outcome: Mapped[str] = mapped_column(String(16))
    ip: Mapped[str | None] = mapped_column(String(45))
    request_id: Mapped[str | None] = mapped_column(String(128))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))

    # A state admin's view: entries by or about its state, newest first.
    __table_args__ = (
        Index("ix_audit_entries_actor_state_seq", "actor_state", "seq"),
        Index("ix_audit_entries_object_state_seq", "object_state", "seq"),
        Index("ix_audit_entries_object_id", "object_id"),
    )


class AuditHead(Base):
    """One row: the newest entry's number and hash.

    Appends lock it (SELECT … FOR UPDATE on PostgreSQL; SQLite takes its write lock at
    BEGIN), so concurrent writers queue and the chain cannot fork. It also lets a check
    notice entries deleted from the end of the chain.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Seq, default=0)
    entry_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)
