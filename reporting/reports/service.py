"""Domain operations on reports: plain functions taking a session (or, for writes, a unit
of work) and the acting principal.

Nothing here knows about HTTP, and nothing commits: the unit of work does. Every refusal
is a domain error that carries its own problem type (``reporting.errors``). New report
bodies arrive through ``reporting.reports.intake``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import and_, exists, false, insert, literal, select, true
from sqlalchemy.orm import Session

from reporting.accounts.roles import REPORT_WRITERS, STATE_ADMIN
from reporting.accounts.service import Principal
from reporting.db import utcnow
from reporting.directory.models import SHARING_LEVELS, MemberState, StateKey
from reporting.errors import DomainError
from reporting.ledger.canonical import canonical_bytes, sha256_hex
from reporting.ledger.log import rfc3339
from reporting.ledger.models import LogLeaf
from reporting.ledger.signing import b64url_decode
from reporting.reports import facts, lifecycle, sharing
from reporting.reports.models import (
    Report,
    ReportEvent,
    ReportVersion,
    VersionFact,
    VersionFigures,
)
from reporting.reports.schemas import normalise
from reporting.reports.sharing import can_read, owns, visible_reports
from reporting.unit_of_work import UnitOfWork

# The outbox topic of a change that may alter the summaries a report counts in.
REPORT_CHANGED = "report.changed"


class ReportNotFound(DomainError, LookupError):
    """No report with that id exists for this caller (it may exist for others)."""

    status = 404

    def __init__(self, detail: str = "No such report.") -> None:
        super().__init__(detail)


class NotAllowed(DomainError, PermissionError):
    """The caller may see the report but not do this to it."""

    status = 403
    problem = "forbidden-role"


class IdempotencyConflict(DomainError):
    """The Idempotency-Key was used before with a different request."""

    status = 409
    problem = "idempotency-conflict"


class LifecycleConflict(DomainError):
    """The report's status does not allow the action."""

    status = 409
    problem = "lifecycle-conflict"


class StorageConflict(DomainError):
    """Storing failed on a unique key for another reason than a known race."""

    status = 409
    problem = "storage-conflict"

    def __init__(self) -> None:
        super().__init__("The report conflicts with data stored meanwhile and was not "
                         "stored; read the report's current state before sending again.")


class StateSignatureInvalid(DomainError, ValueError):
    """A State-Signature that names no key of the state or does not verify."""

    status = 422
    problem = "state-signature-invalid"
    title = "State signature does not verify"

    def __init__(self, detail: str) -> None:
        super().__init__("The State-Signature header does not verify; see `errors`.",
                         errors={"State-Signature": [detail]})


@dataclass(frozen=True)
class Outcome:
    report: Report
    version: ReportVersion
    replayed: bool = False
    receipt: dict[str, Any] | None = None
    # Whether the caller owns the report. Another state sees only the approved version,
    # so for it the report's status is "approved" whatever waits for review.
    owner_view: bool = True
    # Why the newest version was returned, on the owning state's single read of it.
    return_reason: str | None = None

    @property
    def status(self) -> str:
        return self.report.status if self.owner_view else lifecycle.APPROVED


@dataclass(frozen=True)
class StateSignature:
    """A detached signature the client sent, checked against the state's keys."""

    key_id: str
    signature: str


def receipt_of(session: Session, version: ReportVersion) -> dict[str, Any]:
    """The signed receipt of a version, exactly as logged (SPEC §3)."""
    return receipts_at(session, [version.log_index])[version.log_index]


def receipts_at(session: Session, indexes: list[int]) -> dict[int, dict[str, Any]]:
    """Signed receipts by log index, in one query."""
    rows = session.execute(select(LogLeaf.index, LogLeaf.entry)
                           .where(LogLeaf.index.in_(indexes)))
    return {index: json.loads(entry) for index, entry in rows}


def check_writer(principal: Principal) -> str:
    """The caller's state, if its role writes reports; else NotAllowed."""
    if principal.role not in REPORT_WRITERS or principal.state is None:
        raise NotAllowed(f"The role {principal.role} does not write reports.")
    return principal.state


