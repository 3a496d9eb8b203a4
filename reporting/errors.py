"""The problem document (RFC 9457) and the one place that renders errors.

Every error the API returns, from a malformed body to an unknown route, leaves through
``render_problem`` with media type ``application/problem+json``.
"""

from __future__ import annotations

import logging
import re
import traceback
import uuid
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, json, request
from marshmallow import Schema, fields
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
# Relative type URIs resolve against the API's own base; each names one kind of problem
# a client can program against. Plain HTTP conditions use "about:blank" (RFC 9457 §4.2.1).
PROBLEM_BASE = "/api/v1/problems/"

log = logging.getLogger(__name__)


class ProblemError(Exception):
    """An error the client caused or may act on, rendered as a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        problem: str | None = None,
        title: str | None = None,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.problem = problem
        self.title = title or HTTPStatus(status).phrase
        self.errors = dict(errors) if errors else None
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


class DomainError(ProblemError):
    """An error a service raises, carrying its own status, problem type and title.

    Subclasses set the class attributes; ``register_error_handlers`` renders every one
    of them the same way, so no handler translates domain errors by hand.
    """

    status: int = 400
    problem: str | None = None
    title: str | None = None
    headers_: Mapping[str, str] = {}

    def __init__(self, detail: str, **kwargs: Any) -> None:
        cls = type(self)
        kwargs.setdefault("problem", cls.problem)
        kwargs.setdefault("title", cls.title)
        kwargs.setdefault("headers", cls.headers_)
        super().__init__(kwargs.pop("status", cls.status), detail, **kwargs)


class DatabaseUnavailable(DomainError):
    """The database could not be reached, or was busy past its timeouts: retry."""

    status = 503
    problem = "database-unavailable"
    headers_ = {"Retry-After": "5"}

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        super().__init__(detail or (
            "The database could not be reached or was busy. Retry the request; send the "
            "same Idempotency-Key with a submission, so that it is stored once."), **kwargs)


# Title and detail of a 422 by where the invalid value was (issue 16: a bad header is
# not "invalid report data").
LOCATIONS = {
    "body": ("Invalid request body", "The request body does not satisfy the schema; "
                                     "see `errors`."),
    "query": ("Invalid query parameter", "The query parameters are invalid; see `errors`."),
    "header": ("Invalid header", "A request header is invalid; see `errors`."),
    "path": ("Invalid path parameter", "A path parameter is invalid; see `errors`."),
}


class ValidationProblem(ProblemError):
    """422: the request parsed but breaks the contract; ``errors`` is keyed by field path.

    ``location`` (body, query, header, path) sets the default title and detail.
    """

    def __init__(self, errors: Mapping[str, list[str]], detail: str | None = None, *,
                 location: str = "body", **kwargs: Any) -> None:
        title, default_detail = LOCATIONS[location]
        super().__init__(
            422,
            detail or default_detail,
            problem=kwargs.pop("problem", "validation-error"),
            title=kwargs.pop("title", None) or title,
            errors=errors,
            **kwargs,
        )


def flatten_errors(messages: Any, prefix: str | None = None) -> dict[str, list[str]]:
    """Marshmallow's nested error dict as ``{"a.b.0.c": [messages]}``.

    Schema-level errors (``_schema``) belong to the object that holds them, and the
    root object's are keyed ``body``. A field whose name is empty keeps its empty path,
    so that ``{"": 1}`` is reported as an unknown field ``""``, not as a bad body.
    """
    here = "body" if prefix is None else prefix
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if key == "_schema":
                path = here
            elif prefix is None:
                path = str(key)
            else:
                path = f"{prefix}.{key}"
            for sub_path, sub_messages in flatten_errors(value, path).items():
                flat.setdefault(sub_path, []).extend(sub_messages)
    elif isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            flat.setdefault(here, []).extend(messages)
        else:
            for item in messages:
                for sub_path, sub_messages in flatten_errors(item, prefix).items():
                    flat.setdefault(sub_path, []).extend(sub_messages)
    else:
        flat.setdefault(here, []).append(str(messages))
    return flat


def problem_document(
    status: int,
    detail: str | None = None,
    *,
    problem: str | None = None,
    title: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
    extra: Mapping[str, Any] | None = None,
    instance: str | None = None,
) -> dict[str, Any]:
    """The problem document as data; ``instance`` defaults to ``request_instance()``."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + problem if problem else "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance := instance or request_instance():
        body["instance"] = instance
    if errors:
        body["errors"] = {path: list(msgs) for path, msgs in errors.items()}
    if extra:
        body.update(extra)
    return body


