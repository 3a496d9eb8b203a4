"""HTTP handlers for signing in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from reporting.accounts import schemas, service
from reporting.bodies import json_body, load
from reporting.db import request_session
from reporting.errors import ProblemError
from reporting.openapi import problems

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign in.")


@blp.route("/login")
class Login(MethodView):
    @blp.doc(security=[], requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.LoginSchema}}})
    @blp.response(201, schemas.IssuedTokenSchema)
    @problems(blp, 400, 401, 413, 415, 422)
    def post(self) -> dict[str, Any]:
        """Exchange a user's e-mail and password for a short-lived bearer token."""
        data = load(schemas.LoginSchema(), json_body())
        session = request_session()
        minutes = current_app.config["VRS_SETTINGS"].login_token_minutes
        try:
            token, secret = service.login(session, data["email"], data["password"],
                                          timedelta(minutes=minutes))
        except service.AuthenticationFailed as exc:
            raise ProblemError(401, exc.reason, headers={
                "WWW-Authenticate": 'Bearer realm="openvrs"'}) from None
        session.commit()
        return {"token": secret, "token_type": "Bearer", "expires_at": token.expires_at,
                "role": token.role, "state": token.state_iso3,
                "scopes": token.scopes.split()}
