"""Headers every response carries, set in one place after each request.

* ``X-Content-Type-Options: nosniff`` everywhere: a browser must not guess that a JSON
  answer (which may hold client text) is HTML.
* ``Cache-Control: no-store`` on every response to a request that carried credentials:
  what a member reads of its own or shared reports must not stay in a proxy or a
  browser cache. Public log routes keep their own caching when asked without a token.
* A Content-Security-Policy on HTML pages (the API docs): scripts and styles from this
  server only (or the asset host an operator configured), nothing framed, no forms.
* ``X-Request-ID`` on every response: the client's own, when it sent one of a safe form,
  else a new one. The audit trail records it, so a client can find its request there.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

from flask import Response, current_app, g, request

REQUEST_ID = "X-Request-ID"
# Letters, digits and . _ - only (UUIDs, hex trace ids): the id is stored and echoed, so
# nothing else of client text (an e-mail, a name) may ride in it.
_REQUEST_ID_FORM = re.compile(r"[A-Za-z0-9._-]{1,128}")


def request_id() -> str:
    """This request's id: the client's ``X-Request-ID`` if of a safe form, else a new one."""
    if "vrs_request_id" not in g:
        sent = request.headers.get(REQUEST_ID, "")
        g.vrs_request_id = sent if _REQUEST_ID_FORM.fullmatch(sent) else str(uuid.uuid4())
    return g.vrs_request_id


def html_policy(assets_url: str) -> str:
    """The CSP of HTML pages; ``assets_url`` is where the docs load Swagger UI from."""
    parts = urlsplit(assets_url)
    # 'unsafe-inline' for scripts: the docs page starts Swagger UI with an inline script.
    host = f" {parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return (f"default-src 'none'; script-src 'self' 'unsafe-inline'{host}; "
            f"style-src 'self' 'unsafe-inline'{host}; img-src 'self' data:{host}; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
            "form-action 'none'")


def secure_headers(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers[REQUEST_ID] = request_id()
    if "Authorization" in request.headers:
        response.headers["Cache-Control"] = "no-store"
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = html_policy(
            current_app.config.get("OPENAPI_SWAGGER_UI_URL", ""))
    return response
