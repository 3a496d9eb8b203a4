"""GET /runs: the workers' execution log, for the secretariat."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from reporting.accounts.auth import requires
from reporting.accounts.roles import ADMIN, SECRETARIAT
from reporting.db import request_session
from reporting.openapi import problems
from reporting.operations import schemas, service

blp = Blueprint("operations", __name__, url_prefix="/api/v1",
                description="The workers' execution log (secretariat).")


@blp.route("/runs")
class Runs(MethodView):
    @blp.arguments(schemas.RunQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
    @blp.response(200, schemas.RunPageSchema)
    @problems(blp, 401, 403, 422)
    @requires(ADMIN, frozenset({SECRETARIAT}))
    def get(self, limit: int, cursor: str | None = None, task: str | None = None,
            state: str | None = None) -> dict[str, Any]:
        """Task runs, newest first: what ran, when, how it ended, cells written."""
        runs, next_cursor = service.list_runs(request_session(), task=task, state=state,
                                              limit=limit, cursor=cursor)
        return {"items": runs, "next_cursor": next_cursor}