def filter_columns(body: dict[str, Any]) -> dict[str, Any]:
    """The report's list-filter columns, copied from its newest body."""
    incident, route = body["incident"], body["route"]
    return {"sharing": body["sharing"],
            "incident_date": date.fromisoformat(incident["date"]),
            "incident_country": incident["country"],
            "transport_mode": incident["transport_mode"],
            "origin_countries": "," + ",".join(route["origin_countries"]) + ",",
            "intended_destination": route["intended_destination"]}


def receipt_fields(report_id: str, number: int, state: str, now: datetime, digest: str,
                    state_signature: StateSignature | None) -> dict[str, Any]:
    """A version's receipt before the log adds ``log_index`` and ``key_id``."""
    fields: dict[str, Any] = {"report_id": report_id, "version": number, "state": state,
                              "received_at": rfc3339(now), "content_sha256": digest}
    if state_signature:
        fields["state_key_id"] = state_signature.key_id
    return fields


def version_row(report_id: str, number: int, canonical: bytes, digest: str, now: datetime,
                 principal: Principal,
                 state_signature: StateSignature | None) -> dict[str, Any]:
    return {"report_id": report_id, "version": number, "body": canonical.decode("utf-8"),
            "content_sha256": digest, "received_at": now, "submitted_by": principal.token_id,
            "state_key_id": state_signature.key_id if state_signature else None,
            "state_signature": state_signature.signature if state_signature else None}


def _owned_report(session: Session, principal: Principal, report_id: str) -> Report:
    """The caller's own report, locked until commit.

    The lock makes concurrent amendments and withdrawals of one report queue, so the
    second sees the first's version number and status instead of colliding with it.
    """
    report = session.scalar(select(Report).where(Report.id == report_id).with_for_update())
    if report is None or not owns(principal, report):
        # Another state's report does not exist for this caller, readable or not.
        raise ReportNotFound()
    return report


def _transition(report: Report, action: str) -> str:
    try:
        return lifecycle.next_status(report.status, action)
    except lifecycle.TransitionNotAllowed as exc:
        raise LifecycleConflict(str(exc)) from None


def add_version(unit: UnitOfWork, principal: Principal, report_id: str,
                data: dict[str, Any], state_signature: StateSignature | None) -> Outcome:
    """Store a validated body as the next version of the caller's own report.

    A body without ``sharing`` keeps the report's current level. The version, its event
    and its signed receipt are written in the unit's transaction.
    """
    check_writer(principal)
    session = unit.session
    report = _owned_report(session, principal, report_id)
    status = _transition(report, lifecycle.AMEND)
    if "sharing" not in data:
        data = {**data, "sharing": report.sharing}
    body = normalise(data)
    now = utcnow()
    number = report.current_version + 1
    canonical = canonical_bytes(body)
    digest = sha256_hex(canonical)
    recorded = unit.ledger.record(session, receipt_fields(
        report.id, number, report.state_iso3, now, digest, state_signature))
    version = ReportVersion(**version_row(report.id, number, canonical, digest, now,
                                          principal, state_signature),
                            log_index=recorded.index)
    report.current_version, report.status, report.updated_at = number, status, now
    columns = filter_columns(body)
    if report.approved_version is not None:
        # Others keep seeing the approved version's level until this one is approved
        # (sharing.py): an amendment must not widen the audience by itself.
        del columns["sharing"]
    for column, value in columns.items():
        setattr(report, column, value)
    session.add_all([version, ReportEvent(
        report_id=report.id, version=number, action=lifecycle.AMEND, status_after=status,
        actor_token_id=principal.token_id, at=now)])
    session.flush()
    _audit(unit, "report.amend", report)
    if auto_approves(session, report.state_iso3):
        approve(unit, report, principal.token_id)
    return Outcome(report, version, receipt=recorded.receipt)


def _audit(unit: UnitOfWork, action: str, report: Report) -> None:
    unit.record(action, object_type="report", object_id=report.id,
                object_state=report.state_iso3)