def request_instance() -> str | None:
    """The request's path as a problem's ``instance``, with no client text in it.

    A path is client text (``/reports/<anything>``): only what a route's converter
    accepted as a UUID is shown; other path parameters appear as ``{name}``, and a path
    that matched no route is not shown at all.
    """
    rule = request.url_rule
    if rule is None:
        return None
    path = rule.rule
    for name, value in (request.view_args or {}).items():
        shown = str(value) if isinstance(value, uuid.UUID) else "{" + name + "}"
        path = re.sub(rf"<(?:[^:<>]+:)?{re.escape(name)}>", shown, path)
    return path


def document_of(exc: ProblemError, *, instance: str | None = None) -> dict[str, Any]:
    """The problem document of an error, for a response that carries several."""
    return problem_document(exc.status, exc.detail, problem=exc.problem, title=exc.title,
                            errors=exc.errors, extra=exc.extra, instance=instance)


def _respond(body: dict[str, Any], headers: Mapping[str, str] | None) -> Response:
    response = Response(json.dumps(body), status=body["status"],
                        mimetype=PROBLEM_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def render_problem(status: int, detail: str | None = None, *,
                   headers: Mapping[str, str] | None = None, **fields: Any) -> Response:
    """The problem document as a response; ``fields`` as for ``problem_document``."""
    return _respond(problem_document(status, detail, **fields), headers)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ProblemError)
    def _problem(exc: ProblemError) -> Response:
        return _respond(document_of(exc), exc.headers)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        headers = {}
        if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
            headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
        detail = exc.description if status != 500 else None
        if status == 413:
            # The route's own limit when it has one (batches), else the app's.
            detail = (f"The request body exceeds the limit of "
                      f"{request.max_content_length} bytes.")
        errors = None
        fields: dict[str, Any] = {}
        # webargs (query parameters) raises 422 with messages keyed by location first.
        messages = (getattr(exc, "data", None) or {}).get("messages")
        if isinstance(messages, Mapping):
            errors = {}
            for location_messages in messages.values():
                errors.update(flatten_errors(location_messages))
            location = "query" if set(messages) <= {"query"} else "body"
            fields = {"title": LOCATIONS[location][0], "problem": "validation-error"}
            detail = LOCATIONS[location][1]
        return render_problem(status, detail, headers=headers, errors=errors, **fields)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(exc: DBAPIError) -> Response:
        # Unreachable, restarting, locked past the busy timeout, a deadlock victim: all
        # worth retrying, which a 500 would not say.
        log.error("database error on %s %s: %s", request.method, request.path,
                  database_error_summary(exc))
        return _problem(DatabaseUnavailable())

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        # The traceback goes to the log; the client learns nothing about internals.
        if isinstance(exc, DBAPIError):
            # Not log.exception: the exception's text holds the server's DETAIL, which
            # quotes values ("Failing row contains (…)": a token hash, a report's text).
            log.error("unhandled database error on %s %s: %s\n%s", request.method,
                      request.path, database_error_summary(exc),
                      "".join(traceback.format_tb(exc.__traceback__)))
        else:
            log.exception("unhandled error on %s %s", request.method, request.path)
        return render_problem(500, "An internal error occurred; it has been logged.")


def database_error_summary(exc: DBAPIError) -> str:
    """What a log line may say of a database error: where it happened, never a value."""
    cause = exc.orig if exc.orig is not None else exc
    diag = getattr(cause, "diag", None)
    if diag is not None and diag.sqlstate:
        # psycopg: the server's structured fields, none of which quotes a value (the
        # primary message can: 'invalid input syntax for type integer: "…"').
        where = [type(cause).__name__, f"SQLSTATE {diag.sqlstate}"] + [
            f"{name} {value}" for name, value in (
                ("table", diag.table_name), ("column", diag.column_name),
                ("constraint", diag.constraint_name)) if value]
        return f"{type(exc).__name__} ({', '.join(where)})"
    # A client-side failure (no server reached: "connection refused"), or sqlite3, whose
    # messages name tables and columns, never values ("NOT NULL constraint failed:
    # api_tokens.role"): the driver's first line, without SQLAlchemy's statement.
    return f"{type(exc).__name__}: {next(iter(str(cause).strip().splitlines()), '')}"


class ProblemSchema(Schema):
    """RFC 9457 problem details, as every error of this API is documented."""

    type = fields.String(required=True, metadata={"example": "/api/v1/problems/validation-error"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "Messages keyed by field path "
                                                  "(e.g. smuggled_migrants.total)."})
