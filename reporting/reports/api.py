"""HTTP handlers for reports: parse, call the service, render."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from reporting.accounts.auth import current_principal, optional_principal, requires
from reporting.accounts.roles import REPORT_WRITERS, REPORTS_READ, REPORTS_WRITE, STATE_ADMIN
from reporting.audit.service import READ, READ_IN_LIST, READ_VERSIONS, record_reads
from reporting.bodies import json_body, load
from reporting.db import request_session
from reporting.errors import ProblemError, ValidationProblem, document_of
from reporting.examples import example
from reporting.ledger.log import tree_size
from reporting.ledger.schemas import MAX_ENTRIES, EntriesQuerySchema, EntriesSchema
from reporting.openapi import problems
from reporting.reports import intake, lifecycle, schemas, service, sharing
from reporting.unit_of_work import current_ledger, own_unit, request_unit, transactional

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports",
                description="Submit, amend, withdraw and read incident reports.")



def _json_body(schema: Any, name: str, summary: str, *, required: bool = True) -> dict:
    """A request body documented with the example shipped as reporting/examples/NAME.json
    (the same file the repository's examples/ points to, checked by tests/test_examples)."""
    return {"required": required, "content": {"application/json": {
        "schema": schema, "examples": {name: {"summary": summary, "value": example(name)}}}}}


REPORT_BODY = _json_body(schemas.ReportSchema, "report",
                         "A sea arrival: migrants, harm, smugglers and a narrative")
AMENDMENT_BODY = _json_body(schemas.ReportSchema, "amendment",
                            "The same incident corrected: the full body of the new version")
IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255,
               "pattern": "^[\\x21-\\x7e]+$"},
    "description": "Retry-safe submission: the same key and body return the same report "
                   "(200); the same key with another body is a 409.",
}
# Each position of a batch is keyed "<key> <index>" (reports/batch.py), within the 255
# characters a stored key may have.
BATCH_KEY_LENGTH = 250
BATCH_IDEMPOTENCY_HEADER = {
    **IDEMPOTENCY_HEADER,
    "schema": {**IDEMPOTENCY_HEADER["schema"], "maxLength": BATCH_KEY_LENGTH},
    "description": "Makes every position of the batch retry-safe: a report stored before "
                   "under this key at the same position answers 200 with its receipt; "
                   "another report at that position is a 409 for that item.",
}
BATCH_BODY = _json_body(schemas.BatchSchema, "batch",
                        "Two reports in one upload: an airport case and a land crossing")
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422, 503)


def _report_link(path: str, method: str, description: str) -> dict[str, Any]:
    # operationRef (a JSON pointer into this document): the operations have no ids.
    pointer = "#/paths/" + f"{blp.url_prefix}/{{report_id}}{path}".replace("/", "~1")
    return {"operationRef": f"{pointer}/{method}", "description": description,
            "parameters": {"report_id": "$response.body#/id"}}


# OpenAPI links from an accepted version to what can be done with its report next, so
# that a generic client (and the stateful fuzzing in the tests) can follow them.
REPORT_LINKS = {"links": {
    "GetReport": _report_link("", "get", "The report's newest version"),
    "ListVersions": _report_link("/versions", "get", "Every version of the report"),
    "Amend": _report_link("/versions", "post", "Amend the report"),
    "Withdraw": _report_link("/withdraw", "post", "Withdraw the report"),
}}
SUBMITTED_LINKS = {"responses": {201: REPORT_LINKS, 200: REPORT_LINKS}}
STATE_SIGNATURE_PATTERN = "^[0-9a-f]{1,16}:[A-Za-z0-9_-]+$"
STATE_SIGNATURE_FORM = re.compile(STATE_SIGNATURE_PATTERN.strip("^$"))
STATE_SIGNATURE_HEADER = {
    "name": "State-Signature", "in": "header", "required": False,
    "schema": {"type": "string", "pattern": STATE_SIGNATURE_PATTERN},
    "description": "`<key id>:<base64url Ed25519 signature>` by a key the state registered, "
                   "over the RFC 8785 canonical form of the JSON body as sent.",
}


