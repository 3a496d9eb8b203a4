"""Rate limits on login and on writes (Flask-Limiter), answered with a 429 problem.

Login is limited per client address; every write (POST, PUT, PATCH, DELETE) shares one
budget per token, or per client address for a write that carries none. The counters
live in Redis when ``VRS_REDIS_URL`` is set, so that every process of an installation
shares them; otherwise each process counts in its own memory. Reads are not limited.

One limiter per application, not one per module: its storage and limits come from the
application's settings (tests build apps with different limits side by side).
"""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter, RateLimitExceeded

from reporting.config import Settings
from reporting.errors import render_problem

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Login has its own, lower limit, per client address (it carries no token).
LOGIN_ENDPOINT = "auth.Login"

log = logging.getLogger(__name__)


def _caller() -> str:
    """Whose budget a request spends: its token's (authentication has run), else its
    client address's."""
    principal = g.get("vrs_principal")
    if principal is not None:
        return f"token:{principal.token_id}"
    return f"address:{request.remote_addr or 'unknown'}"


def _not_a_write() -> bool:
    return request.method not in WRITE_METHODS or request.endpoint == LOGIN_ENDPOINT


def _not_login() -> bool:
    return request.endpoint != LOGIN_ENDPOINT


def init_app(app: Flask, settings: Settings) -> Limiter:
    """Limit ``app``'s logins and writes as ``settings`` say. Call after the app's
    authentication hook is registered: the limiter's hook must run after it, so that a
    write is counted against its token."""
    limiter = Limiter(
        _caller,
        app=app,
        enabled=settings.rate_limits_enabled,
        storage_uri=settings.redis_url or "memory://",
        # Two installations sharing one Redis keep apart by their log's name.
        key_prefix=f"openvrs:{settings.log_origin}",
        strategy="moving-window",
        default_limits=[lambda: settings.rate_limit_login],
        default_limits_exempt_when=_not_login,
        application_limits=[lambda: settings.rate_limit_writes],
        application_limits_exempt_when=_not_a_write,
        # Redis down: limit per process in memory rather than refuse every write.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    app.extensions["vrs_limiter"] = limiter
    app.register_error_handler(RateLimitExceeded, _too_many_requests)
    return limiter


def _too_many_requests(exc: RateLimitExceeded) -> Response:
    limiter: Limiter = current_app.extensions["vrs_limiter"]
    breached = limiter.current_limit
    wait = 1
    if breached is not None:
        try:
            wait = max(1, math.ceil(breached.window.reset_time - time.time()))
        except Exception:  # the storage failed after the breach: a safe default
            log.warning("rate limit storage unavailable while answering 429")
    return render_problem(
        429, f"Too many requests: at most {exc.limit.limit} for this "
             f"{'address' if request.endpoint == LOGIN_ENDPOINT else 'token'}. Retry after "
             "the Retry-After delay.",
        problem="rate-limited", headers={"Retry-After": str(wait)})
