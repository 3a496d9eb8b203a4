"""HTTP handlers for regional summaries: parse, ask the service, render.

A summary is served exactly as stored: the canonical text that was signed, so a client
verifies the bytes it received. Its CSV and SDMX-CSV exports are rendered from that same
document, under the same audience rules and 404s; the SDMX structure they follow is
public (it holds code lists, no figure).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from reporting.accounts.auth import current_principal, requires
from reporting.accounts.roles import SUMMARIES_READ
from reporting.db import request_session
from reporting.directory.service import list_regions
from reporting.openapi import problems
from reporting.summaries import csv_export, schemas, sdmx_export, service

blp = Blueprint("summaries", __name__, url_prefix="/api/v1/summaries",
                description="Signed regional summaries of approved, shared reports.")
sdmx_blp = Blueprint("sdmx", __name__, url_prefix="/api/v1/sdmx",
                     description="The SDMX data structure of the summaries' SDMX-CSV export.")


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


def _export(region: str, period: str, audience: str | None, render: Callable[[Any], str],
            content_type: str, suffix: str) -> Response:
    """One summary the caller may read, rendered from its signed document."""
    summary = service.get_summary(request_session(), current_principal(), region, period,
                                  audience)
    document = json.loads(summary.document)
    # Codes only (the period was parsed, the region and audience are the stored cell's).
    name = f"summary-{summary.region}-{summary.period}-{summary.audience}{suffix}"
    return Response(render(document), content_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _file(media_type: str, description: str) -> dict[str, Any]:
    return {"200": {"description": description,
                    "content": {media_type: {"schema": {"type": "string"}}}}}


CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


@blp.route("/<region>/<period>.csv")
class SummaryCsv(MethodView):
    @blp.arguments(schemas.AudienceQuerySchema, location="query", as_kwargs=True,
                   unknown=RAISE)
    @blp.doc(responses=_file("text/csv", "One row per observation, suppressed ones "
                                         "included; the basis in columns"))
    @problems(blp, 401, 403, 404, 422)
    @requires(SUMMARIES_READ)
    def get(self, region: str, period: str, audience: str | None = None) -> Response:
        """One summary as plain CSV (docs/summaries.md, "Exports"); as the JSON, a
        summary the caller may not read is a 404."""
        return _export(region, period, audience, csv_export.to_csv, CSV_MEDIA_TYPE, ".csv")


@blp.route("/<region>/<period>.sdmx.csv")
class SummarySdmxCsv(MethodView):
    @blp.arguments(schemas.AudienceQuerySchema, location="query", as_kwargs=True,
                   unknown=RAISE)
    @blp.doc(responses=_file(sdmx_export.DATA_CSV_MEDIA_TYPE,
                             "SDMX-CSV 2.0.0 of the dataflow OPENVRS:VRS_SUMMARY(1.0), "
                             "described by GET /sdmx/structure"))
    @problems(blp, 401, 403, 404, 422)
    @requires(SUMMARIES_READ)
    def get(self, region: str, period: str, audience: str | None = None) -> Response:
        """One summary as SDMX-CSV 2.0.0; as the JSON, a summary the caller may not read
        is a 404."""
        return _export(region, period, audience, sdmx_export.to_sdmx_csv,
                       sdmx_export.DATA_CSV_MEDIA_TYPE, ".sdmx.csv")


@sdmx_blp.route("/structure")
class SdmxStructure(MethodView):
    @sdmx_blp.doc(security=[], responses=_file(
        sdmx_export.STRUCTURE_MEDIA_TYPE,
        "SDMX-ML 2.1 structure message: code lists, concepts, the data structure "
        "definition and dataflow OPENVRS:VRS_SUMMARY(1.0)"))
    def get(self) -> Response:
        """The SDMX structure of the summaries' SDMX-CSV, public: code lists (regions and
        groups, measures, breakdowns, currencies, statuses) and no figure."""
        regions = {region.code: region.name for region, _ in list_regions(request_session())}
        return Response(sdmx_export.structure_message(regions),
                        content_type=sdmx_export.STRUCTURE_MEDIA_TYPE)