def _idempotency_key(longest: int = 255) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not 1 <= len(key) <= longest or not all(33 <= ord(c) <= 126 for c in key):
        raise ValidationProblem(
            {"Idempotency-Key": [f"1 to {longest} visible ASCII characters, no spaces."]},
            detail="The Idempotency-Key header is malformed.", location="header")
    return key


def _report_id(report_id: uuid.UUID) -> str:
    # Report ids are UUIDs, and the routes take nothing else: "/reports/batch" is then no
    # report, and a malformed id is a 404 before it can reach the database.
    return str(report_id)


def _submitted(outcome: service.Outcome, created: int) -> tuple[dict, int]:
    body = {"id": outcome.report.id, "version": outcome.version.version,
            "status": outcome.report.status, "receipt": outcome.receipt}
    return body, 200 if outcome.replayed else created


def _resource(outcome: service.Outcome) -> dict[str, Any]:
    """A report as the caller sees it: another state sees its approved version only."""
    report, version = outcome.report, outcome.version
    return {"id": report.id, "state": report.state_iso3, "version": version.version,
            "status": outcome.status, "sharing": report.sharing,
            "approved_version": report.approved_version,
            # Another state's updated_at is when its approved version was received: the
            # report's own moves with an amendment awaiting review, which it must not see.
            "created_at": report.created_at,
            "updated_at": report.updated_at if outcome.owner_view else version.received_at,
            "content_sha256": version.content_sha256, "report": service.parse_body(version),
            **({"return_reason": outcome.return_reason} if outcome.return_reason else {})}


def _record_reads(action: str, reports: list[Any]) -> None:
    """Record the caller's reads of other states' reports, once the answer is computed,
    in a short unit of work: if it cannot be recorded, the answer is not sent."""
    reader = current_principal().state
    if any(report.state_iso3 != reader for report in reports):
        session = request_session()
        with own_unit(session) as unit:
            record_reads(unit, reader, action,
                         [(report.id, report.state_iso3) for report in reports])


def _reciprocity() -> sharing.Reciprocity | None:
    """The installation's reciprocity rule for reads of other states' reports, if on."""
    settings = current_app.config["VRS_SETTINGS"]
    return sharing.Reciprocity(settings.reciprocity_months) if settings.reciprocity else None


def _signature_header() -> str | None:
    header = request.headers.get("State-Signature")
    # Checked here, before a replay can answer: a malformed header is refused even when the
    # Idempotency-Key and body were stored before (schemathesis found the gap once the
    # OpenAPI document carried a valid example body to replay).
    if header is not None and not STATE_SIGNATURE_FORM.fullmatch(header):
        raise service.StateSignatureInvalid("not of the form <key id>:<base64url signature>")
    return header


@blp.route("")
class Reports(MethodView):
    @blp.doc(requestBody=REPORT_BODY, parameters=[IDEMPOTENCY_HEADER, STATE_SIGNATURE_HEADER],
             summary="Submit a new report", **SUBMITTED_LINKS)
    @blp.response(201, schemas.SubmittedSchema, description="Accepted as version 1")
    @blp.alt_response(200, schema=schemas.SubmittedSchema,
                      description="Replay of an earlier request with the same Idempotency-Key")
    @problems(blp, *WRITE_ERRORS)
    @requires(REPORTS_WRITE, REPORT_WRITERS)
    @transactional
    def post(self) -> tuple[dict, int]:
        outcome = intake.submit_report(
            request_unit(), current_principal(), json_body(), path=request.path,
            idempotency_key=_idempotency_key(), signature_header=_signature_header())
        return _submitted(outcome, 201)

    @blp.arguments(schemas.ReportQuerySchema, location="query", as_kwargs=True,
                   unknown=RAISE)
    @blp.response(200, schemas.ReportPageSchema)
    @problems(blp, 401, 403, 422)
    @requires(REPORTS_READ)
    def get(self, limit: int, cursor: str | None = None, period: str | None = None,
            **filters: str) -> dict[str, Any]:
        """List the reports the caller may read, newest first."""
        start, end = schemas.period_range(period) if period else (None, None)
        page_filter = service.ReportFilter(period_start=start, period_end=end, **filters)
        items, next_cursor = service.list_reports(
            request_session(), current_principal(), page_filter, limit=limit, cursor=cursor,
            reciprocity=_reciprocity())
        page = {"items": [_resource(item) for item in items], "next_cursor": next_cursor}
        _record_reads(READ_IN_LIST, [item.report for item in items])
        return page



