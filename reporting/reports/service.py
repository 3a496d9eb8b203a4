"""Domain operations on reports: plain functions taking a session and the acting principal.

Nothing here knows about HTTP. Callers commit; every function leaves the session
unchanged when it raises.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reporting.accounts.roles import REPORT_WRITERS
from reporting.accounts.service import Principal
from reporting.db import utcnow
from reporting.directory.models import StateKey
from reporting.directory.service import get_member_state
from reporting.ledger.canonical import canonical_bytes, sha256_hex
from reporting.ledger.log import Ledger, rfc3339
from reporting.ledger.models import LogLeaf
from reporting.ledger.signing import b64url_decode
from reporting.reports import lifecycle
from reporting.reports.models import IdempotencyKey, Report, ReportEvent, ReportVersion
from reporting.reports.schemas import normalise
from reporting.reports.sharing import can_read, owns, visible_reports


class ReportNotFound(LookupError):
    """No report with that id exists for this caller (it may exist for others)."""


class NotAllowed(PermissionError):
    """The caller may see the report but not do this to it."""


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with a different request."""


class LifecycleConflict(Exception):
    """The report's status does not allow the action."""


class StateSignatureInvalid(ValueError):
    """A State-Signature that names no key of the state or does not verify."""


@dataclass(frozen=True)
class Outcome:
    report: Report
    version: ReportVersion
    replayed: bool = False
    receipt: dict[str, Any] | None = None


@dataclass(frozen=True)
class StateSignature:
    """A detached signature the client sent, checked against the state's keys."""

    key_id: str
    signature: str


def request_fingerprint(method: str, path: str, body: Any) -> str:
    """SHA-256 of the request as an idempotency key binds it.

    Uses sorted-key JSON rather than RFC 8785 because the body is not yet validated and
    may hold values JCS refuses (huge integers); this hash is never signed.
    """
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(f"{method} {path}\n{text}".encode()).hexdigest()


def receipt_of(session: Session, version: ReportVersion) -> dict[str, Any]:
    """The signed receipt of a version, exactly as logged (SPEC §3)."""
    return receipts_at(session, [version.log_index])[version.log_index]


def receipts_at(session: Session, indexes: list[int]) -> dict[int, dict[str, Any]]:
    """Signed receipts by log index, in one query."""
    rows = session.execute(select(LogLeaf.index, LogLeaf.entry)
                           .where(LogLeaf.index.in_(indexes)))
    return {index: json.loads(entry) for index, entry in rows}


def _check_writer(principal: Principal) -> str:
    if principal.role not in REPORT_WRITERS or principal.state is None:
        raise NotAllowed(f"The role {principal.role} does not write reports.")
    return principal.state


def _replay(session: Session, state: str, key: str, fingerprint: str) -> Outcome | None:
    return replay_of(session, session.get(IdempotencyKey, (state, key)), fingerprint)


def replay_of(session: Session, stored: IdempotencyKey | None,
              fingerprint: str) -> Outcome | None:
    """What an earlier request under the ``stored`` key answered (None: no such key)."""
    if stored is None:
        return None
    if stored.request_sha256 != fingerprint:
        raise IdempotencyConflict(
            "This Idempotency-Key was already used with a different request.")
    report = session.scalar(select(Report).where(Report.id == stored.report_id))
    version = session.get(ReportVersion, (stored.report_id, stored.version))
    assert report is not None  # noqa: S101 - guaranteed by the foreign keys
    assert version is not None  # noqa: S101
    return Outcome(report, version, replayed=True, receipt=receipt_of(session, version))


def _after_lost_race(session: Session, principal: Principal, key: str,
                     fingerprint: str) -> Outcome | None:
    """After a unique-key failure: what the concurrent request that took ``key`` stored.

    None when the failure was not that race (no such key), so the caller re-raises.
    """
    session.rollback()
    return _replay(session, principal.state or "", key, fingerprint)


def check_idempotency(session: Session, principal: Principal, key: str | None,
                      fingerprint: str) -> Outcome | None:
    """The earlier outcome of this key and request, None for a new key, or a conflict."""
    if key is None or principal.state is None:
        return None
    return _replay(session, principal.state, key, fingerprint)


# Bind parameters per IN list: below SQLite's historical limit of 999 variables.
_KEYS_PER_QUERY = 500


def stored_keys(session: Session, principal: Principal,
                keys: Sequence[str]) -> dict[str, IdempotencyKey]:
    """Those of ``keys`` the caller's state has used before, in one query per 500 keys.

    For a batch, whose every position has a key: one lookup for the batch instead of
    one for each of up to 1,000 positions.
    """
    if principal.state is None:
        return {}
    found: dict[str, IdempotencyKey] = {}
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        chunk = keys[start:start + _KEYS_PER_QUERY]
        found.update((row.key, row) for row in session.scalars(
            select(IdempotencyKey).where(IdempotencyKey.state_iso3 == principal.state,
                                         IdempotencyKey.key.in_(chunk))))
    return found


