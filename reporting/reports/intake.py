"""Report bodies coming in: new reports, batches of them, and amendments.

The one path every report body takes, whoever sends it (the API's single and batch
routes, later the CLI and the import):

    submit_report / submit_batch / amend_report
      → _accept: the Idempotency-Key's earlier answer, if any; else the schema,
        cross-field rules and personal-data guard (bodies.load), and the
        State-Signature, if any (service.check_state_signature)
      → rows, canonical body, SHA-256; no lock taken yet       (_prepare)
      → the group commit, which calls store_submissions        (UnitOfWork.write_grouped)
      → the log: signed receipts at consecutive indexes        (Ledger.record_many)

Nothing here knows HTTP: every refusal is a domain error carrying its problem type
(``reporting.errors``); a batch answers each position with an ``Outcome`` or the error.

A batch's ``Idempotency-Key`` makes every position retry-safe on its own: the report at
position i is keyed ``"<key> <i>"``. Client keys are visible ASCII without spaces, so
these never collide with the key of a single submission.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from reporting.accounts.service import Principal
from reporting.bodies import load
from reporting.db import utcnow
from reporting.directory.models import MemberState
from reporting.directory.service import get_member_state
from reporting.errors import DatabaseUnavailable, ProblemError
from reporting.group_commit import CommitUnclear, SlotResult
from reporting.ledger.canonical import canonical_bytes, sha256_hex
from reporting.ledger.log import Recorded
from reporting.reports import facts, lifecycle
from reporting.reports.models import (
    IdempotencyKey,
    Report,
    ReportEvent,
    ReportVersion,
    VersionFact,
    VersionFigures,
)
from reporting.reports.schemas import REPORT_SCHEMA, normalise
from reporting.reports.service import (
    REPORT_CHANGED,
    IdempotencyConflict,
    Outcome,
    StateSignature,
    StorageConflict,
    add_version,
    check_state_signature,
    check_writer,
    filter_columns,
    receipt_fields,
    receipt_of,
    version_row,
)
from reporting.unit_of_work import Actor, UnitOfWork

REPORT_INVALID = "Invalid report data"
# The audit trail's action for a new report (one entry per report, batches included).
SUBMIT_ACTION = "report.submit"
# An auto-approval is audited as the approval it is (reports.service.approve).
APPROVE_ACTION = "report.approve"

# Bind parameters per IN list: below SQLite's historical limit of 999 variables.
_KEYS_PER_QUERY = 500


def request_fingerprint(method: str, path: str, body: Any) -> str:
    """SHA-256 of the request as an idempotency key binds it.

    Uses sorted-key JSON rather than RFC 8785 because the body is not yet validated and
    may hold values JCS refuses (huge integers); this hash is never signed.
    """
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(f"{method} {path}\n{text}".encode()).hexdigest()


def key_digest(key: str) -> str:
    """What is stored of an Idempotency-Key: its SHA-256, never the key.

    A key is client text (some clients put a case number or a name in it); only its
    hash is needed to recognise a retry.
    """
    return hashlib.sha256(key.encode()).hexdigest()


def position_key(key: str, index: int) -> str:
    """The Idempotency-Key of a batch's position ``index``."""
    return f"{key} {index}"


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
    # Who sent it, for its audit entry: a group commits many requests' submissions.
    actor: Actor = Actor()


# ---- idempotency ------------------------------------------------------------------------


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


def _replay(session: Session, state: str, key: str | None, fingerprint: str) -> Outcome | None:
    if key is None:
        return None
    return _replay_digest(session, state, key_digest(key), fingerprint)


def _replay_digest(session: Session, state: str, digest: str,
                   fingerprint: str) -> Outcome | None:
    return replay_of(session, session.get(IdempotencyKey, (state, digest)), fingerprint)


def stored_keys(session: Session, state: str, keys: Sequence[str]) -> dict[str, IdempotencyKey]:
    """Those of ``keys`` the state has used before, by key, in one query per 500 keys.

    For a batch, whose every position has a key: one lookup for the batch instead of
    one for each of up to 1,000 positions.
    """
    by_digest = {key_digest(key): key for key in keys}
    digests = list(by_digest)
    found: dict[str, IdempotencyKey] = {}
    for start in range(0, len(digests), _KEYS_PER_QUERY):
        chunk = digests[start:start + _KEYS_PER_QUERY]
        found.update((by_digest[row.key], row) for row in session.scalars(
            select(IdempotencyKey).where(IdempotencyKey.state_iso3 == state,
                                         IdempotencyKey.key.in_(chunk))))
    return found


