"""Reports, their immutable versions, lifecycle events and idempotency keys."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from reporting.db import Base, SequenceId, UTCDateTime, utcnow
from reporting.reports.lifecycle import SUBMITTED


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
    # The newest approved version, None while no version is approved. It stays set when
    # the report is withdrawn (status says so) and when a newer version awaits review,
    # so "what counts in summaries" is: approved_version IS NOT NULL AND status <>
    # 'withdrawn', joined to that version's figures (docs/data-model.md). No foreign key
    # to report_versions: it would make reports and report_versions refer to each other,
    # and every insert and delete would need a deferred constraint on SQLite.
    approved_version: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_reports_state_seq", "state_iso3", "seq"),
        Index("ix_reports_sharing_seq", "sharing", "seq"),
        Index("ix_reports_incident_date", "incident_date"),
        # No index for approved_version: the summaries' join reaches reports through the
        # unique id from version_figures (state, year), and an index on (state_iso3,
        # approved_version), or a covering one, went unused or gained nothing at 10^6
        # versions (bench/README.md, aggregate_query.py).
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
    # The version's review status: submitted, approved or returned (a withdrawal is of
    # the report, see Report.status). The one column of a version that changes, and only
    # by review; the server default covers Core inserts that leave it out.
    status: Mapped[str] = mapped_column(String(16), default=SUBMITTED,
                                        server_default=SUBMITTED)


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
    # SHA-256 hex of the client's key (reports.intake.key_digest): the key itself is
    # client text and is never stored.
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    # SHA-256 of method, path and canonical body: the same key with another request is a 409.
    request_sha256: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# ---- What the summaries aggregate: one figures row and many fact rows per version ------
# Written with the version, from its body (reporting.reports.facts), never changed after;
# derived data, so they go with their version (ON DELETE CASCADE).


class VersionFigures(Base):
    """The scalar content of one version: period, place, mode, every count, the fee."""

    __tablename__ = "version_figures"

    report_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    state_iso3: Mapped[str] = mapped_column(String(3))
    # The sharing level the version was accepted with. A later lowering changes
    # reports.sharing at once (SPEC §3), so summaries filter on reports.sharing.
    sharing: Mapped[str] = mapped_column(String(16))
    incident_date: Mapped[date] = mapped_column(Date)
    date_precision: Mapped[str] = mapped_column(String(8))
    incident_year: Mapped[int] = mapped_column(Integer)
    incident_quarter: Mapped[int] = mapped_column(Integer)
    # None when the date is only known to the quarter: no month can claim the report.
    incident_month: Mapped[int | None] = mapped_column(Integer)
    incident_country: Mapped[str] = mapped_column(String(3))
    location_type: Mapped[str] = mapped_column(String(16))
    detection_stage: Mapped[str] = mapped_column(String(16))
    detecting_agency: Mapped[str] = mapped_column(String(16))
    transport_mode: Mapped[str] = mapped_column(String(8))
    conveyance: Mapped[str] = mapped_column(String(24))
    intended_destination: Mapped[str | None] = mapped_column(String(3))
    migrants_total: Mapped[int] = mapped_column(Integer)
    migrants_men: Mapped[int] = mapped_column(Integer)
    migrants_women: Mapped[int] = mapped_column(Integer)
    migrants_boys: Mapped[int] = mapped_column(Integer)
    migrants_girls: Mapped[int] = mapped_column(Integer)
    migrants_sex_age_unknown: Mapped[int] = mapped_column(Integer)
    unaccompanied_minors: Mapped[int] = mapped_column(Integer)
    deaths: Mapped[int] = mapped_column(Integer)
    missing: Mapped[int] = mapped_column(Integer)
    injured: Mapped[int] = mapped_column(Integer)
    smugglers_total: Mapped[int] = mapped_column(Integer)
    smugglers_arrested: Mapped[int] = mapped_column(Integer)
    smugglers_men: Mapped[int] = mapped_column(Integer)
    smugglers_women: Mapped[int] = mapped_column(Integer)
    smugglers_sex_unknown: Mapped[int] = mapped_column(Integer)
    # A double, not a Numeric: medians and quartiles need no exact cents, and SQLite has
    # no decimal type (SQLAlchemy warns on every Numeric it reads there).
    fee_amount: Mapped[float | None] = mapped_column(Double)
    fee_currency: Mapped[str | None] = mapped_column(String(3))
    financial_benefit_established: Mapped[str] = mapped_column(String(8))
    investigation_opened: Mapped[bool] = mapped_column(Boolean)
    persons_prosecuted: Mapped[int] = mapped_column(Integer)
    persons_convicted: Mapped[int] = mapped_column(Integer)
    financial_investigation: Mapped[bool] = mapped_column(Boolean)
    assets_frozen_usd: Mapped[float | None] = mapped_column(Double)

    __table_args__ = (
        ForeignKeyConstraint(["report_id", "version"],
                             ["report_versions.report_id", "report_versions.version"],
                             ondelete="CASCADE"),
        Index("ix_version_figures_period", "incident_year", "incident_month"),
        Index("ix_version_figures_state_period", "state_iso3", "incident_year"),
    )


class VersionFact(Base):
    """One (dimension, code, count) of a version: an origin, a route, a nationality with
    its count, a document type with its count… (the dimensions: reporting.reports.facts)."""

    __tablename__ = "version_facts"

    report_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    dimension: Mapped[str] = mapped_column(String(24), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        ForeignKeyConstraint(["report_id", "version"],
                             ["report_versions.report_id", "report_versions.version"],
                             ondelete="CASCADE"),
        Index("ix_version_facts_dimension_code", "dimension", "code"),
    )