def _filter_columns(body: dict[str, Any]) -> dict[str, Any]:
    """The report's list-filter columns, copied from its newest body."""
    incident, route = body["incident"], body["route"]
    return {"sharing": body["sharing"],
            "incident_date": date.fromisoformat(incident["date"]),
            "incident_country": incident["country"],
            "transport_mode": incident["transport_mode"],
            "origin_countries": "," + ",".join(route["origin_countries"]) + ",",
            "intended_destination": route["intended_destination"]}


def _receipt_fields(report_id: str, number: int, state: str, now: datetime, digest: str,
                    state_signature: StateSignature | None) -> dict[str, Any]:
    """A version's receipt before the log adds ``log_index`` and ``key_id``."""
    fields: dict[str, Any] = {"report_id": report_id, "version": number, "state": state,
                              "received_at": rfc3339(now), "content_sha256": digest}
    if state_signature:
        fields["state_key_id"] = state_signature.key_id
    return fields


def _version_row(report_id: str, number: int, canonical: bytes, digest: str, now: datetime,
                 principal: Principal,
                 state_signature: StateSignature | None) -> dict[str, Any]:
    return {"report_id": report_id, "version": number, "body": canonical.decode("utf-8"),
            "content_sha256": digest, "received_at": now, "submitted_by": principal.token_id,
            "state_key_id": state_signature.key_id if state_signature else None,
            "state_signature": state_signature.signature if state_signature else None}


def _new_version(session: Session, ledger: Ledger, report: Report, number: int,
                 body: dict[str, Any], principal: Principal, now: datetime,
                 state_signature: StateSignature | None) -> tuple[ReportVersion, dict]:
    """The version row and its signed receipt, appended to the log in this transaction."""
    canonical = canonical_bytes(body)
    digest = sha256_hex(canonical)
    recorded = ledger.record(session, _receipt_fields(
        report.id, number, report.state_iso3, now, digest, state_signature))
    version = ReportVersion(**_version_row(report.id, number, canonical, digest, now,
                                           principal, state_signature),
                            log_index=recorded.index)
    return version, recorded.receipt


def _store_with_key(session: Session, principal: Principal, key: str | None, fingerprint: str,
                    outcome: Outcome) -> Outcome:
    if key is None:
        session.flush()
        return outcome
    session.add(IdempotencyKey(state_iso3=principal.state, key=key, request_sha256=fingerprint,
                               report_id=outcome.report.id, version=outcome.version.version))
    try:
        session.flush()
    except IntegrityError:
        # The transaction holds nothing but this request's rows: rolling it back is safe.
        replay = _after_lost_race(session, principal, key, fingerprint)
        if replay is None:
            raise
        return replay
    return outcome


@dataclass(frozen=True)
class Submission:
    """A validated new report, ready to store: its rows and its receipt's fields.

    Built while the request is handled (reads only); stored by ``store_submissions``,
    alone or in one transaction with other requests' submissions.
    """

    report: dict[str, Any]
    event: dict[str, Any]
    version: dict[str, Any]  # without log_index, which the log hands out
    receipt: dict[str, Any]  # without log_index and key_id
    idempotency: dict[str, Any] | None


def prepare_submission(session: Session, principal: Principal, data: dict[str, Any], *,
                       idempotency_key: str | None = None, fingerprint: str = "",
                       state_signature: StateSignature | None = None) -> Submission:
    """Everything about a new report that needs no lock: its id, rows and canonical body."""
    state = _check_writer(principal)
    if "sharing" not in data:
        data = {**data, "sharing": get_member_state(session, state).default_sharing}
    body = normalise(data)
    now = utcnow()
    report_id = str(uuid.uuid4())
    status = lifecycle.next_status(None, lifecycle.SUBMIT)
    canonical = canonical_bytes(body)
    digest = sha256_hex(canonical)
    return Submission(
        report={"id": report_id, "state_iso3": state, "current_version": 1,
                "status": status, "created_at": now, "updated_at": now,
                **_filter_columns(body)},
        event={"report_id": report_id, "version": 1, "action": lifecycle.SUBMIT,
               "status_after": status, "reason": None, "actor_token_id": principal.token_id,
               "at": now, "log_index": None},
        version=_version_row(report_id, 1, canonical, digest, now, principal,
                             state_signature),
        receipt=_receipt_fields(report_id, 1, state, now, digest, state_signature),
        idempotency=None if idempotency_key is None else {
            "state_iso3": state, "key": idempotency_key, "request_sha256": fingerprint,
            "report_id": report_id, "version": 1, "created_at": now})


