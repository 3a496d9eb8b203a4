"""Reading JSON request bodies strictly, with one problem document per failure.

Written by hand rather than through webargs because every failure needs its own status:
415 for another media type, 413 past the size limit (Flask's MAX_CONTENT_LENGTH), 400 for
bytes that are not one unambiguous JSON document, 422 for JSON that breaks the schema.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request
from marshmallow import Schema, ValidationError

from reporting.errors import ProblemError, ValidationProblem, flatten_errors


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # {"total": 1, "total": 900} means different things to different parsers; a signed
    # report must mean one thing, so such a body is malformed.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            # Not quoted: a key may be personal data ({"ahmad.rahimi@…": 1}).
            raise ValueError("an object has the same key twice")
        result[key] = value
    return result


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _malformed(detail: str) -> ProblemError:
    return ProblemError(400, detail, problem="malformed-json", title="Malformed JSON body")


def parse_json(raw: bytes) -> Any:
    """One JSON document from bytes, or a 400 problem saying what is wrong with it."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _malformed(f"The body is not UTF-8 (byte {exc.start}).") from None
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicate_keys,
                          parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise _malformed(f"The body is not valid JSON: {exc.msg} at line {exc.lineno}, "
                         f"column {exc.colno}.") from None
    except ValueError as exc:
        raise _malformed(f"The body is not valid JSON: {exc}.") from None
    except RecursionError:
        raise _malformed("The body nests too deeply.") from None


def json_body() -> Any:
    """The request's JSON document; 415, 413 or 400 when there is none to be had."""
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ProblemError(415, "Send the body as application/json.",
                           headers={"Accept-Post": "application/json"})
    # get_data enforces MAX_CONTENT_LENGTH and raises 413 beyond it.
    return parse_json(request.get_data(cache=True))


UNKNOWN_FIELD = "Unknown field."


def redact_unknown_keys(messages: Any, document: Any) -> Any:
    """Marshmallow's errors with every unknown key replaced by its position.

    An unknown key is client text and can be the very personal data the guard keeps
    out (``{"ahmad.rahimi@example.org": 1}``): it must not come back as a field path.
    Known field names come from the schema, so they stay; an unknown one becomes
    ``<unknown field N>``, N counting the object's keys from 1.
    """
    if isinstance(messages, dict) and isinstance(document, dict):
        keys = list(document)
        redacted: dict[Any, Any] = {}
        for key, value in messages.items():
            if value == [UNKNOWN_FIELD] and key in document:
                redacted[f"<unknown field {keys.index(key) + 1}>"] = value
            else:
                redacted[key] = redact_unknown_keys(value, document.get(key))
        return redacted
    if isinstance(messages, dict) and isinstance(document, list):
        return {index: redact_unknown_keys(value, document[index])
                if isinstance(index, int) and 0 <= index < len(document) else value
                for index, value in messages.items()}
    return messages


def load(schema: Schema, document: Any, *, title: str | None = None) -> dict[str, Any]:
    """A document validated by ``schema``, or a 422 problem keyed by field path.

    ``title``: the problem's title when the body breaks the schema (by default "Invalid
    request body"; a report says "Invalid report data").
    """
    if not isinstance(document, dict):
        raise ValidationProblem({"body": ["The body must be a JSON object."]}, title=title)
    try:
        return schema.load(document)
    except ValidationError as exc:
        errors = flatten_errors(redact_unknown_keys(exc.messages, document))
        personal = all(m.startswith("personal data found:")
                       for messages in errors.values() for m in messages)
        if personal:
            raise ValidationProblem(
                errors, problem="personal-data", title="Personal data in free text",
                detail="Reports are non-nominal: remove the personal data at the offsets "
                       "given in `errors` and submit again.") from None
        raise ValidationProblem(errors, title=title) from None