def _fingerprint(key: str | None, path: str, document: Any) -> str:
    # Only a key binds the request: without one, there is nothing to hash it for.
    return "" if key is None else request_fingerprint("POST", path, document)


# ---- new reports ------------------------------------------------------------------------


def _prepare(session: Session, principal: Principal, state: str, data: dict[str, Any],
             key: str | None, fingerprint: str,
             state_signature: StateSignature | None, actor: Actor) -> Submission:
    """Everything about a new report that needs no lock: its id, rows and canonical body."""
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
                "approved_version": None,
                **filter_columns(body)},
        event={"report_id": report_id, "version": 1, "action": lifecycle.SUBMIT,
               "status_after": status, "reason": None, "actor_token_id": principal.token_id,
               "at": now, "log_index": None},
        version=version_row(report_id, 1, canonical, digest, now, principal, state_signature),
        receipt=receipt_fields(report_id, 1, state, now, digest, state_signature),
        idempotency=None if key is None else {
            "state_iso3": state, "key": key_digest(key), "request_sha256": fingerprint,
            "report_id": report_id, "version": 1, "created_at": now},
        actor=actor)


def prepare_submission(session: Session, principal: Principal, data: dict[str, Any], *,
                       idempotency_key: str | None = None, fingerprint: str = "",
                       state_signature: StateSignature | None = None,
                       actor: Actor | None = None) -> Submission:
    """A validated body's submission, as ``submit_report`` builds it (for tools and tests)."""
    return _prepare(session, principal, check_writer(principal), data, idempotency_key,
                    fingerprint, state_signature, actor or Actor())


# Built once: constructing a statement and computing its cache key cost about as much
# as sending it, and these run for every submission.
_INSERT_REPORTS = insert(Report.__table__)
_INSERT_EVENTS = insert(ReportEvent.__table__)
_INSERT_VERSIONS = insert(ReportVersion.__table__)
_INSERT_KEYS = insert(IdempotencyKey.__table__)
_INSERT_FIGURES = insert(VersionFigures.__table__)
_INSERT_FACTS = insert(VersionFact.__table__)


def store_submissions(unit: UnitOfWork, submissions: Sequence[Submission]) -> list[Outcome]:
    """Write new reports with their versions, events and signed receipts, in order.

    One multi-row statement per table, whatever the number of submissions, in the unit's
    transaction. The report and event rows go first so that the log's lock, taken by
    ``record_many``, is held for as few statements as possible. The reports of states
    that auto-approve are approved here (``_auto_approved``): one settings query for the
    group, their approval receipts in the same ``record_many``.
    """
    # The session's connection, not session.execute: plain Core rows need none of the
    # ORM's execution layer, which costs about a fifth of each statement.
    connection = unit.session.connection()
    approving = _auto_approving(connection, {item.report["state_iso3"] for item in submissions})
    if approving:
        submissions = [_auto_approved(item) if item.report["state_iso3"] in approving
                       else item for item in submissions]
    connection.execute(_INSERT_REPORTS, [item.report for item in submissions])
    connection.execute(_INSERT_EVENTS, [item.event for item in submissions])
    approved = [item for item in submissions if item.report["approved_version"] is not None]
    recorded = unit.ledger.record_many(
        unit.session, [item.receipt for item in submissions]
        + [{**{name: item.receipt[name] for name in _EVENT_FIELDS}, "event": "approved"}
           for item in approved])
    versions = [{**item.version, "log_index": entry.index}
                for item, entry in zip(submissions, recorded, strict=False)]
    connection.execute(_INSERT_VERSIONS, versions)
    if keys := [item.idempotency for item in submissions if item.idempotency]:
        connection.execute(_INSERT_KEYS, keys)
    for item in submissions:
        unit.record(SUBMIT_ACTION, object_type="report", object_id=item.report["id"],
                    object_state=item.report["state_iso3"], actor=item.actor)
    if approved:
        _store_approvals(unit, approved, recorded[len(submissions):])
    return [Outcome(Report(**item.report), ReportVersion(**row), receipt=entry.receipt)
            for item, row, entry in zip(submissions, versions, recorded, strict=False)]


# What an event's receipt repeats of its version's (service._log_event).
_EVENT_FIELDS = ("report_id", "version", "state", "received_at", "content_sha256")


