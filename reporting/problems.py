"""What each problem type means: the pages its ``type`` URI resolves to (RFC 9457 §3.1.1).

Every problem document's ``type`` is ``/api/v1/problems/<name>``; a client (or a person
reading a log) can open it. Plain HTTP conditions (404, 405, 413, 415 …) use
``about:blank`` and need no page.
"""

from __future__ import annotations

from html import escape

from flask import Blueprint, Response
from werkzeug.exceptions import NotFound

from reporting.errors import PROBLEM_BASE

# name: (title, what happened, what to do)
PROBLEMS: dict[str, tuple[str, str, str]] = {
    "validation-error": (
        "Invalid data",
        "The body, a query parameter or a header does not satisfy the contract: a wrong "
        "type, a value outside its code list, a total that does not add up, an unknown "
        "field. `errors` names each field path (unknown keys by their position).",
        "Correct the fields named in `errors` and send again; nothing was stored."),
    "personal-data": (
        "Personal data in free text",
        "Reports are non-nominal (SPEC §2): a free-text field holds what looks like a "
        "name, a phone number, an e-mail address, a document number, a date of birth or "
        "another identifier. `errors` gives the field, the kind and the character offsets, "
        "never the text.",
        "Remove or generalise the text at those offsets and send again; nothing was "
        "stored."),
    "malformed-json": (
        "Malformed JSON body",
        "The body is not one unambiguous JSON document: not UTF-8, not JSON, a constant "
        "such as NaN, nested too deeply, or an object with the same key twice.",
        "Send valid JSON (RFC 8259) with unique keys."),
    "idempotency-conflict": (
        "Idempotency-Key used for another request",
        "This Idempotency-Key was used before by your state with a different request "
        "(another body or another path).",
        "Use a new key for a new report; reuse a key only to retry the same request."),
    "lifecycle-conflict": (
        "Not allowed in the report's current status",
        "The report's status does not allow this action (e.g. approving a returned report, "
        "withdrawing a withdrawn one).",
        "Read the report's status; amend it first where the lifecycle requires."),
    "member-state-exists": (
        "Already a member state",
        "POST /states adds a country that takes part already.",
        "Nothing to do; GET /states lists the member states. A suspended state is "
        "reinstated with POST /states/{iso3}/reinstate."),
    "region-exists": (
        "A region or group with that code exists",
        "POST /regions creates a named group whose code is already a group's or an M49 "
        "region's.",
        "Choose another code, or add members to the existing group."),
    "region-not-editable": (
        "M49 regions are not edited here",
        "The members of UN M49 regions and sub-regions follow the UN's list; only named "
        "groups are edited.",
        "Create a named group (POST /regions) with the members you need."),
    "sharing-not-lowered": (
        "Sharing can only be lowered here",
        "POST /reports/{id}/sharing lowers a report's sharing level with effect at once; "
        "the level asked for is not lower than the current one.",
        "To share more widely, amend the report (a new version); it counts once approved."),
    "storage-conflict": (
        "Conflicts with data stored meanwhile",
        "The report could not be stored because it conflicts with data written at the "
        "same time. Nothing was stored.",
        "Read the report's current state, then send again if still needed."),
    "state-signature-invalid": (
        "State signature does not verify",
        "The State-Signature header names no registered, unrevoked key of your state, "
        "or its Ed25519 signature does not verify over the RFC 8785 canonical form of the "
        "body as sent.",
        "Sign the exact body you send (`vrs sign`), with a key registered under "
        "POST /states/{iso3}/keys."),
    "forbidden-role": (
        "Not allowed for this role",
        "Your token's role may not do this (e.g. a reporter approving, an analyst "
        "submitting).",
        "Use a token of a role that may."),
    "insufficient-scope": (
        "Token lacks the scope",
        "Your token was issued without the scope this operation needs.",
        "Ask your state admin or operator for a token with that scope."),
    "database-unavailable": (
        "Database unavailable",
        "The database could not be reached, or was busy beyond its timeouts. What you "
        "sent was not stored, or was stored and can be retrieved by retrying.",
        "Retry after the Retry-After delay with the same Idempotency-Key, so that a "
        "report is stored once."),
    "ledger-unavailable": (
        "Nothing can be signed right now",
        "The service's signing key is not active or cannot be loaded (an operator's "
        "configuration problem). Nothing was stored.",
        "Retry later; operators: see `vrs keys generate` and VRS_KEY_PASSPHRASE."),
    "not-ready": (
        "Not ready",
        "The service is running but cannot serve yet: the database is unreachable, its "
        "schema is not current, or no signing key loads. `detail` says which.",
        "Operators: run the command named in `detail`; clients: retry later."),
    "cosignature-invalid": (
        "Cosignature does not verify",
        "The C2SP cosignature/v1 line is malformed, names a witness your state did not "
        "register, or does not verify over the checkpoint of that size.",
        "Cosign the checkpoint body exactly as served, with your registered witness key."),
    "cosignature-stale": (
        "A newer cosignature is kept",
        "The checkpoint keeps each witness's newest cosignature for a size; this one is "
        "older.",
        "Nothing to do, or cosign the newest checkpoint."),
    "key-rejected": (
        "Key not accepted",
        "The public key cannot be registered: not a 32-byte Ed25519 key, registered "
        "already, or under a witness name that belongs to another state.",
        "Send another key or witness name."),
    "unknown-country": (
        "Unknown country",
        "The code is not an ISO 3166-1 alpha-3 country code.",
        "Use an alpha-3 code such as IDN or AUS."),
    "rate-limited": (
        "Too many requests",
        "This token (or, without one, this client address) sent more writes than its limit "
        "allows, or this address more logins (VRS_RATE_LIMIT_WRITES, VRS_RATE_LIMIT_LOGIN). "
        "Nothing was done.",
        "Wait the number of seconds in Retry-After, then send again (with the same "
        "Idempotency-Key for a submission)."),
    "login-throttled": (
        "Too many failed sign-ins",
        "Repeated failed logins for this e-mail address or from this client address: "
        "further attempts wait (backoff), then are refused for a while (lockout). The "
        "answer is the same whether or not an account has this e-mail address, and the "
        "password is not looked at meanwhile.",
        "Wait the number of seconds in Retry-After; a state admin can help with a "
        "forgotten password."),
    "account-rejected": (
        "Account change not allowed",
        "The account or token request breaks a rule (role and state, scopes beyond the "
        "role, an e-mail address used already).",
        "Correct the request as `detail` says."),
}

blp = Blueprint("problems", __name__, url_prefix=PROBLEM_BASE.rstrip("/"))


def _page(name: str, title: str, what: str, action: str) -> str:
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title></head><body>"
            f"<h1>{escape(title)}</h1><p><code>{escape(PROBLEM_BASE + name)}</code></p>"
            f"<p>{escape(what)}</p><p><strong>What to do:</strong> {escape(action)}</p>"
            "<p><a href=\"./\">All problem types</a></p></body></html>")


@blp.route("/")
def index() -> Response:
    items = "".join(f"<li><a href=\"{escape(name)}\">{escape(title)}</a></li>"
                    for name, (title, _, _) in sorted(PROBLEMS.items()))
    return Response("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<title>Problem types</title></head><body><h1>Problem types</h1>"
                    f"<ul>{items}</ul></body></html>", mimetype="text/html")


@blp.route("/<name>")
def problem_page(name: str) -> Response:
    if name not in PROBLEMS:
        raise NotFound("No such problem type.")
    return Response(_page(name, *PROBLEMS[name]), mimetype="text/html")