@blp.route("/batch")
class ReportBatch(MethodView):
    @blp.doc(requestBody=BATCH_BODY, parameters=[BATCH_IDEMPOTENCY_HEADER],
             summary="Submit up to 1,000 reports")
    @blp.response(200, schemas.BatchResultSchema,
                  description="One result per report, in order: a receipt or a problem. "
                              "The valid reports are stored even when others are not.")
    @problems(blp, 400, 401, 403, 413, 415, 422, 503)
    @requires(REPORTS_WRITE, REPORT_WRITERS)
    @transactional
    def post(self) -> dict[str, Any]:
        """Submit many reports at once; each is checked and answered on its own."""
        # Set before the body is read: a batch may be larger than a single report.
        request.max_content_length = current_app.config["VRS_SETTINGS"].max_batch_bytes
        if "State-Signature" in request.headers:
            raise ValidationProblem(
                {"State-Signature": ["State signatures are for single submissions "
                                     "(POST /reports); a batch cannot carry one per report."]},
                problem="state-signature-invalid", title="State signature not accepted here",
                location="header")
        key = _idempotency_key(BATCH_KEY_LENGTH)
        envelope = load(schemas.BATCH_ENVELOPE, json_body())
        answers = intake.submit_batch(request_unit(), current_principal(),
                                      envelope["reports"], path=request.path, key=key)
        results = [_batch_result(index, answer) for index, answer in enumerate(answers)]
        accepted = sum(1 for result in results if result["status"] in (200, 201))
        return {"accepted": accepted, "rejected": len(results) - accepted,
                "results": results}


def _batch_result(index: int, answer: service.Outcome | ProblemError) -> dict[str, Any]:
    """A batch position's answer: its receipt, or its problem document."""
    if isinstance(answer, ProblemError):
        return {"index": index, "status": answer.status,
                "problem": document_of(answer, instance=f"{request.path}#/reports/{index}")}
    return {"index": index, "status": 200 if answer.replayed else 201,
            "id": answer.report.id, "version": answer.version.version,
            "report_status": answer.report.status, "receipt": answer.receipt}


@blp.route("/approve")
class ReportBulkApproval(MethodView):
    @blp.doc(requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.BulkApprovalSchema}}})
    @blp.response(200, schemas.BulkApprovalResultSchema,
                  description="One result per id, in order: the approval's receipt or a "
                              "problem. The others are approved even when some are not.")
    @problems(blp, 400, 401, 403, 413, 415, 422, 503)
    @requires(REPORTS_WRITE, frozenset({STATE_ADMIN}))
    @transactional
    def post(self) -> dict[str, Any]:
        """A state admin approves up to 1,000 reports of the state in one transaction."""
        # A list of ids is a batch: 1,001 long ids must meet the 422 of "at most 1,000"
        # rather than the single-report size limit's 413.
        request.max_content_length = current_app.config["VRS_SETTINGS"].max_batch_bytes
        ids = load(schemas.BulkApprovalSchema(), json_body())["ids"]
        answers = service.approve_many(request_unit(), current_principal(), ids)
        results = [_approval_result(index, report_id, answer) for index, (report_id, answer)
                   in enumerate(zip(ids, answers, strict=True))]
        approved = sum(1 for result in results if result["status"] == 200)
        return {"approved": approved, "rejected": len(results) - approved,
                "results": results}