def _auto_approving(connection: Connection, states: set[str]) -> set[str]:
    """Those of ``states`` whose reports are approved as they arrive (one query)."""
    return set(connection.execute(select(MemberState.iso3).where(
        MemberState.iso3.in_(states), MemberState.auto_approve.is_(True))).scalars())


def _auto_approved(item: Submission) -> Submission:
    """The submission as approved on arrival: what ``service.approve`` does to a stored
    version, done to its rows before they are written."""
    status = lifecycle.next_status(item.report["status"], lifecycle.APPROVE)
    return replace(item, report={**item.report, "status": status, "approved_version": 1},
                   version={**item.version, "status": status})


def _store_approvals(unit: UnitOfWork, approved: Sequence[Submission],
                     receipts: Sequence[Recorded]) -> None:
    """The approval events, figures and facts, and outbox rows of auto-approved reports."""
    connection = unit.session.connection()
    events, figures, facts_rows = [], [], []
    for item, entry in zip(approved, receipts, strict=True):
        report = item.report
        events.append({**item.event, "action": lifecycle.APPROVE,
                       "status_after": report["status"], "log_index": entry.index})
        body = json.loads(item.version["body"])
        figures.append(facts.figures_row(report["id"], 1, report["state_iso3"],
                                         body["sharing"], body))
        facts_rows.extend(facts.fact_rows(report["id"], 1, body))
    connection.execute(_INSERT_EVENTS, events)
    connection.execute(_INSERT_FIGURES, figures)
    if facts_rows:
        connection.execute(_INSERT_FACTS, facts_rows)
    for item in approved:
        unit.add_outbox(REPORT_CHANGED, {"report_id": item.report["id"],
                                         "state": item.report["state_iso3"],
                                         "event": "approved"})
        unit.record(APPROVE_ACTION, object_type="report", object_id=item.report["id"],
                    object_state=item.report["state_iso3"], actor=item.actor)


def _stored_before(session: Session, submission: Submission) -> Outcome | None:
    """The submission as stored, when an earlier attempt at storing it did commit.

    A COMMIT can fail on the client's side after the server committed (the connection
    dropped while the answer was on its way); the group is then retried item by item,
    or its callers look for themselves. A submission found stored is answered as stored,
    with its receipt: an error would invite the client to send it twice.
    """
    report = session.scalar(select(Report).where(Report.id == submission.report["id"]))
    if report is None:
        return None
    version = session.get(ReportVersion, (report.id, 1))
    if version is None or version.content_sha256 != submission.version["content_sha256"]:
        return None
    return Outcome(report, version, receipt=receipt_of(session, version))


def settle(unit: UnitOfWork, state: str, submission: Submission,
            result: SlotResult[Outcome]) -> Outcome:
    """The answer to one stored (or not stored) submission; raises a domain error."""
    error = result.error
    if error is None:
        return result.unwrap()
    session = unit.session
    if isinstance(error, IntegrityError):
        # A unique key failed with this item alone in its transaction: either this very
        # submission is stored already, or a concurrent request took its Idempotency-Key
        # first (answer as that one did, or 409).
        session.rollback()
        if (stored := _stored_before(session, submission)) is not None:
            return stored
        keyed = submission.idempotency
        replay = None if keyed is None else _replay_digest(session, state, keyed["key"],
                                                           keyed["request_sha256"])
        if replay is None:
            raise StorageConflict()
        return replay
    if isinstance(error, CommitUnclear):
        try:
            session.rollback()
            stored = _stored_before(session, submission)
        except DBAPIError:
            raise DatabaseUnavailable() from None
        if stored is not None:
            return stored
        raise DatabaseUnavailable(
            "The connection to the database failed while this report was being committed, "
            "and it was not stored. Retry the request with the same Idempotency-Key.")
    return result.unwrap()


@dataclass(frozen=True)
class _Accepted:
    """A body that passed every check a new version needs before anything is stored."""

    state: str
    fingerprint: str
    data: dict[str, Any]
    signature: StateSignature | None


def _accept(session: Session, principal: Principal, document: Any, path: str,
            key: str | None, signature_header: str | None) -> Outcome | _Accepted:
    """The earlier answer to this Idempotency-Key, or the checked body (or a refusal)."""
    state = check_writer(principal)
    fingerprint = _fingerprint(key, path, document)
    if (replay := _replay(session, state, key, fingerprint)) is not None:
        return replay
    data = load(REPORT_SCHEMA, document, title=REPORT_INVALID)
    signature = None if signature_header is None else check_state_signature(
        session, state, signature_header, document)
    return _Accepted(state, fingerprint, data, signature)


