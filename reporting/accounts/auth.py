"""Bearer-token authentication and scope checks for the HTTP layer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, after_this_request, g, request

from reporting.accounts.service import (
    AuthenticationFailed,
    Principal,
    authenticate,
    record_token_use,
    token_use_due,
)
from reporting.db import request_session
from reporting.errors import ProblemError
from reporting.unit_of_work import Actor, UnitOfWork, current_binding

F = TypeVar("F", bound=Callable[..., Any])

log = logging.getLogger(__name__)

BEARER_SECURITY = [{"bearerAuth": []}]


def _unauthorised(detail: str, error: str = "invalid_token") -> ProblemError:
    # RFC 6750 §3: a 401 names the scheme, and the error code when a token was presented.
    challenge = 'Bearer realm="openvrs"'
    if error:
        challenge += f', error="{error}"'
    return ProblemError(401, detail, headers={"WWW-Authenticate": challenge})


def current_principal() -> Principal:
    """The principal of this request's bearer token, or a 401 problem."""
    if "vrs_principal" in g:
        return g.vrs_principal
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if not header:
        raise _unauthorised("This endpoint needs a bearer token.", error="")
    if scheme.lower() != "bearer" or not secret.strip():
        raise _unauthorised("The Authorization header must be 'Bearer <token>'.",
                            error="invalid_request")
    try:
        principal = authenticate(request_session(), secret.strip(),
                                 address=request.remote_addr)
    except AuthenticationFailed as exc:
        raise _unauthorised(exc.reason) from None
    g.vrs_principal = principal
    if token_use_due(principal):
        _record_use_after_answer(principal.token_id, request.remote_addr)
    g.vrs_actor = actor_of(principal)
    return principal


def actor_of(principal: Principal) -> Actor:
    """The principal as the audit trail names it: a person by user id, a machine client
    by token id and label."""
    return Actor(id=principal.user_id or principal.token_id, label=principal.label,
                 state=principal.state, role=principal.role)


def _record_use_after_answer(token_id: str, address: str | None) -> None:
    """Record the token's use once the answer has been sent (the WSGI server closes the
    response), in a transaction of its own: never in the request's way, and a failure
    to record is logged while the request stands."""
    binding = current_binding()

    def record() -> None:
        try:
            with UnitOfWork.begin(binding) as unit:
                record_token_use(unit.session, token_id, address)
        except Exception as exc:
            log.warning("could not record the use of token %s: %s", token_id,
                        type(exc).__name__)

    @after_this_request
    def _on_close(response: Response) -> Response:
        response.call_on_close(record)
        return response


def optional_principal() -> Principal | None:
    """The principal of the bearer token if one was sent (a bad one is a 401), else None.

    For public routes that show a caller with a token more than an anonymous one.
    """
    if "Authorization" not in request.headers:
        return None
    return current_principal()


# Blueprints whose routes need no token: the OpenAPI document and docs page, login, and
# the transparency log (SPEC §3 marks keys, heads, checkpoints, proofs, entries public).
# The log's routes are public but cosigning, which authenticates through @requires.
# "sdmx" is the summaries' SDMX structure: code lists, no figure (docs/summaries.md).
PUBLIC_BLUEPRINTS = frozenset({"api-docs", "docs-assets", "problems", "auth", "log",
                               "log-entries", "health", "sdmx"})


def authenticate_request() -> None:
    """Before any handler (and before its parameters are parsed), resolve the token.

    Authentication comes first so that an anonymous caller learns nothing from
    validation errors; unknown routes fall through to their 404.
    """
    # OPTIONS only reveals which methods a route allows (and CORS preflights carry no
    # credentials), so it is answered without a token.
    if request.endpoint is None or request.blueprint in PUBLIC_BLUEPRINTS \
            or request.method == "OPTIONS":
        return
    if request.path.startswith("/api/v1/"):
        current_principal()


def requires(scope: str, roles: frozenset[str] | None = None) -> Callable[[F], F]:
    """Let the handler run only for a principal holding ``scope`` (and one of ``roles``)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if not principal.has_scope(scope):
                raise ProblemError(403, f"This token lacks the scope {scope}.",
                                   problem="insufficient-scope")
            if roles is not None and principal.role not in roles:
                raise ProblemError(403, f"The role {principal.role} may not do this.",
                                   problem="forbidden-role")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