def auto_approves(session: Session, state: str) -> bool:
    """Whether the state's reports are approved as they arrive (its settings)."""
    return bool(session.scalar(select(MemberState.auto_approve)
                               .where(MemberState.iso3 == state)))


def _log_event(unit: UnitOfWork, report: Report, event: str, number: int | None = None,
               **extra: Any) -> tuple[ReportVersion, dict[str, Any], int, datetime]:
    """Sign and log an event on a version (the current one unless ``number``).

    Returns the version, the signed receipt, its log index and the time stamped on it.
    """
    version = unit.session.get(ReportVersion, (report.id, number or report.current_version))
    assert version is not None  # noqa: S101 - current_version always exists
    now = utcnow()
    recorded = unit.ledger.record(unit.session, {
        "report_id": report.id, "version": version.version, "state": report.state_iso3,
        "received_at": rfc3339(now), "content_sha256": version.content_sha256,
        "event": event, **extra})
    return version, recorded.receipt, recorded.index, now


def withdraw_report(unit: UnitOfWork, principal: Principal, report_id: str,
                    reason: str | None = None) -> dict[str, Any]:
    """Withdraw the caller's own report; its versions stay readable.

    Returns the withdrawal's signed receipt: the event is logged like a version, so a
    withdrawal can neither be hidden nor invented later. The summaries the report
    counted in are told through the outbox, after commit.
    """
    check_writer(principal)
    session = unit.session
    report = _owned_report(session, principal, report_id)
    status = _transition(report, lifecycle.WITHDRAW)
    _, receipt, index, now = _log_event(unit, report, "withdrawn")
    report.status, report.updated_at = status, now
    session.add(ReportEvent(report_id=report.id, version=report.current_version,
                            action=lifecycle.WITHDRAW, status_after=status, reason=reason,
                            actor_token_id=principal.token_id, at=now, log_index=index))
    session.flush()
    unit.add_outbox(REPORT_CHANGED, {"report_id": report.id, "state": report.state_iso3,
                                     "event": lifecycle.WITHDRAW})
    _audit(unit, "report.withdraw", report)
    return receipt


# The receipt event of each review, as logged (SPEC §3: approvals and returns are logged).
REVIEW_EVENTS = {lifecycle.APPROVE: "approved", lifecycle.RETURN: "returned"}


def review_report(unit: UnitOfWork, principal: Principal, report_id: str, action: str,
                  reason: str | None = None) -> dict[str, Any]:
    """Approve or return the newest version of a report of the caller's own state.

    Only a state admin reviews, and only a ``submitted`` version (else LifecycleConflict).
    The review is logged as a signed receipt with its ``event``, like a withdrawal.
    Approval makes the version count: its status, the report's ``approved_version``, the
    figures and facts the summaries aggregate (written now, not at submission: most
    versions never count), and an outbox row for the summaries it changes. Returns the
    review's receipt.
    """
    if principal.role != STATE_ADMIN:
        raise NotAllowed(f"The role {principal.role} does not review reports.")
    session = unit.session
    report = _owned_report(session, principal, report_id)
    if action == lifecycle.APPROVE:
        return approve(unit, report, principal.token_id)
    status = _transition(report, action)
    version, receipt, index, now = _log_event(unit, report, REVIEW_EVENTS[action])
    version.status = status
    report.status, report.updated_at = status, now
    session.add(ReportEvent(report_id=report.id, version=version.version, action=action,
                            status_after=status, reason=reason,
                            actor_token_id=principal.token_id, at=now, log_index=index))
    session.flush()
    _audit(unit, f"report.{action}", report)
    return receipt


