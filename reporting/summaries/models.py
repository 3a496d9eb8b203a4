"""Stored summaries: the signed document of every region × period × audience cell, the
publications of closed periods, and the group tallies the cells are merged from.

``summaries`` and the group tables are derived data: they can be rebuilt from the reports
at any time (``service.rebuild``). Neither has a foreign key to ``regions``: a publication is a
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


class SummaryGroup(Base):
    """The tallies of one group: the counted versions of one reporting state whose
    incident falls in one exact year, quarter and month (0: known to the quarter only),
    at one current sharing level (``summaries.groups``).

    Every cell is a union of groups, so a cell is merged from these rows instead of
    re-aggregated from every report of its region and period; a change of one report
    recomputes only its own groups from the report tables.
    """

    __tablename__ = "summary_groups"

    state_iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    quarter: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    sharing: Mapped[str] = mapped_column(String(16), primary_key=True)
    # Tallies.to_json: equal tallies, equal text.
    tallies: Mapped[str] = mapped_column(Text)
    newest_receipt: Mapped[int] = mapped_column(BigInteger)
    # The log size read before the tallies were computed: a row is never replaced by
    # one computed from an older state of the log.
    tree_size: Mapped[int] = mapped_column(BigInteger)


class SummaryGroupYear(Base):
    """A reporting state's year whose groups are all stored, in the given format: only
    such years are read from ``summary_groups``; others are computed from the report
    tables first (after the upgrade that added the tables, or a format change)."""

    __tablename__ = "summary_group_years"

    state_iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    format: Mapped[int] = mapped_column(Integer)
