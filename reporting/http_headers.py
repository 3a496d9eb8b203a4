"""Headers every response carries, set in one place after each request.

* ``X-Content-Type-Options: nosniff`` everywhere: a browser must not guess that a JSON
  answer (which may hold client text) is HTML.
* ``Cache-Control: no-store`` on every response to a request that carried credentials:
  what a member reads of its own or shared reports must not stay in a proxy or a
  browser cache. Public log routes keep their own caching when asked without a token.
* A Content-Security-Policy on HTML pages (the API docs): scripts and styles from this
  server and the docs' asset host only, nothing framed, no forms.
"""

from __future__ import annotations

from flask import Response, request

DOCS_ASSETS = "https://cdn.jsdelivr.net"
HTML_POLICY = (f"default-src 'none'; script-src 'self' 'unsafe-inline' {DOCS_ASSETS}; "
               f"style-src 'self' 'unsafe-inline' {DOCS_ASSETS}; "
               f"img-src 'self' data: {DOCS_ASSETS}; connect-src 'self'; "
               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


def secure_headers(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    if "Authorization" in request.headers:
        response.headers["Cache-Control"] = "no-store"
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = HTML_POLICY
    return response
