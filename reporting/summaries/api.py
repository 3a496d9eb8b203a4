"""HTTP handlers for regional summaries: parse, ask the service, render.

A summary is served exactly as stored: the canonical text that was signed, so a client
verifies the bytes it received.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from reporting.accounts.auth import current_principal, requires
from reporting.accounts.roles import SUMMARIES_READ
from reporting.db import request_session
from reporting.openapi import problems
from reporting.summaries import schemas, service

blp = Blueprint("summaries", __name__, url_prefix="/api/v1/summaries",
                description="Signed regional summaries of approved, shared reports.")


@blp.route("")
class Summaries(MethodView):
    @blp.arguments(schemas.SummaryQuerySchema, location="query", as_kwargs=True,
                   unknown=RAISE)
    @blp.response(200, schemas.SummaryPageSchema)
    @problems(blp, 401, 403, 422)
    @requires(SUMMARIES_READ)
    def get(self, limit: int, cursor: str | None = None, **filters: str) -> dict[str, Any]:
        """The summaries the caller may read, by region, period and audience."""
        after = schemas.decode_cursor(cursor) if cursor else None
        items, last = service.list_summaries(
            request_session(), current_principal(), service.SummaryFilter(**filters),
            limit=limit, after=after)
        return {"items": [json.loads(item.document) for item in items],
                "next_cursor": schemas.encode_cursor(last) if last else None}


@blp.route("/<region>/<period>")
class OneSummary(MethodView):
    @blp.arguments(schemas.AudienceQuerySchema, location="query", as_kwargs=True,
                   unknown=RAISE)
    @blp.response(200, schemas.SummarySchema)
    @problems(blp, 401, 403, 404, 422)
    @requires(SUMMARIES_READ)
    def get(self, region: str, period: str, audience: str | None = None) -> Response:
        """One signed summary; a summary the caller may not read is a 404.

        `region` is an M49 code (e.g. `035`) or a group slug (e.g. `bali-process`),
        `period` YYYY, YYYY-Qn or YYYY-MM.
        """
        summary = service.get_summary(request_session(), current_principal(), region,
                                      period, audience)
        return Response(summary.document, mimetype="application/json")