def submit_report(unit: UnitOfWork, principal: Principal, document: Any, *, path: str,
                  idempotency_key: str | None = None,
                  signature_header: str | None = None) -> Outcome:
    """Accept a new report: validate it, store it with its signed receipt, or refuse.

    ``document`` is the JSON body as sent. Stored through the process's group commit:
    the unit of work must hold no uncommitted writes.
    """
    session = unit.session
    accepted = _accept(session, principal, document, path, idempotency_key, signature_header)
    if isinstance(accepted, Outcome):
        return accepted
    state = accepted.state
    submission = _prepare(session, principal, state, accepted.data, idempotency_key,
                          accepted.fingerprint, accepted.signature, unit.actor)
    # Only reads so far. On SQLite the transaction ends before the submission joins a
    # group: it holds the database's write lock from BEGIN, and whichever request leads
    # the group (this one or another) needs that lock to write.
    unit.end_reads()
    [result] = unit.write_grouped(store_submissions, [submission])
    return settle(unit, state, submission, result)


def _check_item(session: Session, principal: Principal, state: str, path: str,
                key: str | None, index: int, item: Any,
                used: dict[str, IdempotencyKey], actor: Actor) -> Outcome | Submission:
    own_key = None if key is None else position_key(key, index)
    fingerprint = _fingerprint(own_key, path, item)
    replay = replay_of(session, used.get(own_key) if own_key else None, fingerprint)
    if replay is not None:
        return replay
    if not isinstance(item, dict):
        raise ProblemError(422, "Each item of `reports` must be a report (a JSON object).",
                           problem="validation-error", title=REPORT_INVALID)
    data = load(REPORT_SCHEMA, item, title=REPORT_INVALID)
    return _prepare(session, principal, state, data, own_key, fingerprint, None, actor)


def submit_batch(unit: UnitOfWork, principal: Principal, items: list[Any], *, path: str,
                 key: str | None = None) -> list[Outcome | ProblemError]:
    """One answer per item, in order: its outcome, or the domain error that refused it.

    Each item gets the checks of a single submission; the valid ones are stored through
    the same group commit (in groups of its bounded size). Not all-or-nothing: an invalid
    item is left out and the others are stored.
    """
    state = check_writer(principal)
    session = unit.session
    answers: dict[int, Outcome | ProblemError] = {}
    pending: list[tuple[int, Submission]] = []
    used = {} if key is None else stored_keys(
        session, state, [position_key(key, index) for index in range(len(items))])
    for index, item in enumerate(items):
        try:
            checked = _check_item(session, principal, state, path, key, index, item, used,
                                  unit.actor)
        except ProblemError as exc:
            answers[index] = exc
            continue
        if isinstance(checked, Submission):
            pending.append((index, checked))
        else:
            answers[index] = checked
    unit.end_reads()
    results = unit.write_grouped(store_submissions, [s for _, s in pending])
    for (index, submission), result in zip(pending, results, strict=True):
        try:
            answers[index] = settle(unit, state, submission, result)
        except ProblemError as exc:
            answers[index] = exc
    return [answers[index] for index in range(len(items))]


# ---- amendments ---------------------------------------------------------------------------


def amend_report(unit: UnitOfWork, principal: Principal, report_id: str, document: Any, *,
                 path: str, idempotency_key: str | None = None,
                 signature_header: str | None = None) -> Outcome:
    """Accept a body as the next version of the caller's own report.

    A body without ``sharing`` keeps the report's current level.
    """
    session = unit.session
    accepted = _accept(session, principal, document, path, idempotency_key, signature_header)
    if isinstance(accepted, Outcome):
        return accepted
    state, fingerprint = accepted.state, accepted.fingerprint
    outcome = add_version(unit, principal, report_id, accepted.data, accepted.signature)
    if idempotency_key is None:
        return outcome
    session.add(IdempotencyKey(state_iso3=state, key=key_digest(idempotency_key),
                               request_sha256=fingerprint, report_id=report_id,
                               version=outcome.version.version))
    try:
        session.flush()
    except IntegrityError:
        # A concurrent request took the key first: this amendment is not stored, and
        # the answer is that request's (or a 409).
        unit.rollback()
        replay = _replay(session, state, idempotency_key, fingerprint)
        if replay is None:
            raise StorageConflict() from None
        return replay
    return outcome