def _approval_result(index: int, report_id: str,
                     answer: dict[str, Any] | ProblemError) -> dict[str, Any]:
    if isinstance(answer, ProblemError):
        return {"id": report_id, "status": answer.status,
                "problem": document_of(answer, instance=f"{request.path}#/ids/{index}")}
    return {"id": report_id, "status": 200, "receipt": answer}


@blp.route("/<uuid:report_id>")
class ReportItem(MethodView):
    @blp.response(200, schemas.ReportResourceSchema)
    @problems(blp, 401, 403, 404)
    @requires(REPORTS_READ)
    def get(self, report_id: uuid.UUID) -> dict[str, Any]:
        """The newest version of a report."""
        outcome = service.get_report(request_session(), current_principal(),
                                     _report_id(report_id), reciprocity=_reciprocity())
        resource = _resource(outcome)
        _record_reads(READ, [outcome.report])
        return resource


@blp.route("/<uuid:report_id>/versions")
class ReportVersions(MethodView):
    @blp.response(200, schemas.VersionListSchema)
    @problems(blp, 401, 403, 404)
    @requires(REPORTS_READ)
    def get(self, report_id: uuid.UUID) -> dict[str, Any]:
        """Every version of a report, oldest first."""
        session = request_session()
        seen, versions = service.list_versions(session, current_principal(),
                                               _report_id(report_id),
                                               reciprocity=_reciprocity())
        receipts = service.receipts_at(session, [v.log_index for v in versions])
        answer = {"id": seen.report.id, "status": seen.status, "versions": [
            {"version": v.version, "received_at": v.received_at,
             "content_sha256": v.content_sha256, "receipt": receipts[v.log_index],
             "state_signed": v.state_signature is not None,
             "report": service.parse_body(v)} for v in versions]}
        _record_reads(READ_VERSIONS, [seen.report])
        return answer

    @blp.doc(requestBody=AMENDMENT_BODY, parameters=[IDEMPOTENCY_HEADER, STATE_SIGNATURE_HEADER],
             summary="Amend a report (a new version)", **SUBMITTED_LINKS)
    @blp.response(201, schemas.SubmittedSchema, description="Accepted as a new version")
    @blp.alt_response(200, schema=schemas.SubmittedSchema,
                      description="Replay of an earlier request with the same Idempotency-Key")
    @problems(blp, *WRITE_ERRORS)
    @requires(REPORTS_WRITE, REPORT_WRITERS)
    @transactional
    def post(self, report_id: uuid.UUID) -> tuple[dict, int]:
        outcome = intake.amend_report(
            request_unit(), current_principal(), _report_id(report_id), json_body(),
            path=request.path, idempotency_key=_idempotency_key(),
            signature_header=_signature_header())
        return _submitted(outcome, 201)



@blp.route("/<uuid:report_id>/withdraw")
class ReportWithdrawal(MethodView):
    @blp.doc(requestBody=_json_body(schemas.WithdrawSchema, "withdrawal",
                                    "Why the report is withdrawn (optional)",
                                    required=False))
    @blp.response(200, schemas.WithdrawnSchema)
    @problems(blp, *WRITE_ERRORS, 503)
    @requires(REPORTS_WRITE, REPORT_WRITERS)
    @transactional
    def post(self, report_id: uuid.UUID) -> dict[str, Any]:
        """Withdraw a report; its versions stay readable and it no longer counts."""
        report = _report_id(report_id)
        reason = None
        if request.content_length or request.mimetype:
            reason = load(schemas.WithdrawSchema(), json_body()).get("reason")
        unit, principal = request_unit(), current_principal()
        receipt = service.withdraw_report(unit, principal, report, reason)
        resource = _resource(service.get_report(unit.session, principal, report))
        return {**resource, "receipt": receipt}


def _review(report_id: uuid.UUID, action: str, reason: str | None = None) -> dict[str, Any]:
    report = _report_id(report_id)
    unit, principal = request_unit(), current_principal()
    receipt = service.review_report(unit, principal, report, action, reason)
    return {**_resource(service.get_report(unit.session, principal, report)),
            "receipt": receipt}


