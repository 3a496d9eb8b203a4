"""Stored summaries: the signed document of every region × period × audience cell, and the
publications of closed periods.

Both tables are derived data: ``summaries`` can be rebuilt from the reports at any time
(``service.rebuild``). Neither has a foreign key to ``regions``: a publication is a
record of what was published and must outlive a group the secretariat later removes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reporting.db import Base, UTCDateTime, utcnow


class Summary(Base):
    """The current summary of one cell, exactly as signed and served."""

    __tablename__ = "summaries"

    region: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    audience: Mapped[str] = mapped_column(String(16), primary_key=True)
    # The signed document as RFC 8785 canonical JSON: served as stored, never re-serialised.
    document: Mapped[str] = mapped_column(Text)
    # SHA-256 of the canonical figures part (see documents.content_sha256): equal hashes,
    # equal figures, so "did this cell change?" needs no parsing.
    content_sha256: Mapped[str] = mapped_column(String(64))
    tree_size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    k: Mapped[int] = mapped_column(Integer)
    rules_version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        # GET /summaries?period=… across regions, and publish(period).
        Index("ix_summaries_period", "period"),
    )


class SummaryPublication(Base):
    """A cell's summary as published when its period closed; written once, never changed.

    The primary key makes a second publication of the same cell (a second beat, a
    delayed duplicate task) a no-op.
    """

    __tablename__ = "summary_publications"

    region: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    audience: Mapped[str] = mapped_column(String(16), primary_key=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    document: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
