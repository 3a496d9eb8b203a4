"""HTTP handler of the audit trail: GET /audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from reporting.accounts.auth import current_principal, requires
from reporting.accounts.roles import ADMIN, SECRETARIAT, STATE_ADMIN
from reporting.audit import schemas, service
from reporting.db import request_session
from reporting.openapi import problems

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit",
                description="The hash-chained audit trail: who did what, and who read "
                            "whose reports.")


@blp.route("")
class AuditTrail(MethodView):
    @blp.arguments(schemas.AuditQuerySchema, location="query", as_kwargs=True,
                   unknown=RAISE)
    @blp.response(200, schemas.AuditPageSchema)
    @problems(blp, 401, 403, 422)
    @requires(ADMIN, frozenset({STATE_ADMIN, SECRETARIAT}))
    def get(self, limit: int, cursor: str | None = None, action: str | None = None,
            since: datetime | None = None, until: datetime | None = None,
            actor_state: str | None = None, object_id: str | None = None
            ) -> dict[str, Any]:
        """Audit entries, newest first: a state admin's own state's (made by its users,
        or about its objects, such as other states' reads of its reports); all of them
        for the secretariat."""
        principal = current_principal()
        scope = None if principal.role == SECRETARIAT else principal.state
        items, next_cursor = service.list_entries(
            request_session(), scope,
            service.EntryFilter(action=action, since=since, until=until,
                                actor_state=actor_state, object_id=object_id),
            limit=limit, cursor=cursor)
        return {"items": items, "next_cursor": next_cursor}