@blp.route("/<uuid:report_id>/approve")
class ReportApproval(MethodView):
    @blp.response(200, schemas.ReviewedSchema)
    @problems(blp, *WRITE_ERRORS)
    @requires(REPORTS_WRITE, frozenset({STATE_ADMIN}))
    @transactional
    def post(self, report_id: uuid.UUID) -> dict[str, Any]:
        """A state admin approves the newest version of a report of the state: it now
        counts in the summaries it is shared for. Logged with a receipt."""
        return _review(report_id, lifecycle.APPROVE)


@blp.route("/<uuid:report_id>/return")
class ReportReturn(MethodView):
    @blp.doc(requestBody=_json_body(schemas.ReturnSchema, "return",
                                    "What the reporter must correct"))
    @blp.response(200, schemas.ReviewedSchema)
    @problems(blp, *WRITE_ERRORS)
    @requires(REPORTS_WRITE, frozenset({STATE_ADMIN}))
    @transactional
    def post(self, report_id: uuid.UUID) -> dict[str, Any]:
        """A state admin returns the newest version to its reporter, with a reason; an
        amendment submits it again. Logged with a receipt."""
        reason = load(schemas.ReturnSchema(), json_body())["reason"]
        return _review(report_id, lifecycle.RETURN, reason)


@blp.route("/<uuid:report_id>/sharing")
class ReportSharing(MethodView):
    @blp.doc(requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.SharingSchema}}})
    @blp.response(200, schemas.SharingLoweredSchema)
    @problems(blp, *WRITE_ERRORS)
    @requires(REPORTS_WRITE, REPORT_WRITERS)
    @transactional
    def post(self, report_id: uuid.UUID) -> dict[str, Any]:
        """The owning state lowers the report's sharing level: others stop reading it at
        once. Raising needs a new version. Logged with a receipt."""
        level = load(schemas.SharingSchema(), json_body())["sharing"]
        report = _report_id(report_id)
        unit, principal = request_unit(), current_principal()
        receipt = service.lower_sharing(unit, principal, report, level)
        return {**_resource(service.get_report(unit.session, principal, report)),
                "receipt": receipt}


# ---- the log's entries: leaf hashes for everyone, receipts for those who may read them ---

log_blp = Blueprint("log-entries", __name__, url_prefix="/api/v1/log",
                    description="The log's entries: leaf hashes, and the receipts the "
                                "caller may read.")
# A page of leaf hashes never changes once complete; one with receipts is the caller's.
IMMUTABLE = "public, max-age=31536000, immutable"


@log_blp.route("/entries")
class LogEntries(MethodView):
    @log_blp.doc(security=[{}, {"bearerAuth": []}])
    @log_blp.arguments(EntriesQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
    @log_blp.response(200, EntriesSchema)
    @problems(log_blp, 401, 422)
    def get(self, start: int, end: int | None = None) -> tuple[dict[str, Any], int, dict]:
        """Leaf hashes in index order, so that anyone can rebuild the tree; with a token,
        also the signed receipts of the reports the caller may read (SPEC §3)."""
        principal = optional_principal()
        session = request_session()
        size = tree_size(session)
        end = min(end if end is not None else start + MAX_ENTRIES, size, start + MAX_ENTRIES)
        if end < start:
            raise ValidationProblem({"end": ["end must not be before start."]},
                                    location="query")
        leaves = current_ledger().entries(session, start, end)
        readable = service.readable_log_indexes(session, principal, start, end,
                                                reciprocity=_reciprocity())
        complete = end - start == MAX_ENTRIES
        headers = {"Cache-Control": IMMUTABLE if complete and principal is None
                   else "no-cache"}
        return ({"tree_size": size, "entries": [
            {"index": leaf.index, "leaf_hash": bytes(leaf.leaf_hash).hex(),
             **({"entry": bytes(leaf.entry).decode()} if leaf.index in readable else {})}
            for leaf in leaves]}, 200, headers)