# Built once: constructing a statement and computing its cache key cost about as much
# as sending it, and these run for every submission.
_INSERT_REPORTS = insert(Report.__table__)
_INSERT_EVENTS = insert(ReportEvent.__table__)
_INSERT_VERSIONS = insert(ReportVersion.__table__)
_INSERT_KEYS = insert(IdempotencyKey.__table__)


def store_submissions(session: Session, submissions: Sequence[Submission], *,
                      ledger: Ledger) -> list[Outcome]:
    """Write new reports with their versions, events and signed receipts, in order.

    One multi-row statement per table, whatever the number of submissions, in the
    caller's transaction. The report and event rows go first so that the log's lock,
    taken by ``record_many``, is held for as few statements as possible.
    """
    # The session's connection, not session.execute: plain Core rows need none of the
    # ORM's execution layer, which costs about a fifth of each statement.
    connection = session.connection()
    connection.execute(_INSERT_REPORTS, [item.report for item in submissions])
    connection.execute(_INSERT_EVENTS, [item.event for item in submissions])
    recorded = ledger.record_many(session, [item.receipt for item in submissions])
    versions = [{**item.version, "log_index": entry.index}
                for item, entry in zip(submissions, recorded, strict=True)]
    connection.execute(_INSERT_VERSIONS, versions)
    if keys := [item.idempotency for item in submissions if item.idempotency]:
        connection.execute(_INSERT_KEYS, keys)
    return [Outcome(Report(**item.report), ReportVersion(**row), receipt=entry.receipt)
            for item, row, entry in zip(submissions, versions, recorded, strict=True)]


def submit_prepared(session: Session, principal: Principal, submission: Submission,
                    store: Callable[[Session, Submission], Outcome]) -> Outcome:
    """Store a prepared submission with ``store(session, submission)``, which commits it.

    A concurrent request that used the same Idempotency-Key first makes the store fail
    on the key's primary key; this request then answers as that one did (or with a 409).
    A store that fails because this very submission is stored already answers with it.
    """
    try:
        return store(session, submission)
    except IntegrityError:
        # The transaction held nothing but this submission's rows: rolling back is safe.
        session.rollback()
        if (stored := _stored_before(session, submission)) is not None:
            return stored
        keyed = submission.idempotency
        replay = None if keyed is None else _replay(session, principal.state or "",
                                                    keyed["key"], keyed["request_sha256"])
        if replay is None:
            raise
        return replay


def _stored_before(session: Session, submission: Submission) -> Outcome | None:
    """The submission as stored, when an earlier attempt at storing it did commit.

    A COMMIT can fail on the client's side after the server committed (the connection
    dropped while the answer was on its way). The group commit then retries the group's
    items one by one, and this one meets its own report id: it is stored, with its
    receipt, and answering an error would invite the client to send it twice.
    """
    report = session.scalar(select(Report).where(Report.id == submission.report["id"]))
    if report is None:
        return None
    version = session.get(ReportVersion, (report.id, 1))
    if version is None or version.content_sha256 != submission.version["content_sha256"]:
        return None
    return Outcome(report, version, receipt=receipt_of(session, version))


def _owned_report(session: Session, principal: Principal, report_id: str) -> Report:
    """The caller's own report, locked until commit.

    The lock makes concurrent amendments and withdrawals of one report queue, so the
    second sees the first's version number and status instead of colliding with it.
    """
    report = session.scalar(select(Report).where(Report.id == report_id).with_for_update())
    if report is None or not owns(principal, report):
        # Another state's report does not exist for this caller, readable or not.
        raise ReportNotFound(report_id)
    return report


def _transition(report: Report, action: str) -> str:
    try:
        return lifecycle.next_status(report.status, action)
    except lifecycle.TransitionNotAllowed as exc:
        raise LifecycleConflict(str(exc)) from None


def amend_report(session: Session, principal: Principal, report_id: str, data: dict[str, Any],
                 *, ledger: Ledger, idempotency_key: str | None = None, fingerprint: str = "",
                 state_signature: StateSignature | None = None) -> Outcome:
    """Store a validated body as the next version of the caller's own report.

    A body without ``sharing`` keeps the report's current level.
    """
    _check_writer(principal)
    report = _owned_report(session, principal, report_id)
    status = _transition(report, lifecycle.AMEND)
    if "sharing" not in data:
        data = {**data, "sharing": report.sharing}
    body = normalise(data)
    now = utcnow()
    number = report.current_version + 1
    version, receipt = _new_version(session, ledger, report, number, body, principal, now,
                                    state_signature)
    report.current_version, report.status, report.updated_at = number, status, now
    for column, value in _filter_columns(body).items():
        setattr(report, column, value)
    session.add_all([version, ReportEvent(
        report_id=report.id, version=number, action=lifecycle.AMEND, status_after=status,
        actor_token_id=principal.token_id, at=now)])
    return _store_with_key(session, principal, idempotency_key, fingerprint,
                           Outcome(report, version, receipt=receipt))


