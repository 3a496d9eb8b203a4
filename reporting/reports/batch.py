"""Batch submission: many reports in one request, one result for each (SPEC §3).

Each report goes through the same checks as a single submission (idempotency, schema,
cross-field rules, personal-data guard) and gets its own answer: a receipt, or a problem
document. The valid ones are then stored together: one transaction, one log append of n
receipts, one commit. The batch is not all-or-nothing: an invalid report is left out
and the others are stored.

An ``Idempotency-Key`` on the batch makes every position retry-safe on its own: the
report at position i is keyed ``"<key> <i>"``. Client keys are visible ASCII without
spaces, so these never collide with the key of a single submission. A retried batch
answers 200 with the same receipt for what was stored, stores what was not, and
rejects again what is still invalid.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reporting.accounts.service import Principal
from reporting.bodies import load
from reporting.db import end_reads
from reporting.errors import ProblemError, document_of, problem_document
from reporting.ledger.log import Ledger
from reporting.reports import service
from reporting.reports.models import IdempotencyKey
from reporting.reports.schemas import REPORT_SCHEMA

Store = Callable[[Session, service.Submission], service.Outcome]


def position_key(key: str, index: int) -> str:
    return f"{key} {index}"


def _instance(path: str, index: int) -> str:
    return f"{path}#/reports/{index}"


def _stored(index: int, outcome: service.Outcome) -> dict[str, Any]:
    return {"index": index, "status": 200 if outcome.replayed else 201,
            "id": outcome.report.id, "version": outcome.version.version,
            "report_status": outcome.report.status, "receipt": outcome.receipt}


def _conflict(index: int, path: str, exc: service.IdempotencyConflict) -> dict[str, Any]:
    return {"index": index, "status": 409, "problem": problem_document(
        409, str(exc), problem="idempotency-conflict", instance=_instance(path, index))}


def _check(session: Session, principal: Principal, path: str, key: str | None, index: int,
           item: Any, used: dict[str, IdempotencyKey]) -> dict[str, Any] | service.Submission:
    """A position's answer if it needs no storing, else its prepared submission.

    ``used``: the batch's position keys stored before, looked up for all positions at once.
    """
    own_key = None if key is None else position_key(key, index)
    fingerprint = service.request_fingerprint("POST", path, item) if own_key else ""
    try:
        replay = service.replay_of(session, used.get(own_key) if own_key else None,
                                   fingerprint)
    except service.IdempotencyConflict as exc:
        return _conflict(index, path, exc)
    if replay is not None:
        return _stored(index, replay)
    try:
        if not isinstance(item, dict):
            raise ProblemError(422, "Each item of `reports` must be a report (a JSON object).",
                               problem="validation-error", title="Invalid report data")
        data = load(REPORT_SCHEMA, item)
    except ProblemError as exc:
        return {"index": index, "status": exc.status,
                "problem": document_of(exc, instance=_instance(path, index))}
    return service.prepare_submission(session, principal, data, idempotency_key=own_key,
                                      fingerprint=fingerprint)


def submit_batch(session: Session, principal: Principal, items: list[Any], *, path: str,
                 key: str | None, ledger: Ledger, store: Store) -> list[dict[str, Any]]:
    """One result per item, in order; the valid items stored in one transaction.

    ``store`` stores one submission on its own; it is used only when the group fails
    on a unique key, i.e. when a concurrent request took one of the positions' keys.
    """
    results: dict[int, dict[str, Any]] = {}
    pending: list[tuple[int, service.Submission]] = []
    used = {} if key is None else service.stored_keys(
        session, principal, [position_key(key, index) for index in range(len(items))])
    for index, item in enumerate(items):
        checked = _check(session, principal, path, key, index, item, used)
        if isinstance(checked, service.Submission):
            pending.append((index, checked))
        else:
            results[index] = checked
    # Only reads so far; as for single submissions, end them before writing.
    end_reads(session)
    if pending:
        try:
            outcomes = service.store_submissions(session, [s for _, s in pending],
                                                 ledger=ledger)
            session.commit()
        except IntegrityError:
            session.rollback()
            outcomes = None
        if outcomes is not None:
            results.update((index, _stored(index, outcome))
                           for (index, _), outcome in zip(pending, outcomes, strict=True))
        else:
            for index, submission in pending:
                try:
                    outcome = service.submit_prepared(session, principal, submission, store)
                except service.IdempotencyConflict as exc:
                    results[index] = _conflict(index, path, exc)
                else:
                    results[index] = _stored(index, outcome)
    return [results[index] for index in range(len(items))]
