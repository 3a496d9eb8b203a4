"""HTTP handlers for signing in."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from reporting.accounts import schemas, service
from reporting.accounts.auth import current_principal, requires
from reporting.accounts.roles import ADMIN, SECRETARIAT, STATE_ADMIN
from reporting.accounts.throttle import LoginThrottled
from reporting.bodies import json_body, load
from reporting.db import request_session
from reporting.errors import ProblemError, ValidationProblem
from reporting.openapi import problems
from reporting.unit_of_work import own_unit, request_unit, transactional

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign in.")


@blp.route("/login")
class Login(MethodView):
    @blp.doc(security=[], requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.LoginSchema}}})
    @blp.response(201, schemas.IssuedTokenSchema)
    @problems(blp, 400, 401, 413, 415, 422, 429)
    @transactional
    def post(self) -> dict[str, Any]:
        """Exchange a user's e-mail and password for a short-lived bearer token.

        Repeated failures for one e-mail address or from one client address make
        further attempts wait, then lock them out for a while: 429 with Retry-After,
        the same whether or not the address belongs to an account."""
        data = load(schemas.LoginSchema(), json_body())
        settings = current_app.config["VRS_SETTINGS"]
        unit = request_unit()
        try:
            token, secret = service.login(
                unit.session, data["email"], data["password"],
                timedelta(minutes=settings.login_token_minutes),
                policy=current_app.extensions["vrs_login_policy"],
                address=request.remote_addr)
        except service.AuthenticationFailed:
            _record_failed_login(data["email"])
            raise
        except LoginThrottled:
            _record_failed_login(data["email"], throttled=True)
            raise
        # The new login's user is the actor: nobody was authenticated before.
        unit.record("auth.login", object_type="user", object_id=token.user_id,
                    object_state=token.state_iso3,
                    actor=replace(unit.actor, id=token.user_id, state=token.state_iso3,
                                  role=token.role))
        return {"token": secret, "token_type": "Bearer", "expires_at": token.expires_at,
                "role": token.role, "state": token.state_iso3,
                "scopes": token.scopes.split()}


def _record_failed_login(email: str, *, throttled: bool = False) -> None:
    """Count a failed login (backoff and lockout) and record it in the audit trail, in a
    unit of its own: the request's rolls back. An attempt refused while throttled is
    recorded (outcome ``throttled``: a state sees attacks on its users) but not counted
    again (its password was not looked at).

    The entry names the account tried, if there is one (its state's admin sees attempts
    on its users), never the e-mail typed: that may be a mistyped password or another
    person's address. The caller's answer is the same either way.
    """
    unit = request_unit()
    # On SQLite the request's transaction holds the write lock: end it first.
    unit.rollback()
    with own_unit(unit.session) as audit:
        if not throttled:
            service.count_failed_login(audit.session,
                                       current_app.extensions["vrs_login_policy"],
                                       email, request.remote_addr)
        user = service.find_user(audit.session, email)
        audit.record("auth.login_failed", outcome="throttled" if throttled else "failure",
                     object_type="user",
                     object_id=user.id if user else None,
                     object_state=user.state_iso3 if user else None)


@blp.route("/logout")
class Logout(MethodView):
    @blp.response(204)
    @problems(blp, 401, 403)
    @transactional
    def post(self) -> None:
        """End the login whose token this request carries (API tokens are revoked by a
        state admin instead)."""
        unit = request_unit()
        principal = current_principal()
        service.logout(unit.session, principal)
        unit.record("auth.logout", object_type="token", object_id=principal.token_id,
                    object_state=principal.state)


@blp.route("/password")
class PasswordChange(MethodView):
    @blp.doc(requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.PasswordChangeSchema}}})
    @blp.response(204)
    @problems(blp, 400, 401, 403, 413, 415, 422)
    @transactional
    def post(self) -> None:
        """Change the logged-in user's password; their other logins end."""
        principal = current_principal()
        data = load(schemas.PasswordChangeSchema(), json_body())
        unit = request_unit()
        service.change_password(unit.session, principal, data["current_password"],
                                data["new_password"])
        unit.record("user.password_change", object_type="user", object_id=principal.user_id,
                    object_state=principal.state)


# ---- a state admin's own state: users and API tokens (SPEC §3) --------------------------

admin_blp = Blueprint("administration", __name__, url_prefix="/api/v1",
                      description="A state admin's users and API tokens of its own state.")
STATE_ADMINS = frozenset({STATE_ADMIN})


def _own_state() -> str:
    return current_principal().state or ""


def _user_document(user: Any) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "role": user.role,
            "state_iso3": user.state_iso3, "active": user.disabled_at is None,
            "created_at": user.created_at}