def withdraw_report(session: Session, principal: Principal, report_id: str,
                    reason: str | None = None, *, ledger: Ledger) -> dict[str, Any]:
    """Withdraw the caller's own report; its versions stay readable.

    Returns the withdrawal's signed receipt: the event is logged like a version, so a
    withdrawal can neither be hidden nor invented later.
    """
    _check_writer(principal)
    report = _owned_report(session, principal, report_id)
    status = _transition(report, lifecycle.WITHDRAW)
    now = utcnow()
    current = session.get(ReportVersion, (report.id, report.current_version))
    assert current is not None  # noqa: S101 - current_version always exists
    recorded = ledger.record(session, {
        "report_id": report.id, "version": report.current_version, "state": report.state_iso3,
        "received_at": rfc3339(now), "content_sha256": current.content_sha256,
        "event": "withdrawn"})
    report.status, report.updated_at = status, now
    session.add(ReportEvent(report_id=report.id, version=report.current_version,
                            action=lifecycle.WITHDRAW, status_after=status, reason=reason,
                            actor_token_id=principal.token_id, at=now,
                            log_index=recorded.index))
    session.flush()
    return recorded.receipt


def get_report(session: Session, principal: Principal, report_id: str) -> Outcome:
    """The newest version of a report the caller may read."""
    report = session.scalar(select(Report).where(Report.id == report_id))
    if report is None or not can_read(session, principal, report):
        raise ReportNotFound(report_id)
    version = session.get(ReportVersion, (report.id, report.current_version))
    assert version is not None  # noqa: S101 - current_version always exists
    return Outcome(report, version)


def list_versions(session: Session, principal: Principal,
                  report_id: str) -> tuple[Report, list[ReportVersion]]:
    report = get_report(session, principal, report_id).report
    versions = session.scalars(select(ReportVersion).where(ReportVersion.report_id == report.id)
                               .order_by(ReportVersion.version)).all()
    return report, list(versions)


@dataclass(frozen=True)
class ReportFilter:
    state: str | None = None
    period_start: date | None = None
    period_end: date | None = None  # exclusive
    status: str | None = None
    origin: str | None = None
    destination: str | None = None
    mode: str | None = None


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"r{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The position a cursor stands for, or ValueError for anything we did not issue."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise ValueError("not a cursor this API issued") from None
    # isascii: str.isdigit also accepts other scripts' digits; the bound keeps the value
    # inside PostgreSQL's bigint, which would otherwise fail the query instead of the cursor.
    if not raw.startswith("r") or not raw[1:].isascii() or not raw[1:].isdigit() \
            or int(raw[1:]) >= 2**63:
        raise ValueError("not a cursor this API issued")
    return int(raw[1:])


def list_reports(session: Session, principal: Principal, filters: ReportFilter, *,
                 limit: int, cursor: str | None = None) -> tuple[list[Outcome], str | None]:
    """A page of readable reports, newest first, and the cursor of the next page."""
    query = select(Report, ReportVersion).join(
        ReportVersion, (ReportVersion.report_id == Report.id)
        & (ReportVersion.version == Report.current_version)
    ).where(visible_reports(principal))
    if filters.state:
        query = query.where(Report.state_iso3 == filters.state)
    if filters.period_start:
        query = query.where(Report.incident_date >= filters.period_start)
    if filters.period_end:
        query = query.where(Report.incident_date < filters.period_end)
    if filters.status:
        query = query.where(Report.status == filters.status)
    if filters.origin:
        query = query.where(Report.origin_countries.contains(f",{filters.origin},"))
    if filters.destination:
        query = query.where(Report.intended_destination == filters.destination)
    if filters.mode:
        query = query.where(Report.transport_mode == filters.mode)
    if cursor:
        query = query.where(Report.seq < decode_cursor(cursor))
    rows = session.execute(query.order_by(Report.seq.desc()).limit(limit + 1)).all()
    page = [Outcome(report, version) for report, version in rows[:limit]]
    next_cursor = encode_cursor(rows[limit - 1][0].seq) if len(rows) > limit else None
    return page, next_cursor


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
        raise StateSignatureInvalid(f"{kid!r} is not a registered key of {state}")
    try:
        Ed25519PublicKey.from_public_bytes(bytes(key.public_key)).verify(
            b64url_decode(signature), canonical_bytes(document))
    except (ValueError, InvalidSignature, rfc8785.CanonicalizationError):
        raise StateSignatureInvalid(
            "the signature does not verify over the canonical body") from None
    return StateSignature(key_id=kid, signature=signature)
