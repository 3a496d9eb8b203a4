"""HTTP handlers for signing in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from reporting.accounts import schemas, service
from reporting.bodies import json_body, load
from reporting.openapi import problems
from reporting.unit_of_work import request_unit, transactional

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign in.")


@blp.route("/login")
class Login(MethodView):
    @blp.doc(security=[], requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.LoginSchema}}})
    @blp.response(201, schemas.IssuedTokenSchema)
    @problems(blp, 400, 401, 413, 415, 422)
    @transactional
    def post(self) -> dict[str, Any]:
        """Exchange a user's e-mail and password for a short-lived bearer token."""
        data = load(schemas.LoginSchema(), json_body())
        minutes = current_app.config["VRS_SETTINGS"].login_token_minutes
        token, secret = service.login(request_unit().session, data["email"], data["password"],
                                      timedelta(minutes=minutes))
        return {"token": secret, "token_type": "Bearer", "expires_at": token.expires_at,
                "role": token.role, "state": token.state_iso3,
                "scopes": token.scopes.split()}