@admin_blp.route("/users")
class Users(MethodView):
    @admin_blp.response(200, schemas.UserSchema(many=True))
    @problems(admin_blp, 401, 403)
    @requires(ADMIN, STATE_ADMINS)
    def get(self) -> list[dict[str, Any]]:
        """The users of the caller's state."""
        return [_user_document(user)
                for user in service.list_users(request_session(), _own_state())]

    @admin_blp.doc(requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.UserInSchema}}})
    @admin_blp.response(201, schemas.UserSchema)
    @problems(admin_blp, 400, 401, 403, 404, 413, 415, 422)
    @requires(ADMIN, STATE_ADMINS | {SECRETARIAT})
    @transactional
    def post(self) -> dict[str, Any]:
        """Add a user to the caller's state; the secretariat creates a member state's
        first state admin (`state` and role `state_admin`)."""
        data = load(schemas.UserInSchema(), json_body())
        state = _new_users_state(data)
        if data.get("password"):
            service.check_new_password(data["password"], data["email"])
        unit = request_unit()
        user = service.create_user(unit.session, data["email"], data["role"],
                                   state, data.get("password"))
        unit.record("user.create", object_type="user", object_id=user.id,
                    object_state=user.state_iso3)
        return _user_document(user)


def _new_users_state(data: dict[str, Any]) -> str:
    """The state a new user belongs to: the state admin's own, or the one the
    secretariat names for a state's admin (it creates no other users)."""
    principal = current_principal()
    if principal.role != SECRETARIAT:
        if data.get("state", principal.state) != principal.state:
            raise ProblemError(403, "A state admin adds users to its own state only.",
                               problem="forbidden-role")
        return _own_state()
    if not data.get("state") or data["role"] != STATE_ADMIN:
        raise ValidationProblem(
            {"state" if not data.get("state") else "role": [
                "The secretariat creates a member state's state_admin: give the state "
                "and the role state_admin; the state admin adds the others."]})
    return data["state"]


@admin_blp.route("/users/<uuid:user_id>")
class UserItem(MethodView):
    @admin_blp.doc(requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.UserPatchSchema}}})
    @admin_blp.response(200, schemas.UserSchema)
    @problems(admin_blp, 400, 401, 403, 404, 413, 415, 422)
    @requires(ADMIN, STATE_ADMINS)
    @transactional
    def patch(self, user_id: uuid.UUID) -> dict[str, Any]:
        """Change a user's role, or disable (active: false) or enable them; either ends
        the user's login tokens."""
        data = load(schemas.UserPatchSchema(), json_body())
        unit = request_unit()
        user = service.update_user(unit.session, str(user_id), state=_own_state(),
                                   role=data.get("role"), active=data.get("active"))
        unit.record("user.update", object_type="user", object_id=user.id,
                    object_state=user.state_iso3)
        return _user_document(user)


@admin_blp.route("/tokens")
class Tokens(MethodView):
    @admin_blp.response(200, schemas.TokenSchema(many=True))
    @problems(admin_blp, 401, 403)
    @requires(ADMIN, STATE_ADMINS)
    def get(self) -> list[Any]:
        """The caller's state's unrevoked tokens, with when and from where each was last
        used; never a secret."""
        return service.list_tokens(request_session(), _own_state())

    @admin_blp.doc(requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.TokenInSchema}}})
    @admin_blp.response(201, schemas.CreatedTokenSchema)
    @problems(admin_blp, 400, 401, 403, 413, 415, 422)
    @requires(ADMIN, STATE_ADMINS)
    @transactional
    def post(self) -> dict[str, Any]:
        """Issue an API token for the caller's state; its secret is in this answer only."""
        data = load(schemas.TokenInSchema(), json_body())
        days = data.get("expires_in_days")
        unit = request_unit()
        token, secret = service.create_token(
            unit.session, role=data["role"], state=_own_state(),
            scopes=data.get("scopes"), label=data.get("label"),
            expires_in=timedelta(days=days) if days else None,
            allowed_networks=data.get("allowed_networks"))
        unit.record("token.create", object_type="token", object_id=token.id,
                    object_state=token.state_iso3)
        fields = ("id", "label", "kind", "role", "state_iso3", "scopes", "user_id",
                  "created_at", "expires_at", "revoked_at", "last_used_at", "last_used_ip",
                  "allowed_networks")
        return {**{name: getattr(token, name) for name in fields}, "token": secret}


@admin_blp.route("/tokens/<uuid:token_id>")
class TokenItem(MethodView):
    @admin_blp.response(200, schemas.TokenSchema)
    @problems(admin_blp, 401, 403, 404)
    @requires(ADMIN, STATE_ADMINS)
    @transactional
    def delete(self, token_id: uuid.UUID) -> Any:
        """Revoke a token of the caller's state; it stops working at once."""
        unit = request_unit()
        token = service.revoke_token(unit.session, str(token_id), _own_state())
        unit.record("token.revoke", object_type="token", object_id=token.id,
                    object_state=token.state_iso3)
        return token