def approve(unit: UnitOfWork, report: Report, actor_token_id: str) -> dict[str, Any]:
    """Approve the report's newest version (locked by the caller); its receipt.

    The version now counts and is what other states see: its status, the report's
    ``approved_version`` and sharing level, the figures and facts the summaries
    aggregate (written now, not at submission: most versions never count), and an
    outbox row for the summaries it changes. ``actor_token_id`` is the admin's token, or
    the submitter's where the state auto-approves.
    """
    session = unit.session
    status = _transition(report, lifecycle.APPROVE)
    version, receipt, index, now = _log_event(unit, report, REVIEW_EVENTS[lifecycle.APPROVE])
    version.status = status
    report.sharing = _approved_level(session, report, version)
    report.status, report.updated_at = status, now
    report.approved_version = version.version
    session.add(ReportEvent(report_id=report.id, version=version.version,
                            action=lifecycle.APPROVE, status_after=status,
                            actor_token_id=actor_token_id, at=now, log_index=index))
    _record_figures(session, report, version)
    unit.add_outbox(REPORT_CHANGED, {"report_id": report.id, "state": report.state_iso3,
                                     "event": REVIEW_EVENTS[lifecycle.APPROVE]})
    session.flush()
    _audit(unit, "report.approve", report)
    return receipt


def _approved_level(session: Session, report: Report, version: ReportVersion) -> str:
    """The level others see once ``version`` is approved: the one it was sent with,
    unless the state lowered the report's level after sending it (then the lower one).
    Raising is what an approved version does; a lowering made later must stick."""
    level = parse_body(version)["sharing"]
    lowered_since = session.scalar(select(exists().where(
        ReportEvent.report_id == report.id, ReportEvent.action == LOWER_SHARING,
        ReportEvent.at >= version.received_at)))
    if lowered_since:
        return min(level, report.sharing, key=SHARING_LEVELS.index)
    return level


def approve_many(unit: UnitOfWork, principal: Principal,
                 report_ids: list[str]) -> list[dict[str, Any] | DomainError]:
    """Approve many reports of the caller's state in the unit's one transaction.

    One answer per id, in order: the approval's receipt, or the domain error refusing
    that id (ReportNotFound for an unknown or another state's id, LifecycleConflict for
    a report with no version awaiting review). A refused id writes nothing, so the
    others stand. Reports are locked in id order, so two bulk approvals overlapping in
    their ids queue instead of deadlocking.
    """
    if principal.role != STATE_ADMIN:
        raise NotAllowed(f"The role {principal.role} does not review reports.")
    answers: dict[str, dict[str, Any] | DomainError] = {}
    for report_id in sorted(set(report_ids)):
        try:
            answers[report_id] = approve(unit, _owned_report(unit.session, principal,
                                                             report_id), principal.token_id)
        except (ReportNotFound, LifecycleConflict) as exc:
            answers[report_id] = exc
    return [answers[report_id] for report_id in report_ids]


class SharingNotLowered(DomainError):
    """Only lowering takes effect at once; raising needs a new, approved version."""

    status = 409
    problem = "sharing-not-lowered"


LOWER_SHARING = "lower_sharing"


def lower_sharing(unit: UnitOfWork, principal: Principal, report_id: str,
                  level: str) -> dict[str, Any]:
    """Lower the sharing level of the caller's own report, with effect at once (SPEC §3).

    Logged as a receipt (``"event": "sharing_lowered"`` and the new ``sharing``), so a
    state can show when it withdrew a report from others. Raising, or keeping, the level
    is SharingNotLowered: a wider audience needs a new version, approved.
    """
    check_writer(principal)
    session = unit.session
    report = _owned_report(session, principal, report_id)
    if SHARING_LEVELS.index(level) >= SHARING_LEVELS.index(report.sharing):
        raise SharingNotLowered(
            f"The report is shared at {report.sharing}; only a lower level takes effect "
            "at once. To share more widely, amend the report (a new version, approved).")
    # Logged on the version others see (the approved one, when there is one), whose
    # audience it narrows; a version awaiting review is no business of theirs.
    version, receipt, index, now = _log_event(unit, report, "sharing_lowered",
                                              report.approved_version, sharing=level)
    report.sharing, report.updated_at = level, now
    session.add(ReportEvent(report_id=report.id, version=version.version,
                            action=LOWER_SHARING, status_after=report.status,
                            actor_token_id=principal.token_id, at=now, log_index=index))
    if report.approved_version is not None:
        unit.add_outbox(REPORT_CHANGED, {"report_id": report.id, "state": report.state_iso3,
                                         "event": "sharing_lowered"})
    _audit(unit, "report.sharing", report)
    return receipt


