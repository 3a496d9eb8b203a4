"""Reports, their immutable versions, lifecycle events and idempotency keys."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from reporting.db import Base, UTCDateTime, utcnow

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
SequenceId = BigInteger().with_variant(Integer(), "sqlite")


class Report(Base):
    """The head of a report: who owns it and the state of its newest version.

    The filter columns are copied from the newest version so that listing never parses
    bodies; versions themselves never change.
    """

    __tablename__ = "reports"

    seq: Mapped[int] = mapped_column(SequenceId, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    state_iso3: Mapped[str] = mapped_column(ForeignKey("member_states.iso3"))
    current_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    sharing: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    incident_date: Mapped[date] = mapped_column(Date)
    incident_country: Mapped[str] = mapped_column(String(3))
    transport_mode: Mapped[str] = mapped_column(String(8))
    # ",AFG,IRN," — a delimited list lets "origin = X" be one portable LIKE on both engines.
    origin_countries: Mapped[str] = mapped_column(String(40))
    intended_destination: Mapped[str | None] = mapped_column(String(3))

    __table_args__ = (
        Index("ix_reports_state_seq", "state_iso3", "seq"),
        Index("ix_reports_sharing_seq", "sharing", "seq"),
        Index("ix_reports_incident_date", "incident_date"),
    )


class ReportVersion(Base):
    """One accepted version: the canonical body exactly as hashed. Never updated."""

    __tablename__ = "report_versions"

    report_id: Mapped[str] = mapped_column(
        ForeignKey("reports.id", ondelete="RESTRICT"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    # RFC 8785 canonical JSON of the body as accepted; content_sha256 is over its UTF-8.
    body: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_by: Mapped[str] = mapped_column(String(36))  # token id
    # Where the version's signed receipt sits in the log (the receipt bytes live there).
    log_index: Mapped[int] = mapped_column(ForeignKey("log_leaves.index"), unique=True)
    # A detached Ed25519 signature by the state's own key over the canonical body it sent.
    state_key_id: Mapped[str | None] = mapped_column(String(16))
    state_signature: Mapped[str | None] = mapped_column(String(100))


class ReportEvent(Base):
    """An append-only history of lifecycle actions on a report."""

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(SequenceId, primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    status_after: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    actor_token_id: Mapped[str] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    log_index: Mapped[int | None] = mapped_column(ForeignKey("log_leaves.index"), unique=True)


class IdempotencyKey(Base):
    """A state's Idempotency-Key and what it produced, for safe client retries."""

    __tablename__ = "idempotency_keys"

    state_iso3: Mapped[str] = mapped_column(ForeignKey("member_states.iso3"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    # SHA-256 of method, path and canonical body: the same key with another request is a 409.
    request_sha256: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
