"""Liveness and readiness, public: for load balancers, orchestrators and operators."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from reporting.db import get_database
from reporting.errors import DomainError
from reporting.openapi import problems
from reporting.readiness import problems as readiness_problems
from reporting.unit_of_work import current_ledger

blp = Blueprint("health", __name__, url_prefix="/api/v1",
                description="Is the service alive, and ready to serve?")
PUBLIC = {"security": []}


class NotReady(DomainError):
    status = 503
    problem = "not-ready"
    title = "Not ready"
    headers_ = {"Retry-After": "30"}


@blp.route("/health")
class Health(MethodView):
    @blp.doc(**PUBLIC)
    @blp.response(200)
    def get(self) -> dict[str, Any]:
        """The process answers (liveness); says nothing about the database."""
        return {"status": "ok"}


@blp.route("/ready")
class Ready(MethodView):
    @blp.doc(**PUBLIC)
    @blp.response(200)
    @problems(blp, 503)
    def get(self) -> dict[str, Any]:
        """Ready to serve: the database answers, its schema is current, the signing key
        loads. A 503 problem document says what is missing."""
        if found := readiness_problems(get_database(), current_ledger()):
            raise NotReady("; ".join(found))
        return {"status": "ready"}