_INSERT_FIGURES = insert(VersionFigures.__table__)
_INSERT_FACTS = insert(VersionFact.__table__)


def _record_figures(session: Session, report: Report, version: ReportVersion) -> None:
    """The rows the summaries aggregate for a version that now counts (never changed)."""
    body = parse_body(version)
    connection = session.connection()
    connection.execute(_INSERT_FIGURES, [facts.figures_row(
        report.id, version.version, report.state_iso3, body["sharing"], body)])
    if rows := facts.fact_rows(report.id, version.version, body):
        connection.execute(_INSERT_FACTS, rows)


def get_report(session: Session, principal: Principal, report_id: str, *,
               reciprocity: sharing.Reciprocity | None = None) -> Outcome:
    """The version of a report the caller sees (sharing.py): the newest of its own, the
    newest approved of another state's."""
    report = session.scalar(select(Report).where(Report.id == report_id))
    if report is None or not can_read(session, principal, report, reciprocity):
        raise ReportNotFound()
    version = session.get(ReportVersion, (report.id, sharing.version_seen(principal, report)))
    assert version is not None  # noqa: S101 - a readable report has that version
    owner = owns(principal, report)
    reason = None
    if owner and report.status == lifecycle.RETURNED:
        # The reporter reads what to correct with the report itself.
        reason = session.scalar(select(ReportEvent.reason).where(
            ReportEvent.report_id == report.id, ReportEvent.version == version.version,
            ReportEvent.action == lifecycle.RETURN).order_by(ReportEvent.id.desc()).limit(1))
    return Outcome(report, version, owner_view=owner, return_reason=reason)


def list_versions(session: Session, principal: Principal, report_id: str, *,
                  reciprocity: sharing.Reciprocity | None = None
                  ) -> tuple[Outcome, list[ReportVersion]]:
    """Every version of the caller's own report; of another state's, only the one it
    sees (the newest approved: earlier ones were superseded, pending ones are not out)."""
    seen = get_report(session, principal, report_id, reciprocity=reciprocity)
    if not seen.owner_view:
        return seen, [seen.version]
    versions = session.scalars(select(ReportVersion).where(
        ReportVersion.report_id == seen.report.id).order_by(ReportVersion.version)).all()
    return seen, list(versions)


@dataclass(frozen=True)
class ReportFilter:
    state: str | None = None
    period_start: date | None = None
    period_end: date | None = None  # exclusive
    status: str | None = None
    origin: str | None = None
    destination: str | None = None
    mode: str | None = None


class InvalidCursor(DomainError, ValueError):
    status = 422
    problem = "validation-error"
    title = "Invalid query parameter"

    def __init__(self) -> None:
        super().__init__("The query parameters are invalid; see `errors`.",
                         errors={"cursor": ["Not a cursor this API issued."]})


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"r{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The position a cursor stands for, or InvalidCursor for anything we did not issue."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise InvalidCursor() from None
    # isascii: str.isdigit also accepts other scripts' digits; the bound keeps the value
    # inside PostgreSQL's bigint, which would otherwise fail the query instead of the cursor.
    if not raw.startswith("r") or not raw[1:].isascii() or not raw[1:].isdigit() \
            or int(raw[1:]) >= 2**63:
        raise InvalidCursor()
    return int(raw[1:])


