from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from reporting.text import FullMatch, Text


class LoginSchema(Schema):
    class Meta:
        unknown = RAISE

    email = Text(required=True, validate=validate.Length(min=3, max=320))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class PasswordChangeSchema(Schema):
    class Meta:
        unknown = RAISE

    current_password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class IssuedTokenSchema(Schema):
    token = fields.String(required=True, metadata={"description": "Shown once; keep it safe."})
    token_type = fields.String(required=True)
    expires_at = fields.DateTime(required=True)
    role = fields.String(required=True)
    state = fields.String(allow_none=True, required=True)
    scopes = fields.List(fields.String(), required=True)


STATE_ROLES = ("reporter", "state_admin", "analyst")


class UserInSchema(Schema):
    """A user a state admin adds to its own state."""

    class Meta:
        unknown = RAISE

    email = Text(required=True, validate=validate.Length(min=3, max=320))
    role = fields.String(required=True, validate=validate.OneOf(STATE_ROLES))
    password = fields.String(validate=validate.Length(min=1, max=1024), metadata={
        "description": "For POST /auth/login; without one the user cannot log in yet."})
    state = fields.String(validate=FullMatch(r"^[A-Z]{3}$"), metadata={
        "description": "The secretariat names the member state whose first state_admin "
                       "it creates; a state admin's users are of its own state (leave "
                       "it out)."})


class UserPatchSchema(Schema):
    class Meta:
        unknown = RAISE

    role = fields.String(validate=validate.OneOf(STATE_ROLES))
    active = fields.Boolean(metadata={"description": "false disables the user and ends "
                                                     "their login tokens at once"})


class UserSchema(Schema):
    id = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True)
    state = fields.String(required=True, attribute="state_iso3")
    active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)


class TokenInSchema(Schema):
    """An API token a state admin issues for its own state (shown once)."""

    class Meta:
        unknown = RAISE

    role = fields.String(required=True, validate=validate.OneOf(STATE_ROLES))
    scopes = fields.List(fields.String(), validate=validate.Length(min=1, max=4))
    label = Text(validate=validate.Length(max=200))
    expires_in_days = fields.Integer(validate=validate.Range(min=1, max=3650))
    allowed_networks = fields.List(
        Text(validate=validate.Length(min=1, max=49)), validate=validate.Length(min=1, max=40),
        metadata={"description": "CIDR networks the token may be used from (e.g. "
                                 "203.0.113.0/24, 2001:db8::/32); from elsewhere it is "
                                 "refused with 401 invalid_token. Default: anywhere."})


class TokenSchema(Schema):
    """A token as listed: never its secret."""

    id = fields.String(required=True)
    label = fields.String(allow_none=True)
    kind = fields.String(required=True)
    role = fields.String(required=True)
    state = fields.String(allow_none=True, attribute="state_iso3")
    scopes = fields.Method("scope_list", required=True)
    user_id = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True, metadata={
        "description": "When the token was last used, to the minute (recorded at most "
                       "once a minute)."})
    last_used_ip = fields.String(allow_none=True, metadata={
        "description": "The client address of that use."})
    allowed_networks = fields.Method("network_list", metadata={
        "description": "CIDR networks the token may be used from; empty: anywhere."})

    def scope_list(self, token: object) -> list[str]:
        return _words(token, "scopes")

    def network_list(self, token: object) -> list[str]:
        return _words(token, "allowed_networks")


def _words(token: object, name: str) -> list[str]:
    value = token.get(name) if isinstance(token, dict) else getattr(token, name, None)
    return str(value or "").split()


class CreatedTokenSchema(TokenSchema):
    token = fields.String(required=True, metadata={"description": "Shown once; keep it safe."})
