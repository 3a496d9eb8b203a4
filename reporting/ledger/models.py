"""The log's tables: leaves, complete-subtree hashes, signing keys, tree heads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reporting.db import Base, UTCDateTime, utcnow

LogIndex = BigInteger().with_variant(Integer(), "sqlite")


class LogState(Base):
    """One row: the log's size and the key new signatures use.

    Appends lock this row (SELECT … FOR UPDATE on PostgreSQL; SQLite's write lock is
    taken at BEGIN), so two submissions can never receive the same index or leave a gap.
    """

    __tablename__ = "log_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tree_size: Mapped[int] = mapped_column(LogIndex, default=0)
    active_kid: Mapped[str | None] = mapped_column(String(16))


class LogLeaf(Base):
    """One entry: the exact canonical bytes of a signed receipt, in index order."""

    __tablename__ = "log_leaves"

    index: Mapped[int] = mapped_column(LogIndex, primary_key=True, autoincrement=False)
    entry: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LogNode(Base):
    """Hash of a complete, aligned subtree: leaves [index·2^level, (index+1)·2^level).

    Keeping these makes any proof a handful of indexed reads (O(log n)), never a scan.
    """

    __tablename__ = "log_nodes"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(LogIndex, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class SigningKeyRecord(Base):
    """The public half of every key the service has signed with, kept after rotation."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(16), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TreeHead(Base):
    """A signed tree head (SPEC §3), stored with the exact bytes that were signed."""

    __tablename__ = "tree_heads"

    tree_size: Mapped[int] = mapped_column(LogIndex, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64))
    document: Mapped[bytes] = mapped_column(LargeBinary)
    checkpoint: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Cosignature(Base):
    """A witness's C2SP cosignature line on the checkpoint of one tree size."""

    __tablename__ = "cosignatures"

    tree_size: Mapped[int] = mapped_column(LogIndex, primary_key=True, autoincrement=False)
    witness: Mapped[str] = mapped_column(String(200), primary_key=True)
    line: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