def list_reports(session: Session, principal: Principal, filters: ReportFilter, *,
                 limit: int, cursor: str | None = None,
                 reciprocity: sharing.Reciprocity | None = None
                 ) -> tuple[list[Outcome], str | None]:
    """A page of readable reports, newest first, and the cursor of the next page.

    Each report in the version the caller sees (sharing.py). Filters match that version
    too: the columns copied from the newest version for the caller's own reports, the
    approved version's figures and facts for other states', so that no filter answers
    from a version awaiting review.
    """
    query = select(Report, ReportVersion).join(
        ReportVersion, (ReportVersion.report_id == Report.id)
        & (ReportVersion.version == sharing.shown_version(principal))
    ).where(visible_reports(principal, reciprocity))
    figures = VersionFigures
    if sharing.reads_others(principal):
        query = query.outerjoin(figures, (figures.report_id == Report.id)
                                & (figures.version == Report.approved_version))

    def both(own: Any, others: Any) -> None:
        nonlocal query
        query = query.where(sharing.seen(principal, own, others))

    if filters.state:
        query = query.where(Report.state_iso3 == filters.state)
    if filters.period_start:
        both(Report.incident_date >= filters.period_start,
             figures.incident_date >= filters.period_start)
    if filters.period_end:
        both(Report.incident_date < filters.period_end,
             figures.incident_date < filters.period_end)
    if filters.status:
        both(Report.status == filters.status,
             true() if filters.status == lifecycle.APPROVED else false())
    if filters.origin:
        both(Report.origin_countries.contains(f",{filters.origin},"),
             exists().where(VersionFact.report_id == Report.id,
                            VersionFact.version == Report.approved_version,
                            VersionFact.dimension == "origin",
                            VersionFact.code == literal(filters.origin)))
    if filters.destination:
        both(Report.intended_destination == filters.destination,
             figures.intended_destination == filters.destination)
    if filters.mode:
        both(Report.transport_mode == filters.mode, figures.transport_mode == filters.mode)
    if cursor:
        query = query.where(Report.seq < decode_cursor(cursor))
    rows = session.execute(query.order_by(Report.seq.desc()).limit(limit + 1)).all()
    page = [Outcome(report, version, owner_view=owns(principal, report))
            for report, version in rows[:limit]]
    next_cursor = encode_cursor(rows[limit - 1][0].seq) if len(rows) > limit else None
    return page, next_cursor


def readable_log_indexes(session: Session, principal: Principal | None, start: int,
                         end: int, *,
                         reciprocity: sharing.Reciprocity | None = None) -> set[int]:
    """The log indexes in [start, end) whose receipts belong to reports the caller may read.

    A receipt says which state filed which report when, and how often it changed: it is
    shown to those who may read the report, never to the public (SPEC §3).
    """
    if principal is None:
        return set()
    visible = visible_reports(principal, reciprocity)
    # Another state's reports: the receipts of the version it sees, its approval and a
    # lowering of its level; never those of versions awaiting review or returned.
    versions = (select(ReportVersion.log_index)
                .join(Report, Report.id == ReportVersion.report_id)
                .where(ReportVersion.log_index >= start, ReportVersion.log_index < end,
                       visible, sharing.seen(
                           principal, true(),
                           ReportVersion.version == Report.approved_version)))
    events = (select(ReportEvent.log_index)
              .join(Report, Report.id == ReportEvent.report_id)
              .where(ReportEvent.log_index >= start, ReportEvent.log_index < end, visible,
                     sharing.seen(principal, true(), and_(
                         ReportEvent.version == Report.approved_version,
                         ReportEvent.action.in_((lifecycle.APPROVE, LOWER_SHARING))))))
    return set(session.scalars(versions)) | set(session.scalars(events))


def parse_body(version: ReportVersion) -> dict[str, Any]:
    return json.loads(version.body)


def check_state_signature(session: Session, state: str, header: str,
                          document: Any) -> StateSignature:
    """Verify a ``State-Signature: <key id>:<base64url signature>`` over the body sent.

    The signature covers the RFC 8785 canonical form of the JSON document exactly as the
    client sent it (before defaults are filled in), so the state can compute it alone.
    """
    kid, _, signature = header.strip().partition(":")
    key = session.get(StateKey, kid) if kid and len(kid) <= 16 else None
    if key is None or key.state_iso3 != state or key.revoked_at is not None:
        # The key id is not quoted: a header is client text, echoed nowhere.
        raise StateSignatureInvalid(f"the key id is not a registered, unrevoked key of {state}")
    try:
        Ed25519PublicKey.from_public_bytes(bytes(key.public_key)).verify(
            b64url_decode(signature), canonical_bytes(document))
    except (ValueError, InvalidSignature, rfc8785.CanonicalizationError):
        raise StateSignatureInvalid(
            "the signature does not verify over the canonical body") from None
    return StateSignature(key_id=kid, signature=signature)
